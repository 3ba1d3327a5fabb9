// Stored iteration rows as the dashboard receives them (socket batches and REST), NaN restored from `extra`.
import type Database from 'better-sqlite3';
import { METRIC_FIELDS, toWireNumber, type MetricField, type WireNumber } from '@trainboard/shared/metrics/fields';
import type { LivePoint } from '@trainboard/shared/realtime';

/** The iterations table's column for each metric field. */
export const COLUMN_OF: Record<MetricField, string> = {
  lmLoss: 'lm_loss', learningRate: 'learning_rate', gradNorm: 'grad_norm', lossScale: 'loss_scale',
  iterationTimeMs: 'iteration_time_ms', samplesPerSecond: 'samples_per_second', tflops: 'tflops',
  consumedSamples: 'consumed_samples', consumedTokens: 'consumed_tokens', globalBatchSize: 'global_batch_size',
  numZeros: 'num_zeros', skippedIterations: 'skipped_iterations', nanIterations: 'nan_iterations',
};

export const POINT_COLUMNS = `id, iteration, segment, time_ms AS timeMs, is_current AS isCurrent, extra, ${METRIC_FIELDS.map((f) => `${COLUMN_OF[f]} AS ${f}`).join(', ')}`;

export type PointRow = { id: number; iteration: number; segment: number; timeMs: number | null; isCurrent: number; extra: string | null } & Record<MetricField, number | null>;

/** The value of `field` in a row: NaN is stored as NULL with `"<field>": "NaN"` in extra (SCHEMA.md). */
export function fieldValue(row: PointRow, field: MetricField, extra: Record<string, unknown> | null): number | null {
  return storedValue(row[field], field, extra);
}

/** A column's value with NaN restored: NULL plus `"<field>": "NaN"` in extra is a NaN, a bare NULL was not logged. */
export function storedValue(column: number | null, field: MetricField, extra: Record<string, unknown> | null): number | null {
  return column === null && extra?.[field] === 'NaN' ? NaN : column;
}

export function parseExtra(row: PointRow): Record<string, unknown> | null {
  return row.extra ? (JSON.parse(row.extra) as Record<string, unknown>) : null;
}

export function toLivePoint(row: PointRow): LivePoint {
  const extra = parseExtra(row);
  const values: Partial<Record<MetricField, WireNumber>> = {};
  for (const f of METRIC_FIELDS) {
    const v = fieldValue(row, f, extra);
    if (v !== null) values[f] = toWireNumber(v);
  }
  return { id: row.id, iteration: row.iteration, segment: row.segment, timeMs: row.timeMs, values };
}

/**
 * A run's rows with id in (afterId, upToId], in id order (the order they were committed). `+run_id` keeps SQLite
 * off the (run_id, is_current, iteration) index, which made every page walk and sort the whole run (~10 ms at 115k
 * rows): the id range of the primary key reads only the rows committed in between.
 */
export function rowsAfter(sqlite: Database.Database, runId: number, afterId: number, upToId: number, limit: number): PointRow[] {
  return sqlite
    .prepare(`SELECT ${POINT_COLUMNS} FROM iterations WHERE +run_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?`)
    .all(runId, afterId, upToId, limit) as PointRow[];
}

export function lastRowId(sqlite: Database.Database, runId: number): number {
  const r = sqlite.prepare('SELECT max(id) AS m FROM iterations WHERE run_id = ?').get(runId) as { m: number | null };
  return r.m ?? 0;
}

/**
 * How many of a run's rows have id in (afterId, upToId], counting no further than `cap`: the replay only needs to
 * know whether a client is more than `cap` rows behind, and an uncapped count would walk a whole run.
 */
export function countRowsAfter(sqlite: Database.Database, runId: number, afterId: number, upToId: number, cap: number): number {
  const r = sqlite
    .prepare('SELECT count(*) AS n FROM (SELECT 1 FROM iterations WHERE +run_id = ? AND id > ? AND id <= ? LIMIT ?)')
    .get(runId, afterId, upToId, cap) as { n: number };
  return r.n;
}
