// The run's health in one word and a few sentences, from what is already known: job states, each job's end bound to
// its own log segment, silence against the run's own iteration time, and (in the browser) the server connection.
// Pure: the server computes it for the run list and the overview, the browser recomputes it with its connection and
// clock from the same inputs, so the header, the banner, the runs list, the title and the favicon never disagree.
import type { JobEnd } from '../api.js';

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
  /** The run's own typical iteration time (median of recent non-overhead iterations), ms. */
  medianIterationMs: number | null;
  lastCheckpointIteration: number | null;
  /** The browser's view of the server: null on the server. `sinceMs` = when it was lost (ms, browser clock mapped). */
  connection: { connected: boolean; sinceMs: number | null } | null;
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

export const MIN_FRESHNESS_MS = 15_000;
export const MAX_FRESHNESS_MS = 30 * 60_000;

/** The run's freshness window: six typical iterations, at least 15 s, at most 30 min. */
export function freshnessWindowMs(medianIterationMs: number | null): number {
  if (medianIterationMs === null || !Number.isFinite(medianIterationMs) || medianIterationMs <= 0)
    return MIN_FRESHNESS_MS;
  return Math.min(MAX_FRESHNESS_MS, Math.max(MIN_FRESHNESS_MS, 6 * medianIterationMs));
}

/** The run's health from its inputs (implementation follows; this placeholder says "unknown"). */
export function runHealth(inputs: HealthInputs): RunHealth {
  return {
    state: 'unknown',
    severity: 'info',
    headline: 'Health unknown',
    lines: [],
    node: null,
    lastIteration: inputs.latestIteration?.iteration ?? null,
    lostIterations: null,
    didWhat: null,
    next: null,
    freshnessMs: freshnessWindowMs(inputs.medianIterationMs),
    sinceMs: null,
  };
}
