// The jobs timeline: why each Slurm job of a run ended (from what its own log segment said, else from Slurm's
// state), and where its pending and running spans sit on a common time axis. Pure: the server explains, the
// dashboard lays out.
import type { Job, JobEnd } from '../api.js';
import { mostSpecificFailure } from '../log/classify.js';
import { eventsByJob, type BindableJob, type JobStartPoint, type LogPosition } from './jobBinding.js';

/** A failure or exit event of the run, as stored, with where it is in the log (a failure's iteration is the last one logged before it). */
export interface JobEndEvent extends LogPosition {
  type: 'failure' | 'exit';
  /** Failure kind (cuda_error, …) or exit reason (duration_limit, …). */
  kind: string | null;
  message: string | null;
  iteration: number | null;
  timeMs: number | null;
  /** A failure printed after a clean exit line: shutdown noise, not the reason. */
  shutdownNoise: boolean;
  nodes: string[];
}

const FAILURE_TEXT: Record<string, string> = {
  cuda_error: 'CUDA error',
  ecc_error: 'GPU ECC error',
  out_of_memory: 'out of memory',
  nccl_timeout: 'NCCL timeout',
  nccl_error: 'NCCL error',
  node_failure: 'node failure',
  time_limit: 'wall-clock limit (killed by Slurm)',
  cancelled: 'cancelled',
  preempted: 'preempted',
  requeued: 'requeued',
  bus_error: 'bus error',
  segfault: 'segmentation fault',
  python_exception: 'Python exception',
  cpp_abort: 'C++ abort',
  task_exit: 'a task exited',
};
const EXIT_TEXT: Record<string, string> = {
  duration_limit: 'saved and exited before the time limit',
  kill_switch: 'kill switch: saved and exited',
  train_done: 'training finished',
  exit_interval: 'exit interval reached',
  sigterm: 'SIGTERM: saved and exited',
};
const STATE_TEXT: Record<string, string> = {
  COMPLETED: 'completed',
  TIMEOUT: 'wall-clock limit (killed by Slurm)',
  NODE_FAIL: 'node failure',
  CANCELLED: 'cancelled',
  OUT_OF_MEMORY: 'out of memory',
  PREEMPTED: 'preempted',
  BOOT_FAIL: 'node boot failure',
  DEADLINE: 'deadline reached',
};
/** Slurm end states that lose the work since the last save (a person's cancel or a completion does not count). */
const FAILED_STATES = new Set([
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
]);

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);
/** Not started: nothing of theirs can be in the log. */
const QUEUED = new Set(['SUBMITTING', 'PENDING', 'CONFIGURING', 'REQUEUED', 'SUSPENDED']);

/** A failure kind in words ('cuda_error' → 'CUDA error'): THE name of a failure, for marks, reasons and nodes. */
export function failureText(kind: string | null): string | null {
  return kind === null ? null : (FAILURE_TEXT[kind] ?? kind.replaceAll('_', ' '));
}

/** A clean exit's reason in words ('duration_limit' → 'saved and exited before the time limit'). */
export function exitText(reason: string | null): string {
  return EXIT_TEXT[reason ?? ''] ?? `exit: ${reason ?? 'unknown'}`;
}

/**
 * How a job ended, from the events of its own log segment: its most specific failure first, then a clean exit,
 * falling back to Slurm's state and exit code. Null while queued; while running, only a failure its log already
 * shows (the crash is known before srun's wait lets Slurm end the job).
 */
export function explainJobEnd(job: Pick<Job, 'state' | 'exitCode'>, mine: readonly JobEndEvent[]): JobEnd | null {
  if (QUEUED.has(job.state)) return null;
  const running = ACTIVE.has(job.state);
  const failures = mine.filter((e) => e.type === 'failure' && !e.shutdownNoise);
  const failure = mostSpecificFailure(failures);
  if (failure) {
    // The node is often named only by srun's report, not by the error that names the kind.
    const nodes = [...new Set(failures.flatMap((f) => f.nodes))];
    return {
      kind: failure.kind,
      text: failureText(failure.kind) ?? failure.message ?? 'failure',
      node: nodes.length ? nodes.join(', ') : null,
      iteration: failure.iteration,
      failed: true,
      source: 'log',
      timeMs: failure.timeMs,
    };
  }
  // A running job's crash is known from its log before Slurm ends it; anything else waits for the end.
  if (running) return null;
  const exit = mine.findLast((e) => e.type === 'exit');
  if (exit)
    return {
      kind: exit.kind,
      text: exitText(exit.kind),
      node: null,
      iteration: exit.iteration,
      failed: false,
      source: 'log',
    };
  const text =
    STATE_TEXT[job.state] ??
    (job.exitCode !== null ? `${job.state.toLowerCase()} with exit code ${job.exitCode}` : job.state.toLowerCase());
  const failed =
    FAILED_STATES.has(job.state) ||
    (job.state !== 'COMPLETED' && job.state !== 'CANCELLED' && (job.exitCode ?? 0) !== 0);
  return { kind: null, text, node: null, iteration: null, failed, source: 'slurm' };
}

/** The end in one sentence for tables: "CUDA error after iteration 119 on c3", "completed". */
export function describeJobEnd(end: JobEnd | null | undefined): string | null {
  if (!end) return null;
  const iteration = end.iteration === null ? '' : ` ${end.failed ? 'after' : 'at'} iteration ${end.iteration}`;
  return `${end.text}${iteration}${end.node ? ` on ${end.node}` : ''}`;
}

/** Every job's end, each from the events of its own log segment (jobBinding.ts). */
export function explainJobEnds<J extends BindableJob & Pick<Job, 'state' | 'exitCode'>>(
  jobs: readonly J[],
  starts: readonly JobStartPoint[],
  events: readonly JobEndEvent[],
): Map<string, JobEnd | null> {
  const mine = eventsByJob(jobs, starts, events);
  return new Map(jobs.map((j) => [j.jobId, explainJobEnd(j, mine.get(j.jobId) ?? [])]));
}

export interface TimelineBar {
  jobId: string;
  state: string;
  /** Fractions of the axis (0–1): queued from submit to start, running from start to end (or now). */
  queued: [number, number] | null;
  running: [number, number] | null;
}

export interface Timeline {
  startMs: number;
  endMs: number;
  bars: TimelineBar[];
}

/** Lays every job on one axis from the first submission to the last end (or now, while one is active). */
export function layoutJobTimeline(jobs: readonly Job[], nowMs: number): Timeline | null {
  const open = (j: Job) => j.endedAt ?? (ACTIVE.has(j.state) ? nowMs : (j.startedAt ?? j.submittedAt));
  const starts = jobs.map((j) => j.submittedAt ?? j.startedAt).filter((t): t is number => t !== null);
  const ends = jobs.map(open).filter((t): t is number => t !== null);
  if (starts.length === 0 || ends.length === 0) return null;
  const startMs = Math.min(...starts);
  const endMs = Math.max(startMs + 1, ...ends);
  const at = (t: number) => (t - startMs) / (endMs - startMs);
  const bars = jobs.map((j): TimelineBar => {
    const submitted = j.submittedAt ?? j.startedAt;
    const end = open(j);
    const queued: [number, number] | null =
      submitted === null ? null : [at(submitted), at(j.startedAt ?? end ?? submitted)];
    const running: [number, number] | null = j.startedAt === null ? null : [at(j.startedAt), at(end ?? j.startedAt)];
    return { jobId: j.jobId, state: j.state, queued, running };
  });
  return { startMs, endMs, bars };
}
