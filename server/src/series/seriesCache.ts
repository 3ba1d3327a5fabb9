// The per-run series cache behind GET /api/runs/:id/series. A run's current series is read from the database once,
// then each request reads only the rows appended since (a few, for a live run): the answer is the same as a fresh
// read, for the full range and for any zoomed range (a slice of the held columns), at the same seq.
// - A restart supersedes rows (is_current = 0): the run's superseded count goes up, or the appended rows go back
//   in iterations; either way the run is read again from scratch.
// - Memory is bounded: runs are kept least recently used first out, within `maxBytes` of typed arrays.
// - A background warm-up (warm) fills runs a page at a time, so viewers opening them later find them ready.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import type { SeriesRepo } from '../db/series.repo.js';
import { RunSeries } from './runSeries.js';
import type { SeriesSnapshot, SeriesSource } from './seriesSource.js';

export interface SeriesCacheOptions {
  /** Bytes of series held across runs. A 115k-iteration run with the 7 chart fields holds ~14 MB. */
  maxBytes: number;
}

/** ~11 BLOOM-size runs with the dashboard's 7 chart fields. */
export const DEFAULT_SERIES_CACHE_BYTES = 160 * 1024 * 1024;

export interface SeriesCacheStats {
  runs: number;
  bytes: number;
  hits: number;
  fills: number;
  rebuilds: number;
  evictions: number;
}

export interface SeriesCache extends SeriesSource {
  /** Fills these runs' `fields` in the background, a page per turn of the event loop; resolves when done. */
  warm(runIds: readonly number[], fields: readonly MetricField[]): Promise<void>;
  /** Forgets a run (it was deleted or re-imported). */
  drop(runId: number): void;
  stats(): SeriesCacheStats;
}

export function createSeriesCache(repo: SeriesRepo, options: Partial<SeriesCacheOptions> = {}): SeriesCache {
  const maxBytes = options.maxBytes ?? DEFAULT_SERIES_CACHE_BYTES;
  /** Least recently used first (a Map keeps insertion order; a use moves the run to the end). */
  const runs = new Map<number, RunSeries>();
  const counts = { hits: 0, fills: 0, rebuilds: 0, evictions: 0 };

  /** The run's series brought up to the newest row, or built again; inside a read transaction. */
  function current(runId: number, fields: readonly MetricField[]): RunSeries {
    const seq = repo.lastRowId(runId);
    const superseded = repo.supersededCount(runId);
    let run = runs.get(runId);
    if (run && (run.superseded !== superseded || !run.append(repo, seq))) {
      counts.rebuilds++;
      run = undefined;
    }
    if (!run) {
      run = new RunSeries(runId, seq, superseded, headroom(repo.currentCount(runId, seq)));
      counts.fills++;
    } else counts.hits++;
    const missing = fields.filter((f) => !run.fields.has(f));
    if (missing.length > 0) drain(run.fill(repo, missing));
    return run;
  }

  function keep(run: RunSeries): void {
    runs.delete(run.runId);
    runs.set(run.runId, run);
    let total = 0;
    for (const r of runs.values()) total += r.bytes;
    for (const [id, r] of runs) {
      if (total <= maxBytes) break;
      runs.delete(id);
      total -= r.bytes;
      counts.evictions++;
    }
  }

  return {
    snapshot(runId, fields, from, to): SeriesSnapshot {
      const run = repo.snapshot(() => current(runId, fields));
      keep(run); // may drop this very run when it alone exceeds the cap: the answer is built from it all the same
      return {
        seq: run.seq,
        columns: fields.map((f) => run.fields.get(f)?.slice(from, to) ?? empty()),
        rowCount: run.rows.count(from, to),
        answers: {
          get: (key) => run.answers.get(key),
          set: (key, body) => {
            run.remember(key, body);
            if (runs.get(runId) === run) keep(run); // its bytes grew: the cap still holds
          },
        },
      };
    },
    async warm(runIds, fields) {
      for (const runId of runIds) {
        if (runs.has(runId)) continue;
        // The pages are read at different times (no transaction across turns): a restart meanwhile raises the
        // superseded count past the one taken here, and the next request builds the run again.
        const run = repo.snapshot(() => {
          const seq = repo.lastRowId(runId);
          return new RunSeries(runId, seq, repo.supersededCount(runId), headroom(repo.currentCount(runId, seq)));
        });
        for (const _ of run.fill(repo, fields)) await nextTurn();
        // A viewer who came meanwhile built the run synchronously: theirs is at least as new.
        if (runs.has(runId)) continue;
        counts.fills++;
        keep(run);
      }
    },
    drop: (runId) => void runs.delete(runId),
    stats: () => {
      let bytes = 0;
      for (const r of runs.values()) bytes += r.bytes;
      return { runs: runs.size, bytes, ...counts };
    },
  };
}

/** Room for the rows there are and some appended ones before the arrays grow (by doubling). */
function headroom(rows: number): number {
  return rows + Math.max(1024, Math.ceil(rows / 16));
}

function drain(steps: Generator<void>): void {
  for (const _ of steps);
}

function empty() {
  return { xs: new Float64Array(0), ys: new Float64Array(0) };
}
