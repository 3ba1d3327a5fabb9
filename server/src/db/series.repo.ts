// The reads behind the per-run series cache (server/src/series): a run's current rows of some metric columns, read
// in keyset pages up to a fixed row id (a fill), the rows committed after a seq (an append, current or not), and the
// two figures that tell whether a restart superseded rows since (the newest row id, the count of superseded rows).
import type Database from 'better-sqlite3';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import { COLUMN_OF } from './iterations.repo.js';

/**
 * One stored row as the cache reads it: [id, iteration, isCurrent (0|1), extra JSON (only when a field column is
 * NULL, else null), ...field columns].
 */
export type SeriesRow = [number, number, number, string | null, ...(number | null)[]];

export interface SeriesRepo {
  /** The id of the run's newest row (0 when none): the `seq` a series answer continues from. */
  lastRowId(runId: number): number;
  /** How many of the run's rows a restart marked superseded (is_current = 0). */
  supersededCount(runId: number): number;
  /** How many current rows the run has with id ≤ upToId. */
  currentCount(runId: number, upToId: number): number;
  /** Current rows with id ≤ upToId after (iteration, id) = after, by iteration then id, at most `limit`. */
  currentPage(
    runId: number,
    fields: readonly MetricField[],
    after: { iteration: number; id: number },
    upToId: number,
    limit: number,
  ): SeriesRow[];
  /** Every row (current or not) with id in (afterId, upToId], in id order. */
  rowsAfter(runId: number, fields: readonly MetricField[], afterId: number, upToId: number): SeriesRow[];
  /** Runs `fn` in one read transaction: everything it reads comes from one snapshot of the database. */
  snapshot<T>(fn: () => T): T;
}

export function createSeriesRepo(sqlite: Database.Database): SeriesRepo {
  // A source's rows are inserted in byte order (its cursor only moves forward; rows read again are skipped on
  // conflict), so its newest row is the one at its largest offset: one step down the (source, offset) index per
  // source. Walking back from the table's end (+run_id) took 95 ms for a run with 1M newer rows of other runs
  // after it, max(id) over the run index 10 ms; this takes 0.1 ms whatever the run's place.
  const last = sqlite
    .prepare(
      `SELECT max((SELECT id FROM iterations WHERE log_source_id = s.id ORDER BY byte_offset DESC LIMIT 1))
       FROM log_sources s WHERE s.run_id = ?`,
    )
    .pluck();
  const superseded = sqlite.prepare('SELECT count(*) FROM iterations WHERE run_id = ? AND is_current = 0').pluck();
  const current = sqlite
    .prepare('SELECT count(*) FROM iterations WHERE run_id = ? AND is_current = 1 AND id <= ?')
    .pluck();
  const statements = new Map<string, Database.Statement>();
  // One prepared statement per (kind, field list): a chart asks for the same few lists again and again.
  const prepared = (kind: 'page' | 'after', fields: readonly MetricField[]) => {
    const key = `${kind}:${fields.join(',')}`;
    let s = statements.get(key);
    if (!s) {
      // `extra` only where a field is NULL (it tells a NaN from a field not logged): most rows carry every field, and
      // reading their extra text was a good part of a fill.
      const values = fields.map((f) => COLUMN_OF[f]);
      const extra =
        values.length === 0 ? 'NULL' : `CASE WHEN ${values.map((c) => `${c} IS NULL`).join(' OR ')} THEN extra END`;
      const columns = `id, iteration, is_current, ${extra}${values.map((c) => `, ${c}`).join('')}`;
      s = sqlite
        .prepare(
          kind === 'page'
            ? `SELECT ${columns} FROM iterations WHERE run_id = ? AND is_current = 1 AND (iteration, id) > (?, ?)
               AND id <= ? ORDER BY iteration, id LIMIT ?`
            : `SELECT ${columns} FROM iterations WHERE +run_id = ? AND id > ? AND id <= ? ORDER BY id`,
        )
        .raw();
      if (statements.size > 256) statements.clear();
      statements.set(key, s);
    }
    return s;
  };
  return {
    lastRowId: (runId) => (last.get(runId) as number | null | undefined) ?? 0,
    supersededCount: (runId) => superseded.get(runId) as number,
    currentCount: (runId, upToId) => current.get(runId, upToId) as number,
    currentPage: (runId, fields, after, upToId, limit) =>
      prepared('page', fields).all(runId, after.iteration, after.id, upToId, limit) as SeriesRow[],
    rowsAfter: (runId, fields, afterId, upToId) => prepared('after', fields).all(runId, afterId, upToId) as SeriesRow[],
    snapshot: (fn) => sqlite.transaction(fn).deferred(),
  };
}
