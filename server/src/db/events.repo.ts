// The events repository: the non-iteration events of a run (process starts, checkpoints, exits, failures) as the
// run page, the jobs table and the nodes view read them. Written only by the ingest writer.
import type Database from 'better-sqlite3';

export interface AnnotationEventRow {
  type: string;
  kind: string | null;
  iteration: number | null;
  timeMs: number | null;
  message: string | null;
  /** 1 when the event is shutdown noise after a clean exit (payload.shutdownNoise). */
  noise: number;
}

export interface EndEventRow extends AnnotationEventRow {
  /** payload.nodes as JSON text, or null. */
  nodes: string | null;
  /** Where the line is: binds it to the job whose log segment holds it (shared/src/dashboard/jobBinding.ts). */
  sourceId: number;
  offset: number;
}

/** A job start in the log: Trainboard's marker (jobId set) or a banner's run_start (jobId null). */
export interface JobStartRow {
  sourceId: number;
  offset: number;
  jobId: string | null;
}

export interface FailureRow {
  kind: string | null;
  timeMs: number | null;
  message: string | null;
  payload: string | null;
}

export interface EventsRepo {
  lastCheckpoint(runId: number): { iteration: number | null; timeMs: number | null } | undefined;
  /** The newest `limit` checkpoint saves, oldest first (the public timeline: bounded however long the run). */
  recentCheckpoints(runId: number, limit: number): { iteration: number | null; timeMs: number | null }[];
  /** Starts, checkpoints, exits and failures, in log order. */
  annotations(runId: number): AnnotationEventRow[];
  /** Failures and exits, in log order, for explaining why each job ended. */
  jobEnds(runId: number): EndEventRow[];
  /** Job start markers and banners, in log order: where each job's log segment begins. */
  jobStarts(runId: number): JobStartRow[];
  /**
   * When the run's log last gave a line of any kind (ms): the newest cursor commit of its log files (a commit is
   * made only when whole new lines were read, stored or not: saves, evaluations, INFO lines), or null.
   */
  lastLineMs(runId: number): number | null;
  failures(runId: number): FailureRow[];
}

export function createEventsRepo(sqlite: Database.Database): EventsRepo {
  const lastCheckpoint =
    sqlite.prepare(`SELECT iteration, time_ms AS timeMs FROM events WHERE run_id = ? AND type = 'checkpoint_saved'
    ORDER BY id DESC LIMIT 1`);
  const recentCheckpoints = sqlite.prepare(`SELECT iteration, time_ms AS timeMs FROM events
    WHERE run_id = ? AND type = 'checkpoint_saved' ORDER BY id DESC LIMIT ?`);
  const annotations =
    sqlite.prepare(`SELECT type, kind, iteration, time_ms AS timeMs, message, coalesce(json_extract(payload, '$.shutdownNoise'), 0) AS noise
    FROM events WHERE run_id = ? AND type IN ('run_start', 'checkpoint_saved', 'exit', 'failure') ORDER BY id`);
  const jobEnds = sqlite.prepare(`SELECT log_source_id AS sourceId, byte_offset AS offset, type, kind, message,
    iteration, time_ms AS timeMs,
    coalesce(json_extract(payload, '$.shutdownNoise'), 0) AS noise, json_extract(payload, '$.nodes') AS nodes
    FROM events WHERE run_id = ? AND type IN ('failure', 'exit') ORDER BY id`);
  const jobStarts = sqlite.prepare(`SELECT log_source_id AS sourceId, byte_offset AS offset,
    CASE WHEN type = 'job_start' THEN json_extract(payload, '$.jobId') END AS jobId
    FROM events WHERE run_id = ? AND type IN ('job_start', 'run_start') ORDER BY log_source_id, byte_offset`);
  // One row per log file of the run (log_sources_run_path index); only files something was read from.
  const lastLine = sqlite
    .prepare('SELECT max(updated_at) FROM log_sources WHERE run_id = ? AND byte_offset > 0')
    .pluck();
  const failures = sqlite.prepare(`SELECT kind, time_ms AS timeMs, message, payload FROM events
    WHERE run_id = ? AND type = 'failure' ORDER BY id`);
  return {
    lastCheckpoint: (runId) =>
      lastCheckpoint.get(runId) as { iteration: number | null; timeMs: number | null } | undefined,
    recentCheckpoints: (runId, limit) =>
      (recentCheckpoints.all(runId, limit) as { iteration: number | null; timeMs: number | null }[]).reverse(),
    annotations: (runId) => annotations.all(runId) as AnnotationEventRow[],
    jobEnds: (runId) => jobEnds.all(runId) as EndEventRow[],
    jobStarts: (runId) => jobStarts.all(runId) as JobStartRow[],
    lastLineMs: (runId) => (lastLine.get(runId) as number | null | undefined) ?? null,
    failures: (runId) => failures.all(runId) as FailureRow[],
  };
}
