// The one ingest path, shared by `trainboard import` and (later) live following: parser events plus the
// parser's new resume point are committed in ONE SQLite transaction, so the cursor never runs ahead of or
// behind the rows. Re-parsing from a stored resume point may emit events again; every row is unique on
// (log_source_id, byte_offset) and inserted with ON CONFLICT DO NOTHING, so repeats are ignored and all
// derived state (segments, supersession, time estimation) advances only for rows actually inserted.
//
// Hot path: raw prepared better-sqlite3 statements, not drizzle's query builder. drizzle builds the SQL text and
// prepares a statement for every insert: 200k iteration rows took 17 s of CPU through `db.insert().values().run()`
// against 1.2 s through one prepared statement (measured here). The schema and migrations still come from
// drizzle, and every query off the hot path goes through it.
import type Database from 'better-sqlite3';
import {
  ITERATION_NUMBER_FIELDS,
  type IterationEvent,
  type LogEvent,
  type ParserContext,
  type ResumePoint,
  type RunStartEvent,
  type ValidationEvent,
} from '@trainboard/shared/log/events';
import {
  clockNow,
  clockOnCheckpointLoaded,
  clockOnIteration,
  clockOnRunStart,
  clockOnTimestamp,
  clockRestore,
  clockSave,
  initialClock,
  walkBackwards,
  type ClockState,
  type StampedTime,
  type UnanchoredRow,
} from './timeEstimator.js';

export interface IngestTarget {
  runId: number;
  logSourceId: number;
}

export interface IngestOptions {
  /**
   * `estimate`: historical import, times rebuilt from timestamped lines (flagged estimated).
   * `arrival`: live following, rows stamped with `now()` when their bytes arrived.
   */
  timeSource: 'estimate' | 'arrival';
  now?: () => number;
}

/** The parser's resume point, stored as the cursor. */
export type Cursor = ResumePoint;

export interface CommitCounts {
  iterations: number;
  validations: number;
  events: number;
  /** Events already stored (re-parsed after a resume) and skipped. */
  duplicates: number;
}

export interface IngestWriter {
  /** Stores `events` and moves the cursor to `cursor` (the parser's resumePoint) in one transaction. */
  commit(events: readonly LogEvent[], cursor: Cursor, fileSize?: number): CommitCounts;
}

/** What `log_sources.ingest_state` holds, committed with the cursor. */
export interface PersistedState {
  /** The parser context of the resume point: a resumed parser's flags come out as in one pass. */
  parserContext: ParserContext | null;
  clock: ClockState;
  /** Last iteration inserted: end-of-training validations (iteration null) attach to it. */
  lastIteration: number | null;
}

/** Another writer committed to the same log source since this writer was opened; this commit was rolled back. */
export class ConcurrentIngestError extends Error {
  constructor(readonly logSourceId: number) {
    super(`log source ${logSourceId} was advanced by another writer (a second import or a follower of the same file)`);
    this.name = 'ConcurrentIngestError';
  }
}

interface WriterState extends PersistedState {
  /** The cursor as this writer last saw it committed. */
  committed: { offset: number; line: number };
  segment: number;
  /** Highest current iteration of the run: an iteration at or below it is a re-run after a restart. */
  maxCurrentIteration: number | null;
}

const ITERATION_COLUMNS = [
  'run_id',
  'log_source_id',
  'byte_offset',
  'line',
  'segment',
  'is_current',
  'iteration',
  'train_iters',
  'time_ms',
  'time_estimated',
  'consumed_samples',
  'consumed_tokens',
  'iteration_time_ms',
  'learning_rate',
  'global_batch_size',
  'lm_loss',
  'loss_scale',
  'grad_norm',
  'num_zeros',
  'skipped_iterations',
  'nan_iterations',
  'samples_per_second',
  'tflops',
  'overhead',
  'rank',
  'extra',
] as const;

/** Row positions of the nullable numeric fields (consumed_samples … tflops) and their event field names. */
const FIRST_NUMERIC_COLUMN = ITERATION_COLUMNS.indexOf('consumed_samples');
const LAST_NUMERIC_COLUMN = ITERATION_COLUMNS.indexOf('tflops');
const NUMERIC_FIELD_NAMES = ITERATION_NUMBER_FIELDS;

export const insertIterationSql = `INSERT INTO iterations (${ITERATION_COLUMNS.join(', ')})
  VALUES (${ITERATION_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`;

/** JSON with non-finite numbers spelled as strings, as in the parser's JSON output. */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity') : v,
  );
}

/**
 * Row values for an iteration, in ITERATION_COLUMNS order. SQLite turns NaN into NULL, so a NaN field is kept in
 * `extra` under its field name as the string "NaN" (±Infinity is stored as is).
 * The positions follow ITERATION_COLUMNS (checked by a test); NUMERIC_FIELD_NAMES follows consumed_samples..tflops.
 */
export function iterationRow(
  ev: IterationEvent,
  target: IngestTarget,
  segment: number,
  time: StampedTime,
  row: (number | string | null)[] = new Array<number | string | null>(ITERATION_COLUMNS.length),
): (number | string | null)[] {
  // Hot path (one call per iteration line): no closures; the writer passes the same `row` every time
  // (better-sqlite3 copies bound values), which spares the GC ~200 bytes per line.
  row[0] = target.runId;
  row[1] = target.logSourceId;
  row[2] = ev.offset;
  row[3] = ev.line;
  row[4] = segment;
  row[5] = 1;
  row[6] = ev.iteration;
  row[7] = ev.trainIters;
  row[8] = time.timeMs;
  row[9] = time.estimated ? 1 : 0;
  row[10] = ev.consumedSamples;
  row[11] = ev.consumedTokens;
  row[12] = ev.iterationTimeMs;
  row[13] = ev.learningRate;
  row[14] = ev.globalBatchSize;
  row[15] = ev.lmLoss;
  row[16] = ev.lossScale;
  row[17] = ev.gradNorm;
  row[18] = ev.numZeros;
  row[19] = ev.skippedIterations;
  row[20] = ev.nanIterations;
  row[21] = ev.samplesPerSecond;
  row[22] = ev.tflops;
  row[23] = ev.overhead ? 1 : 0;
  row[24] = ev.rank;
  row[25] = null;
  let extra: Record<string, number | string> | null = null;
  for (const key in ev.extra) {
    extra ??= {};
    extra[key] = ev.extra[key] as number;
  }
  for (let i = FIRST_NUMERIC_COLUMN; i <= LAST_NUMERIC_COLUMN; i++) {
    const v = row[i];
    if (typeof v === 'number' && Number.isNaN(v)) {
      extra ??= {};
      extra[NUMERIC_FIELD_NAMES[i - FIRST_NUMERIC_COLUMN] as string] = 'NaN';
      row[i] = null;
    }
  }
  if (extra !== null) row[25] = toJsonText(extra);
  return row;
}

/** The prepared statements of one writer. The hot-path SQL lives here, beside the code that runs it. */
function prepareStatements(sqlite: Database.Database) {
  return {
    insertIteration: sqlite.prepare(insertIterationSql),
    supersedeIterations: sqlite.prepare(
      'UPDATE iterations SET is_current = 0 WHERE run_id = ? AND is_current = 1 AND iteration >= ? AND id <> ?',
    ),
    supersedeValidationsFrom: sqlite.prepare(
      'UPDATE validations SET is_current = 0 WHERE run_id = ? AND is_current = 1 AND iteration >= ?',
    ),
    insertValidation: sqlite.prepare(`INSERT INTO validations (run_id, log_source_id, byte_offset, line, segment,
      is_current, iteration, end_of_training, group_name, split, time_ms, time_estimated, lm_loss, ppl, extra)
      VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    supersedeValidationGroup: sqlite.prepare(`UPDATE validations SET is_current = 0 WHERE run_id = ? AND is_current = 1
      AND group_name = ? AND iteration >= ? AND split IS ? AND id <> ?`),
    insertEvent: sqlite.prepare(`INSERT INTO events (run_id, log_source_id, byte_offset, line, segment, type, kind,
      iteration, time_ms, time_estimated, message, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`),
    setRunSegment: sqlite.prepare('UPDATE runs SET segment_count = ?, config = ? WHERE id = ?'),
    unanchored:
      sqlite.prepare(`SELECT id, byte_offset AS offset, iteration, iteration_time_ms AS iterationTimeMs FROM iterations
      WHERE log_source_id = ? AND byte_offset >= ? AND byte_offset < ? AND time_ms IS NULL ORDER BY byte_offset DESC`),
    setTime: sqlite.prepare('UPDATE iterations SET time_ms = ?, time_estimated = 1 WHERE id = ?'),
    untimedValidations: sqlite.prepare(`SELECT id, byte_offset AS offset FROM validations
      WHERE log_source_id = ? AND byte_offset >= ? AND byte_offset < ? AND time_ms IS NULL ORDER BY byte_offset`),
    setValidationTime: sqlite.prepare('UPDATE validations SET time_ms = ?, time_estimated = 1 WHERE id = ?'),
    untimedEvents: sqlite.prepare(`SELECT id, byte_offset AS offset FROM events
      WHERE log_source_id = ? AND byte_offset >= ? AND byte_offset < ? AND time_ms IS NULL ORDER BY byte_offset`),
    setEventTime: sqlite.prepare('UPDATE events SET time_ms = ?, time_estimated = 1 WHERE id = ?'),
    // Compare-and-set on the cursor: a second writer on the same source (an import while the server follows the
    // file) would have moved it, and its rows must not be interleaved with ours.
    updateCursor:
      sqlite.prepare(`UPDATE log_sources SET byte_offset = ?, line = ?, size = max(size, ?), ingest_state = ?,
      updated_at = ? WHERE id = ? AND byte_offset = ? AND line = ?`),
  };
}

/** Everything one writer's row functions share: the statements, the target and the state they advance. */
interface Writer {
  stmt: ReturnType<typeof prepareStatements>;
  target: IngestTarget;
  state: WriterState;
  /** Historical import (times rebuilt from the log) rather than live arrival times. */
  estimate: boolean;
  now: () => number;
  /** Reused for every iteration row and every clock mark: nothing allocated per row on the hot path. */
  rowBuffer: (number | string | null)[];
  clockMark: ClockState;
}

/** Opens a writer for one log source; its state (segment, clock) continues from what is committed. */
export function createIngestWriter(
  sqlite: Database.Database,
  target: IngestTarget,
  options: IngestOptions,
): IngestWriter {
  const w: Writer = {
    stmt: prepareStatements(sqlite),
    target,
    state: loadState(sqlite, target),
    estimate: options.timeSource === 'estimate',
    now: options.now ?? Date.now,
    rowBuffer: new Array<number | string | null>(ITERATION_COLUMNS.length),
    clockMark: initialClock(),
  };
  const commitTx = sqlite.transaction((events: readonly LogEvent[], cursor: Cursor, fileSize: number) =>
    commitBatch(w, events, cursor, fileSize),
  );
  return {
    commit(events, cursor, fileSize = 0) {
      const before = structuredClone(w.state);
      try {
        return commitTx(events, cursor, fileSize);
      } catch (err) {
        Object.assign(w.state, before); // the transaction rolled back: so does the in-memory state
        throw err;
      }
    },
  };
}

/** The body of one commit's transaction: every event, then the cursor (compare-and-set) with the state. */
function commitBatch(w: Writer, events: readonly LogEvent[], cursor: Cursor, fileSize: number): CommitCounts {
  const { state, stmt, target } = w;
  const counts: CommitCounts = { iterations: 0, validations: 0, events: 0, duplicates: 0 };
  for (const ev of events) {
    if (ev.type === 'iteration') insertIteration(w, ev, counts);
    else if (ev.type === 'validation') insertValidation(w, ev, counts);
    else insertEvent(w, ev, counts);
  }
  state.parserContext = cursor.context;
  const persisted: PersistedState = {
    parserContext: cursor.context,
    clock: state.clock,
    lastIteration: state.lastIteration,
  };
  const moved = stmt.updateCursor.run(
    cursor.offset,
    cursor.line,
    fileSize,
    JSON.stringify(persisted),
    w.now(),
    target.logSourceId,
    state.committed.offset,
    state.committed.line,
  );
  if (moved.changes !== 1) throw new ConcurrentIngestError(target.logSourceId);
  state.committed = { offset: cursor.offset, line: cursor.line };
  return counts;
}

/** Time of a row other than an iteration at `offset`; in estimate mode it may wait for a later anchor. */
function stampOther(w: Writer, ownTimestamp: number | null, offset: number): StampedTime {
  if (ownTimestamp !== null) return { timeMs: ownTimestamp, estimated: false };
  if (!w.estimate) return { timeMs: w.now(), estimated: false };
  const t = clockNow(w.state.clock);
  if (t.timeMs === null) w.state.clock.unanchoredFrom ??= offset;
  return t;
}

function insertIteration(w: Writer, ev: IterationEvent, counts: CommitCounts): void {
  const { state, stmt, target } = w;
  const clock = state.clock;
  clockSave(clock, w.clockMark);
  const time = w.estimate
    ? clockOnIteration(clock, ev.iteration, ev.iterationTimeMs, ev.timestamp, ev.offset)
    : { timeMs: ev.timestamp ?? w.now(), estimated: false };
  const result = stmt.insertIteration.run(iterationRow(ev, target, state.segment, time, w.rowBuffer));
  if (result.changes === 0) {
    clockRestore(clock, w.clockMark); // already stored: the walk must not advance twice for one row
    counts.duplicates++;
    return;
  }
  counts.iterations++;
  // A re-run after a restart from a checkpoint: everything the earlier timeline logged from this iteration on
  // stops being current (kept, queryable). Only runs when iterations go backwards, so it is rare.
  if (state.maxCurrentIteration !== null && ev.iteration <= state.maxCurrentIteration) {
    stmt.supersedeIterations.run(target.runId, ev.iteration, result.lastInsertRowid);
    stmt.supersedeValidationsFrom.run(target.runId, ev.iteration);
  }
  state.maxCurrentIteration = ev.iteration;
  state.lastIteration = ev.iteration;
}

function insertValidation(w: Writer, ev: ValidationEvent, counts: CommitCounts): void {
  const { state, stmt, target } = w;
  const iteration = ev.iteration ?? ev.afterIteration ?? state.lastIteration;
  const extra = Object.keys(ev.extra).length > 0 ? toJsonText(ev.extra) : null;
  clockSave(state.clock, w.clockMark);
  const time = stampOther(w, null, ev.offset);
  const result = stmt.insertValidation.run(
    target.runId,
    target.logSourceId,
    ev.offset,
    ev.line,
    state.segment,
    iteration,
    ev.iteration === null ? 1 : 0,
    ev.group,
    ev.split,
    time.timeMs,
    time.estimated ? 1 : 0,
    nanToNull(ev.lmLoss),
    nanToNull(ev.ppl),
    extra,
  );
  if (result.changes === 0) {
    clockRestore(state.clock, w.clockMark);
    counts.duplicates++;
    return;
  }
  counts.validations++;
  if (iteration !== null) {
    stmt.supersedeValidationGroup.run(target.runId, ev.group, iteration, ev.split, result.lastInsertRowid);
  }
}

type OtherEvent = Exclude<LogEvent, IterationEvent | ValidationEvent>;

function insertEvent(w: Writer, ev: OtherEvent, counts: CommitCounts): void {
  const { state, stmt, target } = w;
  const isStart = ev.type === 'run_start';
  const segment = isStart ? state.segment + 1 : state.segment;
  const own = ownTimestamp(ev);
  clockSave(state.clock, w.clockMark);
  // A banner starts a new process: the previous process's clock does not date it (see startSegment).
  const time = isStart && w.estimate ? { timeMs: null, estimated: false } : stampOther(w, own, ev.offset);
  const { kind, iteration, message } = typedColumns(ev);
  const { type: _t, offset: _o, line: _l, ...payload } = ev;
  const result = stmt.insertEvent.run(
    target.runId,
    target.logSourceId,
    ev.offset,
    ev.line,
    segment,
    ev.type,
    kind,
    iteration,
    time.timeMs,
    time.estimated ? 1 : 0,
    message,
    toJsonText(payload),
  );
  if (result.changes === 0) {
    clockRestore(state.clock, w.clockMark);
    counts.duplicates++;
    return;
  }
  counts.events++;
  if (isStart) startSegment(w, ev);
  else if (w.estimate) advanceClock(w, ev, own);
}

/** The wall time an event carries itself, if any. */
function ownTimestamp(ev: OtherEvent): number | null {
  return ev.type === 'datetime' || ev.type === 'pulse' || ev.type === 'exit' ? ev.timestamp : null;
}

/** Estimate mode: an inserted event may move the walk (a checkpoint load) or anchor it (its own time). */
function advanceClock(w: Writer, ev: OtherEvent, own: number | null): void {
  if (ev.type === 'checkpoint_loaded') clockOnCheckpointLoaded(w.state.clock, ev.iteration);
  if (own !== null) {
    fillBackwards(w, ev.offset, own);
    clockOnTimestamp(w.state.clock, own);
  }
}

function startSegment(w: Writer, ev: RunStartEvent): void {
  const { state } = w;
  state.segment += 1;
  clockOnRunStart(state.clock);
  w.stmt.setRunSegment.run(state.segment, toJsonText(ev.config), w.target.runId);
  // Estimate mode: dated backwards from the banner's first datetime milestone.
  if (w.estimate) state.clock.unanchoredFrom = ev.offset;
}

/** Dates the rows logged since `unanchoredFrom` backwards from an anchor at `anchorOffset`. */
function fillBackwards(w: Writer, anchorOffset: number, anchorMs: number): void {
  const { state, stmt, target } = w;
  const from = state.clock.unanchoredFrom;
  if (from === null) return;
  state.clock.unanchoredFrom = null;
  const rows = stmt.unanchored.all(target.logSourceId, from, anchorOffset) as (UnanchoredRow & { offset: number })[];
  const times = walkBackwards(rows, anchorMs);
  for (const [id, timeMs] of times) stmt.setTime.run(timeMs, id);
  // Other rows in the range take the time of the iteration logged just before them (else just after them).
  // Both lists are in file order, so one merged walk dates them all.
  const timeline = rows.map((r) => ({ offset: r.offset, timeMs: times.get(r.id) as number })).reverse();
  const untimed = (select: Database.Statement) =>
    select.all(target.logSourceId, from, anchorOffset) as { id: number; offset: number }[];
  dateInOrder(timeline, anchorMs, untimed(stmt.untimedValidations), stmt.setValidationTime);
  dateInOrder(timeline, anchorMs, untimed(stmt.untimedEvents), stmt.setEventTime);
}

/** Gives each untimed row the time of the last timeline entry at or before it (else the first one's). */
function dateInOrder(
  timeline: readonly { offset: number; timeMs: number }[],
  anchorMs: number,
  untimed: readonly { id: number; offset: number }[],
  set: Database.Statement,
): void {
  let i = 0;
  let t = timeline[0]?.timeMs ?? anchorMs;
  for (const r of untimed) {
    while (i < timeline.length && (timeline[i] as { offset: number }).offset <= r.offset)
      t = (timeline[i++] as { timeMs: number }).timeMs;
    set.run(t, r.id);
  }
}

function loadState(sqlite: Database.Database, target: IngestTarget): WriterState {
  const run = sqlite.prepare('SELECT segment_count AS segment FROM runs WHERE id = ?').get(target.runId) as
    { segment: number } | undefined;
  if (!run) throw new Error(`run ${target.runId} does not exist`);
  const source = sqlite
    .prepare('SELECT ingest_state AS s, byte_offset AS offset, line FROM log_sources WHERE id = ? AND run_id = ?')
    .get(target.logSourceId, target.runId) as { s: string | null; offset: number; line: number } | undefined;
  if (!source) throw new Error(`log source ${target.logSourceId} of run ${target.runId} does not exist`);
  const max = sqlite
    .prepare('SELECT max(iteration) AS m FROM iterations WHERE run_id = ? AND is_current = 1')
    .get(target.runId) as { m: number | null };
  const persisted = source.s ? (JSON.parse(source.s) as PersistedState) : initialPersistedState();
  return {
    ...persisted,
    segment: run.segment,
    maxCurrentIteration: max.m,
    committed: { offset: source.offset, line: source.line },
  };
}

export function initialPersistedState(): PersistedState {
  return { parserContext: null, clock: initialClock(), lastIteration: null };
}

/** The committed cursor of a log source, with the parser context to resume with. */
export function readCursor(
  sqlite: Database.Database,
  logSourceId: number,
): { offset: number; line: number; context: ParserContext | null } {
  const row = sqlite
    .prepare('SELECT byte_offset AS offset, line, ingest_state AS s FROM log_sources WHERE id = ?')
    .get(logSourceId) as { offset: number; line: number; s: string | null } | undefined;
  if (!row) throw new Error(`log source ${logSourceId} does not exist`);
  const persisted = row.s ? (JSON.parse(row.s) as PersistedState) : initialPersistedState();
  return { offset: row.offset, line: row.line, context: persisted.parserContext };
}

function nanToNull(v: number | null): number | null {
  return v !== null && Number.isNaN(v) ? null : v;
}

function typedColumns(ev: Exclude<LogEvent, IterationEvent | ValidationEvent>): {
  kind: string | null;
  iteration: number | null;
  message: string | null;
} {
  switch (ev.type) {
    case 'checkpoint_saved':
    case 'checkpoint_loaded':
      return { kind: null, iteration: ev.iteration, message: ev.path };
    case 'exit':
      return { kind: ev.reason, iteration: ev.iteration, message: ev.message };
    case 'failure':
      return { kind: ev.kind, iteration: ev.lastIteration, message: ev.message };
    case 'pulse':
      return { kind: ev.jobState, iteration: null, message: ev.message };
    case 'datetime':
      return { kind: null, iteration: null, message: ev.message };
    case 'line_too_long':
      return { kind: null, iteration: null, message: ev.head }; // length and limit are in the payload
    case 'log_gap':
      return { kind: null, iteration: null, message: ev.message };
    default:
      return { kind: null, iteration: null, message: null }; // run_start, timer: all in the payload
  }
}
