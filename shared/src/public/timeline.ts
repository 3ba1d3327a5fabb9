// The public timeline: what happened to the run, in words the server writes from kinds (starts, restarts, failures,
// time limits, checkpoints), never from a log line. No job id, path or log text can appear: the only input strings
// read are the end kind (looked up in fixed tables) and, when the publisher opted in, a node name that must look like
// a hostname (else it is left out).
import type { JobEnd } from '../api.js';
import type { PublicTimelineEntry, PublicTimelineKind } from './snapshot.js';

/** The contract's cap on entries (PublicSnapshotSchema). */
export const MAX_TIMELINE_ENTRIES = 200;

/** A job as the timeline reads it: Slurm's state, its times and how it ended (JobHealthView has these fields). */
export interface TimelineJob {
  state: string;
  nodeList: string | null;
  startedAt: number | null;
  endedAt: number | null;
  end: JobEnd | null;
}

export interface TimelineInputs {
  /** Oldest first. */
  jobs: readonly TimelineJob[];
  /** Saved checkpoints (iteration, ms), any order. */
  checkpoints: readonly { iteration: number | null; timeMs: number | null }[];
  /** The publisher's opt-in: name the node of a start or a failure. */
  showNodes: boolean;
}

/** One plain hostname (a short name or a dotted FQDN), no brackets, commas or spaces: a compressed node list
 *  (`gpu-[1-4]`) or anything odd is not shown at all. */
const HOSTNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function publicNodeName(node: string | null | undefined): string | null {
  return node && node.length <= 100 && HOSTNAME.test(node) ? node : null;
}

/** Failure kinds that are the machine's fault (GPU, interconnect, node), as opposed to the program's. */
const HARDWARE = new Set([
  'cuda_error',
  'ecc_error',
  'xid_error',
  'gpu_error',
  'nccl_error',
  'node_failure',
  'bus_error',
  'NODE_FAIL',
  'BOOT_FAIL',
]);
const HANG = new Set(['nccl_timeout', 'hang']);
const TIME_LIMIT = new Set(['time_limit', 'duration_limit', 'exit_interval', 'TIMEOUT', 'DEADLINE']);
const FINISHED = new Set(['train_done']);
const STOPPED = new Set(['cancelled', 'preempted', 'requeued', 'kill_switch', 'sigterm', 'CANCELLED', 'PREEMPTED']);

/** The public kind of a job's end, from its kind (else its Slurm state); null when the job has not ended. */
export function publicEndKind(job: Pick<TimelineJob, 'state' | 'end'>): PublicTimelineKind | null {
  const key = job.end?.kind ?? job.state;
  if (HARDWARE.has(key)) return 'hardware_failure';
  if (HANG.has(key)) return 'hang';
  if (TIME_LIMIT.has(key)) return 'time_limit';
  if (FINISHED.has(key) || (job.end === null && job.state === 'COMPLETED')) return 'finished';
  if (STOPPED.has(key)) return 'stopped';
  if (job.end?.failed || job.state === 'FAILED' || job.state === 'OUT_OF_MEMORY') return 'software_failure';
  if (job.end) return 'stopped'; // a clean end of some other kind
  return null;
}

/** Why the run stopped, as the reason of the next restart. */
const BECAUSE: Partial<Record<PublicTimelineKind, string>> = {
  hardware_failure: 'after a hardware failure',
  software_failure: 'after a software error',
  hang: 'after a hang',
  time_limit: 'after the job time limit',
  stopped: 'after a stop',
};

const ENDED: Partial<Record<PublicTimelineKind, string>> = {
  hardware_failure: 'Stopped by a hardware failure',
  software_failure: 'Stopped by a software error',
  hang: 'Stopped by a hang (a collective operation timed out)',
  time_limit: 'Reached the job time limit',
  finished: 'Training finished',
  stopped: 'Stopped',
};

const iso = (ms: number) => new Date(ms).toISOString();
const atIteration = (it: number | null) => (it === null ? '' : ` at iteration ${it}`);

/** The newest checkpoint saved at or before `ms`. */
function checkpointBefore(inputs: TimelineInputs, ms: number): number | null {
  let best: { iteration: number; timeMs: number } | null = null;
  for (const c of inputs.checkpoints)
    if (c.iteration !== null && c.timeMs !== null && c.timeMs <= ms && (!best || c.timeMs >= best.timeMs))
      best = { iteration: c.iteration, timeMs: c.timeMs };
  return best?.iteration ?? null;
}

function onNode(inputs: TimelineInputs, node: string | null | undefined): string {
  const name = inputs.showNodes ? publicNodeName(node) : null;
  return name ? ` on node ${name}` : '';
}

function startEntry(inputs: TimelineInputs, job: TimelineJob, previous: TimelineJob | null): PublicTimelineEntry {
  const at = job.startedAt as number;
  const where = onNode(inputs, job.nodeList);
  if (!previous) return { at: iso(at), kind: 'started', iteration: null, text: `Training started${where}` };
  const from = checkpointBefore(inputs, at);
  const reason = BECAUSE[publicEndKind(previous) ?? 'stopped'] ?? '';
  const fromText = from === null ? '' : `, from the checkpoint at iteration ${from}`;
  return {
    at: iso(at),
    kind: 'restarted',
    iteration: from,
    text: `Restarted${reason ? ` ${reason}` : ''}${fromText}${where}`,
  };
}

function endEntry(inputs: TimelineInputs, job: TimelineJob): PublicTimelineEntry | null {
  const kind = publicEndKind(job);
  const at = job.endedAt ?? job.end?.timeMs ?? null;
  if (kind === null || at === null) return null;
  const iteration = job.end?.iteration ?? null;
  const failed = kind === 'hardware_failure' || kind === 'software_failure' || kind === 'hang';
  const where = failed ? onNode(inputs, job.end?.node ?? null) : '';
  return { at: iso(at), kind, iteration, text: `${ENDED[kind] ?? 'Stopped'}${atIteration(iteration)}${where}` };
}

/**
 * The run's public timeline, oldest first: each job's start (the first "started", later ones "restarted … from the
 * checkpoint at iteration N") and end, and each saved checkpoint. Entries without a time are left out. Over
 * MAX_TIMELINE_ENTRIES, the oldest checkpoints go first, then the oldest entries: the failures are the story.
 */
export function publicTimeline(inputs: TimelineInputs): PublicTimelineEntry[] {
  const events: PublicTimelineEntry[] = [];
  let previous: TimelineJob | null = null;
  for (const job of inputs.jobs) {
    if (job.startedAt === null) continue; // never ran: nothing public happened
    events.push(startEntry(inputs, job, previous));
    const end = endEntry(inputs, job);
    if (end) events.push(end);
    previous = job;
  }
  const checkpoints: PublicTimelineEntry[] = inputs.checkpoints
    .filter((c): c is { iteration: number; timeMs: number } => c.iteration !== null && c.timeMs !== null)
    .map((c) => ({
      at: iso(c.timeMs),
      kind: 'checkpoint',
      iteration: c.iteration,
      text: `Checkpoint saved at iteration ${c.iteration}`,
    }));
  const room = MAX_TIMELINE_ENTRIES - events.length;
  if (room <= 0) return sortByTime(events.slice(-MAX_TIMELINE_ENTRIES));
  return sortByTime([...events, ...sortByTime(checkpoints).slice(-room)]);
}

/** By time (ISO strings of one format sort as text); stable, so a job's start stays before its end. */
function sortByTime(entries: PublicTimelineEntry[]): PublicTimelineEntry[] {
  return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}
