// The run's health in one word and a few sentences, from what is already known: job states, each job's end bound to
// its own log segment, silence against the run's own iteration time, and (in the browser) the server connection.
// Pure: the server computes it for the run list and the overview, the browser recomputes it with its connection and
// clock from the same inputs, so the header, the banner, the runs list, the title and the favicon never disagree.
//
// Decisions:
// - Freshness window = 6 × the run's median time between logged iterations (printed iteration time × log
//   interval, medianLoggedIterationMs), clamped to [15 s, 30 min]: six missed lines is well past jitter (a slow step, a log flush) yet fast enough for a 0.2 s demo step; the floor keeps a fast run
//   from flapping on a log flush, the ceiling keeps a stall of a very slow run from hiding for hours. Without a
//   median (no iteration yet) the floor applies, but a job's own start counts as activity, so start-up is not silence
//   until a full window passes with no line at all.
// - Activity = any line read (the server passes its log files' last cursor commit, made whenever whole new lines
//   were read, stored or not, and the latest iteration's time): evaluation and saves print lines, so they are not
//   silence; watchdog PULSE lines are stored but do not move a hung job's iterations either. Stalled = a RUNNING job and no activity since max(last line, last iteration,
//   job start) for longer than the window.
// - Order: disconnected (the page cannot know) > stopped > finished > (a running job) stalled > resubmitted >
//   healthy; (no running job) crashed or resubmitted > queued; without jobs (an imported or followed log) the log's
//   own freshness says healthy or stale.
// - Resubmitted lasts while the job after a failed one is queued, starting, or redoing the iterations the crash lost;
//   once it trains past the crash's iteration the run is healthy again (the jobs table keeps the history). A crash
//   of a fast run thus stays on screen for as long as the recovery takes, not for one poll.
import type { JobEnd } from '../api.js';
import { formatDuration } from './format.js';

export type HealthState =
  | 'queued'
  | 'healthy'
  | 'stalled'
  | 'crashed'
  | 'resubmitted'
  | 'finished'
  | 'stopped'
  | 'disconnected'
  | 'stale'
  | 'unknown';
export type HealthSeverity = 'ok' | 'info' | 'warning' | 'critical';

/** Everything the model reads. The server fills all but `connection`; the browser adds the connection and its clock. */
export interface HealthInputs {
  nowMs: number;
  run: { state: string; desiredState: string | null; trainIters: number | null };
  /** Jobs oldest first, each with its end bound to the job's own log segment. */
  jobs: readonly JobHealthView[];
  latestIteration: { iteration: number; timeMs: number | null } | null;
  /** Time of the newest stored line of any kind (iteration, validation, checkpoint, failure…): evaluation and saves
   *  print lines, so they are not silence. */
  lastLineMs: number | null;
  /** The run's own typical time between logged iterations, ms: the median of recent non-overhead iterations'
   *  printed time × the log interval (`medianLoggedIterationMs`); equal to the iteration time at log interval 1. */
  medianIterationMs: number | null;
  lastCheckpointIteration: number | null;
  /** The browser's view of the server: null on the server. `sinceMs` = when it was lost (ms, browser clock mapped). */
  connection: { connected: boolean; sinceMs: number | null } | null;
  /** A restart the recovery policy decided and waits to make (its backoff): said instead of "no new job is queued",
   *  so nobody resubmits by hand a run Trainboard is about to resubmit. Absent/null when none. */
  plannedRestart?: { notBeforeMs: number; n: number; counted: boolean } | null;
  /** Later (issue 15): open incidents feed the same model. */
  incidents?: readonly { kind: string; severity: HealthSeverity; summary: string }[];
}

export interface JobHealthView {
  jobId: string;
  state: string;
  nodeList: string | null;
  startedAt: number | null;
  endedAt: number | null;
  end: JobEnd | null;
  /** Why the job exists: initial | chain | resubmit | exclude | policy (null for imported). */
  reason: string | null;
}

export interface RunHealth {
  state: HealthState;
  severity: HealthSeverity;
  /** One line, in words: "Crashed: CUDA error on c3 after iteration 119 — resubmitted as job 14". */
  headline: string;
  /** The banner's sentences: what happened, where, the last iteration, the work lost since the last checkpoint,
   *  what Trainboard did, what a person can do next. */
  lines: string[];
  node: string | null;
  lastIteration: number | null;
  /** Iterations since the last completed save (null when unknown). */
  lostIterations: number | null;
  /** What Trainboard did about it, e.g. "submitted job 14 to resume from iteration 100"; null when nothing. */
  didWhat: string | null;
  /** What a person can do next. */
  next: string | null;
  /** The run's freshness window, ms: values older than this are stale, silence longer than this is a stall. */
  freshnessMs: number;
  /** When the state began (ms), for "since 06:41". */
  sinceMs: number | null;
}

/**
 * The typical time between two logged iterations, from the latest ones (newest first): each non-overhead row's
 * printed iteration time × the iterations since the row before it (Megatron prints every `log_interval`, and the
 * printed time is per iteration), so a run logging every 10th iteration is not called stalled between lines.
 */
export function medianLoggedIterationMs(
  recent: readonly { iteration: number; timeMs: number | null; overhead: boolean }[],
): number | null {
  const spans: number[] = [];
  for (let i = 0; i + 1 < recent.length; i++) {
    const row = recent[i] as (typeof recent)[number];
    const gap = row.iteration - (recent[i + 1] as (typeof recent)[number]).iteration;
    if (!row.overhead && row.timeMs !== null && gap > 0) spans.push(row.timeMs * gap);
  }
  if (spans.length === 0) return recent.find((r) => !r.overhead && r.timeMs !== null)?.timeMs ?? null;
  spans.sort((a, b) => a - b);
  const mid = spans.length >> 1;
  return spans.length % 2 ? (spans[mid] as number) : ((spans[mid - 1] as number) + (spans[mid] as number)) / 2;
}

export const MIN_FRESHNESS_MS = 15_000;
export const MAX_FRESHNESS_MS = 30 * 60_000;
/** Iterations of silence that make a stall (see the module comment). */
export const STALL_ITERATIONS = 6;

/** The run's freshness window: six typical iterations, at least 15 s, at most 30 min. */
export function freshnessWindowMs(medianIterationMs: number | null): number {
  if (medianIterationMs === null || !Number.isFinite(medianIterationMs) || medianIterationMs <= 0)
    return MIN_FRESHNESS_MS;
  return Math.min(MAX_FRESHNESS_MS, Math.max(MIN_FRESHNESS_MS, STALL_ITERATIONS * medianIterationMs));
}

const RUNNING = new Set(['RUNNING', 'COMPLETING']);
const QUEUED = new Set(['SUBMITTING', 'PENDING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_HOLD', 'SUSPENDED']);

/** What every state's words are built from. */
interface Facts {
  inputs: HealthInputs;
  freshnessMs: number;
  running: JobHealthView | null;
  queued: JobHealthView | null;
  /** The newest job that has ended, and the jobs after it. */
  lastEnded: JobHealthView | null;
  after: readonly JobHealthView[];
  /** The job whose failure is the story: a running job whose log shows its crash (and no iteration since), else
   *  the newest ended job if it failed. The job after it that is queued or running, if any. */
  crashed: JobHealthView | null;
  successor: JobHealthView | null;
  lastIteration: number | null;
  lastActivityMs: number | null;
}

function factsOf(inputs: HealthInputs): Facts {
  const { jobs, latestIteration } = inputs;
  const running = jobs.findLast((j) => RUNNING.has(j.state)) ?? null;
  const queued = jobs.findLast((j) => QUEUED.has(j.state)) ?? null;
  const endedAt = jobs.findLastIndex((j) => !RUNNING.has(j.state) && !QUEUED.has(j.state));
  const lastEnded = endedAt < 0 ? null : (jobs[endedAt] ?? null);
  const times = [inputs.lastLineMs, latestIteration?.timeMs ?? null, running?.startedAt ?? null];
  const known = times.filter((t): t is number => t !== null);
  // A worker that crashed and was restarted in place (torchelastic) trains again: its failure is history.
  const failedAt = running?.end?.failed ? (running.end.timeMs ?? null) : null;
  const dying = running?.end?.failed === true && !(failedAt !== null && (latestIteration?.timeMs ?? -1) > failedAt);
  const crashed = dying ? running : lastEnded?.end?.failed ? lastEnded : null;
  const successor = crashed ? (jobs.slice(jobs.indexOf(crashed) + 1).find(isActive) ?? null) : null;
  return {
    inputs,
    freshnessMs: freshnessWindowMs(inputs.medianIterationMs),
    running,
    queued,
    lastEnded,
    after: endedAt < 0 ? jobs : jobs.slice(endedAt + 1),
    crashed,
    successor,
    lastIteration: latestIteration?.iteration ?? null,
    lastActivityMs: known.length ? Math.max(...known) : null,
  };
}

const isActive = (j: JobHealthView) => RUNNING.has(j.state) || QUEUED.has(j.state);

function classify(f: Facts): HealthState {
  const { run, connection } = f.inputs;
  if (connection && !connection.connected) return 'disconnected';
  if (run.desiredState === 'stopped' || run.state === 'cancelled') return 'stopped';
  if (isFinished(f)) return 'finished';
  if (f.crashed && f.crashed === f.running) return f.successor ? 'resubmitted' : 'crashed';
  if (f.running) {
    if (f.lastActivityMs !== null && f.inputs.nowMs - f.lastActivityMs > f.freshnessMs) return 'stalled';
    return f.successor === f.running && !recovered(f) ? 'resubmitted' : 'healthy';
  }
  if (f.crashed) return f.successor ? 'resubmitted' : 'crashed';
  if (f.queued) return 'queued';
  if (f.lastEnded) return run.desiredState === 'active' ? 'queued' : 'stopped';
  if (f.lastActivityMs === null) return 'unknown';
  return f.inputs.nowMs - f.lastActivityMs > f.freshnessMs ? 'stale' : 'healthy';
}

/** The job after a crash has trained past the crash's iteration: the lost work is redone. */
function recovered(f: Facts): boolean {
  const latest = f.inputs.latestIteration;
  const trainedSince = latest?.timeMs != null && latest.timeMs >= (f.running?.startedAt ?? 0);
  const crashIteration = f.crashed?.end?.iteration ?? null;
  return trainedSince && (crashIteration === null || latest.iteration > crashIteration);
}

function isFinished(f: Facts): boolean {
  const { run } = f.inputs;
  if (f.running || f.queued) return false;
  if (run.desiredState === 'done' || run.state === 'completed') return true;
  if (f.lastEnded?.end?.kind === 'train_done') return true;
  return run.trainIters !== null && f.lastIteration !== null && f.lastIteration >= run.trainIters;
}

/** The run's health from its inputs: one state, a headline and the banner's sentences. */
export function runHealth(inputs: HealthInputs): RunHealth {
  const f = factsOf(inputs);
  const state = classify(f);
  const words = WORDS[state](f);
  const base: RunHealth = {
    state,
    severity: SEVERITY[state],
    headline: words.headline,
    lines: words.lines.filter((l): l is string => l !== null),
    node: words.node ?? null,
    lastIteration: words.lastIteration ?? f.lastIteration,
    lostIterations: words.lostIterations ?? null,
    didWhat: words.didWhat ?? null,
    next: words.next ?? null,
    freshnessMs: f.freshnessMs,
    sinceMs: words.sinceMs ?? null,
  };
  return withIncidents(base, inputs.incidents ?? []);
}

const SEVERITY: Record<HealthState, HealthSeverity> = {
  healthy: 'ok',
  finished: 'ok',
  queued: 'info',
  stopped: 'info',
  unknown: 'info',
  stale: 'warning',
  disconnected: 'warning',
  resubmitted: 'warning',
  stalled: 'critical',
  crashed: 'critical',
};
const RANK: Record<HealthSeverity, number> = { ok: 0, info: 1, warning: 2, critical: 3 };

/** Open incidents (issue 15) add their sentences and can raise the severity, never lower it. */
function withIncidents(h: RunHealth, incidents: NonNullable<HealthInputs['incidents']>): RunHealth {
  if (incidents.length === 0) return h;
  const worst = incidents.reduce((s, i) => (RANK[i.severity] > RANK[s] ? i.severity : s), h.severity);
  return { ...h, severity: worst, lines: [...h.lines, ...incidents.map((i) => i.summary)] };
}

interface Words {
  headline: string;
  lines: (string | null)[];
  node?: string | null;
  lastIteration?: number | null;
  lostIterations?: number | null;
  didWhat?: string | null;
  next?: string | null;
  sinceMs?: number | null;
}

const WORDS: Record<HealthState, (f: Facts) => Words> = {
  healthy: healthyWords,
  stalled: stalledWords,
  crashed: (f) => failureWords(f, null),
  resubmitted: (f) => failureWords(f, f.successor),
  finished: finishedWords,
  stopped: stoppedWords,
  queued: queuedWords,
  disconnected: disconnectedWords,
  stale: staleWords,
  unknown: () => ({
    headline: 'No data yet',
    lines: ['Trainboard has no job and no log line for this run yet.'],
    next: 'Submit the run, or follow its log file.',
  }),
};

function at(iteration: number | null, of: number | null = null): string {
  if (iteration === null) return 'no iteration logged yet';
  return of === null ? `iteration ${iteration}` : `iteration ${iteration} of ${of}`;
}
const on = (nodes: string | null) => (nodes ? ` on ${nodes}` : '');

/** Iterations since the last completed save, up to `iteration`. */
function lostSince(f: Facts, iteration: number | null): number | null {
  const saved = f.inputs.lastCheckpointIteration;
  if (iteration === null || saved === null) return null;
  return Math.max(0, iteration - saved);
}

function lostLine(f: Facts, lost: number | null, verb: 'loses' | 'lost'): string {
  const saved = f.inputs.lastCheckpointIteration;
  if (lost === null) return 'No checkpoint save has been logged, so the work at risk is unknown.';
  const what = lost === 1 ? '1 iteration' : `${lost} iterations`;
  return verb === 'lost'
    ? `Work lost since the last checkpoint (iteration ${saved}): ${what}.`
    : `A crash now loses ${what} (last checkpoint at iteration ${saved}).`;
}

function healthyWords(f: Facts): Words {
  const job = f.running;
  const { trainIters } = f.inputs.run;
  const lost = lostSince(f, f.lastIteration);
  const t = f.inputs.latestIteration?.timeMs ?? null;
  const starting = job !== null && job.startedAt !== null && (t === null || t < job.startedAt);
  return {
    headline: starting
      ? `Healthy: job ${job.jobId} started${on(job.nodeList)}, before its first iteration`
      : `Healthy: training at ${at(f.lastIteration, trainIters)}`,
    lines: [
      job
        ? `Job ${job.jobId} is running${on(job.nodeList)}${starting ? ' and starting up (no iteration yet)' : ''}.`
        : 'The log is growing.',
      `Last ${at(f.lastIteration, trainIters)}.`,
      lostLine(f, lost, 'loses'),
    ],
    node: job?.nodeList ?? null,
    lostIterations: lost,
    sinceMs: job?.startedAt ?? null,
  };
}

function stalledWords(f: Facts): Words {
  const job = f.running as JobHealthView;
  const silent = formatDuration(f.inputs.nowMs - (f.lastActivityMs ?? f.inputs.nowMs));
  const lost = lostSince(f, f.lastIteration);
  return {
    headline: `Stalled: no new line for ${silent} (job ${job.jobId}${on(job.nodeList)}, ${at(f.lastIteration)})`,
    lines: [
      `Job ${job.jobId} is still RUNNING${on(job.nodeList)}, but the log has been silent for ${silent}, longer than ` +
        `this run's freshness window of ${formatDuration(f.freshnessMs)}.`,
      `Last ${at(f.lastIteration)}.`,
      lostLine(f, lost, 'loses'),
      'Trainboard has not acted: Slurm still reports the job as running.',
    ],
    node: job.nodeList,
    lostIterations: lost,
    didWhat: null,
    next:
      'Look at the end of the log and the nodes tab (a hung collective, a dead node); if it is hung, cancel the job ' +
      'so the run resumes from its last checkpoint.',
    sinceMs: f.lastActivityMs,
  };
}

function failureWords(f: Facts, successor: JobHealthView | null): Words {
  const job = f.crashed as JobHealthView;
  const end = job.end as JobEnd;
  const node = end.node ?? job.nodeList;
  const iteration = end.iteration ?? f.lastIteration;
  const lost = lostSince(f, iteration);
  const where = node ? ` on ${node}` : '';
  const after = iteration === null ? '' : ` after iteration ${iteration}`;
  const planned = successor ? null : plannedText(f.inputs.plannedRestart ?? null);
  const didWhat = successor ? resubmitText(successor, f.inputs.lastCheckpointIteration) : planned;
  const stillRunning = RUNNING.has(job.state);
  return {
    headline: `Crashed: ${end.text}${where}${after}${successor ? ` — resubmitted as job ${successor.jobId}` : ''}`,
    lines: [
      stillRunning
        ? `Job ${job.jobId} hit ${end.text}${where}${after}; Slurm still reports it RUNNING until its other tasks end.`
        : `Job ${job.jobId} ended with ${end.text}${where}${after}.`,
      `Last ${at(f.lastIteration)}.`,
      lostLine(f, lost, 'lost'),
      redoLine(f, successor, iteration),
      didWhat ? `Trainboard ${didWhat}.` : stillRunning ? null : 'No new job is queued.',
    ],
    node,
    lastIteration: iteration,
    lostIterations: lost,
    didWhat,
    next: successor
      ? `Watch job ${successor.jobId} resume; if ${node ?? 'a node'} fails again, exclude it and resubmit.`
      : planned
        ? 'Nothing to do unless the restart should not happen: the recovery policy resubmits it (Control tab).'
        : `Check ${node ?? 'the failing node'} in the nodes tab, then resubmit the run (excluding the node if it is bad).`,
    sinceMs: job.endedAt ?? end.timeMs ?? null,
  };
}

/** While the new job re-trains what the crash lost: how far it has come. */
function redoLine(f: Facts, successor: JobHealthView | null, crashIteration: number | null): string | null {
  const latest = f.inputs.latestIteration;
  if (!successor || successor !== f.running || crashIteration === null || latest?.timeMs == null) return null;
  if (latest.timeMs < (successor.startedAt ?? 0)) return null;
  return `Job ${successor.jobId} is redoing the lost iterations: at ${latest.iteration} of ${crashIteration}.`;
}

/** The recovery policy's waiting restart, in words ("will resubmit it at 00:31:05 UTC (restart 1 in the window)"). */
function plannedText(p: HealthInputs['plannedRestart'] | null): string | null {
  if (!p) return null;
  const when = new Date(p.notBeforeMs).toISOString().slice(11, 19);
  const counted = p.counted ? `restart ${p.n} in the window` : 'after a maintenance: not counted';
  return `will resubmit it from the last checkpoint at ${when} UTC (${counted})`;
}

function resubmitText(job: JobHealthView, fromIteration: number | null): string {
  const state = RUNNING.has(job.state) ? 'running' : 'queued';
  const from = fromIteration === null ? '' : ` to resume from iteration ${fromIteration}`;
  if (job.reason === null) return `sees job ${job.jobId} ${state}${from}`;
  if (job.reason === 'chain') return `had already queued job ${job.jobId} in the chain${from} (${state})`;
  return `submitted job ${job.jobId}${from} (${state})`;
}

function finishedWords(f: Facts): Words {
  const last = f.lastEnded;
  return {
    headline: `Finished at ${at(f.lastIteration)}`,
    lines: [
      last ? `Job ${last.jobId} ended: ${last.end?.text ?? last.state.toLowerCase()}.` : 'Training is done.',
      `Last ${at(f.lastIteration, f.inputs.run.trainIters)}.`,
    ],
    node: last?.nodeList ?? null,
    next: 'Nothing to do: the run is complete.',
    sinceMs: last?.endedAt ?? null,
  };
}

function stoppedWords(f: Facts): Words {
  const last = f.running ?? f.lastEnded;
  const held = f.inputs.run.desiredState === 'held';
  return {
    headline: `${held ? 'Held' : 'Stopped'} at ${at(f.lastIteration)}`,
    lines: [
      f.running
        ? `The run was stopped; job ${f.running.jobId} is being cancelled.`
        : last
          ? `Job ${last.jobId} ended: ${last.end?.text ?? last.state.toLowerCase()}; no job is queued.`
          : 'No job is queued.',
      `Last ${at(f.lastIteration)}.`,
      lostLine(f, lostSince(f, f.lastIteration), 'lost'),
    ],
    node: last?.nodeList ?? null,
    lostIterations: lostSince(f, f.lastIteration),
    next: 'Resume the run from the Control tab to continue from its last checkpoint.',
    sinceMs: last?.endedAt ?? null,
  };
}

function queuedWords(f: Facts): Words {
  const job = f.queued;
  const previous = f.lastEnded;
  return {
    headline: job ? `Queued: job ${job.jobId} waits for nodes` : 'Queued: waiting for the next job',
    lines: [
      previous ? `Job ${previous.jobId} ended: ${previous.end?.text ?? previous.state.toLowerCase()}.` : null,
      job ? `Job ${job.jobId} is ${job.state.toLowerCase()}.` : 'Trainboard will submit the next job of the chain.',
      `Last ${at(f.lastIteration)}.`,
    ],
    didWhat: job && job.reason !== null ? `submitted job ${job.jobId}` : null,
    next: 'Nothing to do: the job starts when Slurm gives it nodes.',
    sinceMs: previous?.endedAt ?? null,
  };
}

function disconnectedWords(f: Facts): Words {
  return {
    headline: 'Disconnected: the Trainboard server cannot be reached',
    lines: [
      'The page lost its connection to the Trainboard server; what it shows is as of the last update.',
      `Last ${at(f.lastIteration)} known.`,
      'Training on the cluster is not affected by this page.',
    ],
    next: 'Wait: the page reconnects by itself. If it does not, check that the Trainboard server is running.',
    sinceMs: f.inputs.connection?.sinceMs ?? null,
  };
}

function staleWords(f: Facts): Words {
  const silent = formatDuration(f.inputs.nowMs - (f.lastActivityMs ?? f.inputs.nowMs));
  return {
    headline: `Stale: no new line for ${silent}`,
    lines: [
      `The log has had no new line for ${silent}, longer than this run's freshness window of ` +
        `${formatDuration(f.freshnessMs)}; Trainboard knows no job of this run.`,
      `Last ${at(f.lastIteration)}.`,
    ],
    next: 'If the run should still be training, check its job on the cluster and that the log is followed.',
    sinceMs: f.lastActivityMs,
  };
}
