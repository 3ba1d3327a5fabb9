// The incidents repository (migration 0003): the live detectors' incidents, one row per (run, key), and the reads
// that feed the detectors: a run's committed rows after a cursor, one bounded page per table, in commit (id) order.
import type Database from 'better-sqlite3';
import type { Incident, IncidentSeverity } from '@trainboard/shared/detect/incident';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';

/** What the list answers at most (IncidentsResponse). */
export const INCIDENTS_LIMIT = 200;

export interface IncidentUpsert {
  runId: number;
  incident: Incident;
  jobId: string | null;
  nowMs: number;
}

/** The committed rows of a run after these ids (one cursor per table: ids only grow, so nothing is read twice). */
export interface FeedCursor {
  iterationId: number;
  validationId: number;
  eventId: number;
}

export interface IterationFeedRow {
  id: number;
  sourceId: number;
  offset: number;
  line: number;
  timeMs: number | null;
  iteration: number;
  trainIters: number;
  consumedSamples: number | null;
  consumedTokens: number | null;
  iterationTimeMs: number | null;
  learningRate: number | null;
  globalBatchSize: number | null;
  lmLoss: number | null;
  lossScale: number | null;
  gradNorm: number | null;
  numZeros: number | null;
  skippedIterations: number | null;
  nanIterations: number | null;
  samplesPerSecond: number | null;
  tflops: number | null;
  overhead: number;
  rank: number | null;
  extra: string | null;
}

export interface ValidationFeedRow {
  id: number;
  sourceId: number;
  offset: number;
  line: number;
  timeMs: number | null;
  iteration: number | null;
  groupName: string;
  split: string | null;
  lmLoss: number | null;
  ppl: number | null;
  extra: string | null;
}

export interface EventFeedRow {
  id: number;
  sourceId: number;
  offset: number;
  line: number;
  timeMs: number | null;
  type: string;
  payload: string;
}

export interface FeedPage {
  iterations: IterationFeedRow[];
  validations: ValidationFeedRow[];
  events: EventFeedRow[];
}

export interface IncidentsRepo {
  /**
   * Inserts the incident or updates the row of its key; returns the stored incident and whether it was new.
   * `opened_at` stays the first one stored (a replay after a restart re-derives the same key).
   */
  upsert(u: IncidentUpsert): { stored: StoredIncident; created: boolean };
  /** Open first (most severe, then newest), then resolved (newest first); at most `limit`. */
  list(runId: number, limit?: number): StoredIncident[];
  openCount(runId: number): number;
  /** Every stored incident of the run, by key (a detection state's memory of what it already stored). */
  ofRun(runId: number): StoredIncident[];
  byId(id: number): StoredIncident | undefined;
  /** The run's open incidents of one kind. */
  openOfKind(runId: number, kind: string): StoredIncident[];
  /** Whether an incident of the kind opened at or after `sinceMs` (open or resolved). */
  existsOfKindSince(runId: number, kind: string, sinceMs: number): boolean;
  /** What the recovery policy did about it, in words; kept when the detector updates the incident. */
  setRecoveryNote(id: number, note: string): void;
  /** At most `limit` rows of each table after the cursor, each in id order. */
  feedPage(runId: number, after: FeedCursor, limit: number): FeedPage;
}

interface Row {
  id: number;
  runId: number;
  key: string;
  kind: string;
  severity: IncidentSeverity;
  failureKind: string | null;
  title: string;
  iteration: number | null;
  offset: number | null;
  jobId: string | null;
  openedAtMs: number;
  resolvedAtMs: number | null;
  body: string;
}

type Body = Pick<Incident, 'evidence' | 'suggestedAction' | 'workLostIterations' | 'details'> & {
  recoveryNote?: string;
};

const COLUMNS = `id, run_id AS runId, key, kind, severity, failure_kind AS failureKind, title, iteration,
  byte_offset AS offset, job_id AS jobId, opened_at AS openedAtMs, resolved_at AS resolvedAtMs, body`;

function toStored(r: Row): StoredIncident {
  const body = JSON.parse(r.body) as Body;
  return {
    id: r.id,
    runId: r.runId,
    jobId: r.jobId,
    key: r.key,
    kind: r.kind as StoredIncident['kind'],
    severity: r.severity,
    failureKind: r.failureKind,
    title: r.title,
    iteration: r.iteration,
    offset: r.offset,
    evidence: body.evidence,
    suggestedAction: body.suggestedAction,
    workLostIterations: body.workLostIterations,
    openedAtMs: r.openedAtMs,
    resolvedAtMs: r.resolvedAtMs,
    ...(body.details ? { details: body.details } : {}),
    ...(body.recoveryNote ? { recoveryNote: body.recoveryNote } : {}),
  };
}

// Open rows first; among them critical before warning before info; then the newest.
const ORDER = `ORDER BY resolved_at IS NOT NULL,
  CASE WHEN resolved_at IS NULL THEN CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END ELSE 0 END,
  coalesce(resolved_at, opened_at) DESC, id DESC`;

function prepareFeed(sqlite: Database.Database) {
  // `+run_id` keeps SQLite on the rowid range (id > ?) instead of the run's index: a live run's rows are the tail.
  const iterations = sqlite.prepare(`SELECT id, log_source_id AS sourceId, byte_offset AS offset, line,
    time_ms AS timeMs, iteration, train_iters AS trainIters, consumed_samples AS consumedSamples,
    consumed_tokens AS consumedTokens, iteration_time_ms AS iterationTimeMs, learning_rate AS learningRate,
    global_batch_size AS globalBatchSize, lm_loss AS lmLoss, loss_scale AS lossScale, grad_norm AS gradNorm,
    num_zeros AS numZeros, skipped_iterations AS skippedIterations, nan_iterations AS nanIterations,
    samples_per_second AS samplesPerSecond, tflops, overhead, rank, extra
    FROM iterations WHERE +run_id = ? AND id > ? ORDER BY id LIMIT ?`);
  const validations = sqlite.prepare(`SELECT id, log_source_id AS sourceId, byte_offset AS offset, line,
    time_ms AS timeMs, iteration, group_name AS groupName, split, lm_loss AS lmLoss, ppl, extra
    FROM validations WHERE +run_id = ? AND id > ? ORDER BY id LIMIT ?`);
  const events = sqlite.prepare(`SELECT id, log_source_id AS sourceId, byte_offset AS offset, line,
    time_ms AS timeMs, type, payload FROM events WHERE +run_id = ? AND id > ? ORDER BY id LIMIT ?`);
  return (runId: number, after: FeedCursor, limit: number): FeedPage => ({
    iterations: iterations.all(runId, after.iterationId, limit) as IterationFeedRow[],
    validations: validations.all(runId, after.validationId, limit) as ValidationFeedRow[],
    events: events.all(runId, after.eventId, limit) as EventFeedRow[],
  });
}

export function createIncidentsRepo(sqlite: Database.Database): IncidentsRepo {
  const upsert = sqlite.prepare<Record<string, unknown>, Row>(`INSERT INTO incidents
    (run_id, key, kind, severity, failure_kind, title, iteration, byte_offset, job_id, opened_at, resolved_at, body,
     updated_at)
    VALUES (@runId, @key, @kind, @severity, @failureKind, @title, @iteration, @offset, @jobId, @openedAtMs,
     @resolvedAtMs, @body, @nowMs)
    ON CONFLICT (run_id, key) DO UPDATE SET kind = excluded.kind, severity = excluded.severity,
      failure_kind = excluded.failure_kind, title = excluded.title, iteration = excluded.iteration,
      byte_offset = excluded.byte_offset, job_id = coalesce(incidents.job_id, excluded.job_id),
      resolved_at = excluded.resolved_at, updated_at = excluded.updated_at,
      body = CASE WHEN json_extract(incidents.body, '$.recoveryNote') IS NULL THEN excluded.body
        ELSE json_set(excluded.body, '$.recoveryNote', json_extract(incidents.body, '$.recoveryNote')) END
    RETURNING ${COLUMNS}`);
  const exists = sqlite.prepare<[number, string], { id: number }>(
    'SELECT id FROM incidents WHERE run_id = ? AND key = ?',
  );
  const list = sqlite.prepare<[number, number], Row>(
    `SELECT ${COLUMNS} FROM incidents WHERE run_id = ? ${ORDER} LIMIT ?`,
  );
  const openCount = sqlite
    .prepare<[number], number>('SELECT count(*) FROM incidents WHERE run_id = ? AND resolved_at IS NULL')
    .pluck();
  const ofRun = sqlite.prepare<[number], Row>(`SELECT ${COLUMNS} FROM incidents WHERE run_id = ? ORDER BY id`);
  const byId = sqlite.prepare<[number], Row>(`SELECT ${COLUMNS} FROM incidents WHERE id = ?`);
  const openOfKind = sqlite.prepare<[number, string], Row>(
    `SELECT ${COLUMNS} FROM incidents WHERE run_id = ? AND kind = ? AND resolved_at IS NULL ORDER BY id`,
  );
  const ofKindSince = sqlite
    .prepare<[number, string, number], number>(
      'SELECT EXISTS (SELECT 1 FROM incidents WHERE run_id = ? AND kind = ? AND opened_at >= ?)',
    )
    .pluck();
  const setNote = sqlite.prepare(`UPDATE incidents SET body = json_set(body, '$.recoveryNote', ?) WHERE id = ?`);
  return {
    upsert({ runId, incident: i, jobId, nowMs }) {
      const body: Body = {
        evidence: i.evidence,
        suggestedAction: i.suggestedAction,
        workLostIterations: i.workLostIterations,
        ...(i.details ? { details: i.details } : {}),
      };
      const created = exists.get(runId, i.key) === undefined;
      const row = upsert.get({
        runId,
        key: i.key,
        kind: i.kind,
        severity: i.severity,
        failureKind: i.failureKind ?? null,
        title: i.title,
        iteration: i.iteration,
        offset: i.offset,
        jobId,
        openedAtMs: Math.round(i.openedAtMs),
        resolvedAtMs: i.resolvedAtMs === null ? null : Math.round(i.resolvedAtMs),
        body: JSON.stringify(body),
        nowMs,
      }) as Row;
      return { stored: toStored(row), created };
    },
    list: (runId, limit = INCIDENTS_LIMIT) => list.all(runId, Math.min(limit, INCIDENTS_LIMIT)).map(toStored),
    openCount: (runId) => openCount.get(runId) ?? 0,
    ofRun: (runId) => ofRun.all(runId).map(toStored),
    byId: (id) => {
      const r = byId.get(id);
      return r ? toStored(r) : undefined;
    },
    openOfKind: (runId, kind) => openOfKind.all(runId, kind).map(toStored),
    existsOfKindSince: (runId, kind, sinceMs) => ofKindSince.get(runId, kind, Math.round(sinceMs)) === 1,
    setRecoveryNote: (id, note) => void setNote.run(note.slice(0, 500), id),
    feedPage: prepareFeed(sqlite),
  };
}
