// Shapes of the server's REST responses, written once for the server that sends them and the dashboard that reads
// them. (The socket.io contract is realtime.ts.)
import type { LogSearchMatch, LongLine } from './log/search.js';
import type { WireNumber } from './metrics/fields.js';
import type { HealthInputs, RunHealth } from './dashboard/runHealth.js';

export type { HealthInputs, HealthSeverity, HealthState, JobHealthView, RunHealth } from './dashboard/runHealth.js';

export type { GpuMetricsState, GpuSample, NodeDisruption, NodeSuspicion, NodeTile, RunNodes } from './nodes/types.js';

export interface RunSummary {
  id: number;
  name: string;
  state: string;
  segmentCount: number;
  iteration: number | null;
  trainIters: number | null;
  lmLoss: number | null;
  tflops: number | null;
  lastUpdateMs: number | null;
  /** The run's health as the server sees it (no connection state). */
  health: RunHealth;
}

/** How a job ended, bound to the job's own log segment (or Slurm's account when its log said nothing). */
export interface JobEnd {
  /** Failure kind (cuda_error, …), exit reason (train_done, …) or null for Slurm's state alone. */
  kind: string | null;
  /** THE one name of the end, used by header, jobs table, chart marks and nodes tab alike (`failureText`). */
  text: string;
  node: string | null;
  iteration: number | null;
  /** The job broke (a failure in its log, or Slurm's FAILED/NODE_FAIL/TIMEOUT/OUT_OF_MEMORY…), as opposed to a clean
   *  exit, a completion or a cancellation. */
  failed: boolean;
  source: 'log' | 'slurm';
  /** When the log line arrived (or its own stamp), ms; null for Slurm's account. */
  timeMs?: number | null;
}

export interface Job {
  jobId: string;
  state: string;
  nodeList: string | null;
  exitCode: number | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Why it ended, in words (= end?.text; kept for compatibility); null while queued or running. */
  exitReason: string | null;
  /** How it ended, bound to its own log segment; null while queued, or running with no failure in its log yet (a
   *  RUNNING job whose log already shows its crash has it: srun may hold the job for a while). Always sent by the
   *  server (optional only so older literals of a Job still type-check). */
  end?: JobEnd | null;
}

export interface Overview {
  run: { id: number; name: string; state: string; segmentCount: number };
  latest: {
    iteration: number;
    trainIters: number;
    timeMs: number | null;
    lmLoss: number | null;
    tflops: number | null;
    consumedSamples: number | null;
    consumedTokens: number | null;
  } | null;
  recentIterationMs: number | null;
  targetTokens: number | null;
  lastCheckpoint: { iteration: number | null; timeMs: number | null } | null;
  /** The RUNNING job if any, else the newest. */
  currentJob: Job | null;
  nowMs: number;
  /** The server's view of the run's health (connection null). */
  health: RunHealth;
  /** The model's inputs, so the browser recomputes with its connection and clock. */
  healthInputs: HealthInputs;
}

export interface SeriesResponse {
  runId: number;
  seq: number;
  series: Record<string, { points: [number, WireNumber][]; sampled: boolean; count: number }>;
}

export interface Annotation {
  kind: 'start' | 'restart' | 'checkpoint' | 'end' | 'failure' | 'eval';
  iteration: number | null;
  timeMs: number | null;
  label: string;
}

/** GET /api/runs/:id/log: whole lines of one byte window of the run's log (the tail, or around a line). */
export interface LogWindow {
  sourceId: number;
  path: string;
  size: number;
  /** Byte offset of the first returned line and just past the last one (whole lines only). */
  start: number;
  end: number;
  lines: string[];
  /** Line to scroll to (an iteration jump, a search match), as an index into `lines`. */
  focus: number | null;
}

export type { LogSearchMatch, LongLine };

/** GET /api/runs/:id/log/search: one bounded step of a whole-log search, read backward from `before`. */
export interface LogSearchResult {
  sourceId: number;
  /** Newest first. */
  matches: LogSearchMatch[];
  /**
   * Every line from here to `before` was searched (or skipped as too long, see longLines); 0 = the search reached
   * the start of the file. A line start, or a point inside a too-long line when `insideLongLine`.
   */
  scannedFrom: number;
  /** Where this request started (before, or the file's size). */
  scannedTo: number;
  size: number;
  /** Why the scan stopped before the start of the file, if it did. */
  stoppedEarly: 'limit' | 'bytes' | 'time' | null;
  /**
   * What was not searched, newest first: lines too long to search (longer than the carry limit and not within one
   * chunk), skipped whole; when `insideLongLine`, the last entry is the part of such a line skipped by this request
   * (its offset is scannedFrom, not the line start).
   */
  longLines: LongLine[];
  /** The scan stopped inside a too-long line; continuing from scannedFrom skips the rest of it. */
  insideLongLine: boolean;
}
