// The jobs timeline: why each Slurm job of a run ended (from what its log said, else from Slurm's state), and where
// its pending and running spans sit on a common time axis. Pure: the server explains, the dashboard lays out.
import type { Job } from '../api.js';
import { mostSpecificFailure } from '../log/classify.js';

/** A failure or exit event of the run, as stored (times are the line's arrival or its own stamp; a failure's iteration is the last one logged before it). */
export interface JobEndEvent {
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

/** Lines about a job's end can be written (and read by the follower) a little after Slurm records the end. */
export const END_EVENT_GRACE_MS = 2 * 60_000;

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

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);

/** A failure kind in words ('cuda_error' → 'CUDA error'), for marks and reasons; unknown kinds as they are. */
export function failureText(kind: string | null): string | null {
  return kind === null ? null : (FAILURE_TEXT[kind] ?? kind);
}

/** A clean exit's reason in words ('duration_limit' → 'saved and exited before the time limit'). */
export function exitText(reason: string | null): string {
  return EXIT_TEXT[reason ?? ''] ?? `exit: ${reason ?? 'unknown'}`;
}

/**
 * Why a finished job ended, in words: the log's own account first (its most specific failure, then a clean exit),
 * falling back to Slurm's state and exit code. Null while the job is queued or running.
 */
export function explainJobEnd(
  job: Pick<Job, 'state' | 'exitCode' | 'submittedAt' | 'startedAt' | 'endedAt'>,
  events: readonly JobEndEvent[],
): string | null {
  if (ACTIVE.has(job.state)) return null;
  const from = job.startedAt ?? job.submittedAt;
  const to = job.endedAt === null ? Infinity : job.endedAt + END_EVENT_GRACE_MS;
  const mine = from === null ? [] : events.filter((e) => e.timeMs !== null && e.timeMs >= from && e.timeMs <= to);
  const failures = mine.filter((e) => e.type === 'failure' && !e.shutdownNoise);
  const failure = mostSpecificFailure(failures);
  if (failure) {
    const what = failureText(failure.kind) ?? failure.message ?? 'failure';
    // The node is often named only by srun's report, not by the error that names the kind.
    const nodes = [...new Set(failures.flatMap((f) => f.nodes))];
    const where = nodes.length ? ` on ${nodes.join(', ')}` : '';
    return `${what}${failure.iteration !== null ? ` after iteration ${failure.iteration}` : ''}${where}`;
  }
  const exit = mine.find((e) => e.type === 'exit');
  if (exit) return `${exitText(exit.kind)}${exit.iteration !== null ? ` at iteration ${exit.iteration}` : ''}`;
  const byState = STATE_TEXT[job.state];
  if (byState) return byState;
  return job.exitCode !== null ? `${job.state.toLowerCase()} with exit code ${job.exitCode}` : job.state.toLowerCase();
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
