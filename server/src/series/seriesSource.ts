// Where the series route gets a run's current series: fresh from the database on every request, or from the
// per-run cache (seriesCache.ts). Both answer the same thing: the columns of the asked fields over [from, to], the
// count of current rows in that range, and the seq (newest row id) the answer holds everything up to, which the
// live stream continues from.
import type { MetricField } from '@trainboard/shared/metrics/fields';
import type { IterationsRepo, SeriesColumns } from '../db/iterations.repo.js';

export interface SeriesSnapshot {
  seq: number;
  columns: SeriesColumns[];
  /** Current rows in [from, to], whether or not they carry the fields. */
  rowCount: number;
  /** Answers already built at this seq, by query (a cache has them; a fresh read has none). */
  answers?: {
    get(key: string): string | undefined;
    set(key: string, body: string): void;
  };
}

export interface SeriesSource {
  snapshot(runId: number, fields: readonly MetricField[], from?: number, to?: number): Promise<SeriesSnapshot>;
}

/** Every request reads the database (one read transaction): ~0.2 s of event loop for 115k iterations × 7 fields. */
export function freshSeries(iterations: Pick<IterationsRepo, 'seriesSnapshot'>): SeriesSource {
  return {
    snapshot(runId, fields, from, to) {
      const { seq, columns } = iterations.seriesSnapshot(runId, fields, from, to);
      return Promise.resolve({ seq, columns, rowCount: columns.rowCount });
    },
  };
}
