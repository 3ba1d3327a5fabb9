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
}

export interface FailureRow {
  kind: string | null;
  timeMs: number | null;
  message: string | null;
  payload: string | null;
}

export interface EventsRepo {
  lastCheckpoint(runId: number): { iteration: number | null; timeMs: number | null } | undefined;
  /** Starts, checkpoints, exits and failures, in log order. */
  annotations(runId: number): AnnotationEventRow[];
  /** Failures and exits, in log order, for explaining why each job ended. */
  jobEnds(runId: number): EndEventRow[];
  failures(runId: number): FailureRow[];
}

export function createEventsRepo(sqlite: Database.Database): EventsRepo {
  const lastCheckpoint =
    sqlite.prepare(`SELECT iteration, time_ms AS timeMs FROM events WHERE run_id = ? AND type = 'checkpoint_saved'
    ORDER BY id DESC LIMIT 1`);
  const annotations =
    sqlite.prepare(`SELECT type, kind, iteration, time_ms AS timeMs, message, coalesce(json_extract(payload, '$.shutdownNoise'), 0) AS noise
    FROM events WHERE run_id = ? AND type IN ('run_start', 'checkpoint_saved', 'exit', 'failure') ORDER BY id`);
  const jobEnds = sqlite.prepare(`SELECT type, kind, message, iteration, time_ms AS timeMs,
    coalesce(json_extract(payload, '$.shutdownNoise'), 0) AS noise, json_extract(payload, '$.nodes') AS nodes
    FROM events WHERE run_id = ? AND type IN ('failure', 'exit') ORDER BY id`);
  const failures = sqlite.prepare(`SELECT kind, time_ms AS timeMs, message, payload FROM events
    WHERE run_id = ? AND type = 'failure' ORDER BY id`);
  return {
    lastCheckpoint: (runId) =>
      lastCheckpoint.get(runId) as { iteration: number | null; timeMs: number | null } | undefined,
    annotations: (runId) => annotations.all(runId) as AnnotationEventRow[],
    jobEnds: (runId) => jobEnds.all(runId) as EndEventRow[],
    failures: (runId) => failures.all(runId) as FailureRow[],
  };
}
