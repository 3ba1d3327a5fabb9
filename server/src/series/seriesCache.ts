// The per-run series cache behind GET /api/runs/:id/series. A run's current series is read from the database once,
// then each request reads only the rows appended since (a few, for a live run): the answer is the same as a fresh
// read, for the full range and for any zoomed range (a slice of the held columns), at the same seq.
// - A restart supersedes rows (is_current = 0): the run's superseded count goes up, or the appended rows go back
//   in iterations; either way the run is read again from scratch.
// - Memory is bounded: runs are kept least recently used first out, within `maxBytes` of typed arrays.
// - A run not held is read a page per turn of the event loop, one run at a time in arrival order, so a cold run never
//   blocks other requests (a whole read held the loop ~0.2 s per 115k-iteration run); the server's start-up
//   warm-up (warm) reads the newest runs the same way, so viewers opening them later find them ready.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetricField } from '@trainboard/shared/metrics/fields';
import type { SeriesRepo } from '../db/series.repo.js';
import { RunLru } from './runLru.js';
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
  /** Reads these runs' `fields` in the background, a page per turn of the event loop; resolves when done. */
  warm(runIds: readonly number[], fields: readonly MetricField[]): Promise<void>;
  stats(): SeriesCacheStats;
}

export function createSeriesCache(repo: SeriesRepo, options: Partial<SeriesCacheOptions> = {}): SeriesCache {
  const maxBytes = options.maxBytes ?? DEFAULT_SERIES_CACHE_BYTES;
  const runs = new RunLru(maxBytes);
  const counts = { hits: 0, fills: 0, rebuilds: 0 };
  const keep = (run: RunSeries) => runs.keep(run);

  /** Fills in arrival order, one at a time: the first viewer's run is ready first, not all of them last. */
  let fillQueue: Promise<unknown> = Promise.resolve();
  const filling = new Map<number, Promise<RunSeries | undefined>>();

  /**
   * The run read a page per turn of the event loop (other requests are answered meanwhile), shared by every request
   * that asks for it before it is there. The pages are read at different times (no transaction across turns): a
   * restart meanwhile raises the superseded count past the one taken here, and the next read builds it again.
   */
  function fillInTurns(runId: number, fields: readonly MetricField[]): Promise<RunSeries | undefined> {
    let pending = filling.get(runId);
    if (!pending) {
      pending = fillQueue.then(async () => {
        if (runs.has(runId)) return runs.get(runId);
        const run = repo.snapshot(() => {
          const seq = repo.lastRowId(runId);
          return new RunSeries(runId, seq, repo.supersededCount(runId), headroom(repo.currentCount(runId, seq)));
        });
        for (const _ of run.fill(repo, fields)) await nextTurn();
        counts.fills++;
        if (!runs.has(runId)) keep(run); // else a viewer built it meanwhile (a rebuild): theirs is as new
        return run;
      });
      const settled = pending.finally(() => filling.delete(runId));
      fillQueue = settled.catch(() => undefined);
      filling.set(runId, settled);
      pending = settled;
    }
    return pending;
  }

  /**
   * The run's series brought up to the newest row, with every field asked for; inside a read transaction. After a
   * restart the run is let go and undefined returned, to be read again in turns, unless `rebuildNow` (a restart
   * came during that read too): then it is read here at once. `filled` is the run this request's turn-by-turn fill
   * just read, in case the cap let it go already.
   */
  function current(
    runId: number,
    fields: readonly MetricField[],
    filled: RunSeries | undefined,
    rebuildNow: boolean,
  ): RunSeries | undefined {
    const seq = repo.lastRowId(runId);
    const superseded = repo.supersededCount(runId);
    let run = runs.get(runId) ?? filled;
    if (run && (run.superseded !== superseded || !run.append(repo, seq))) {
      counts.rebuilds++;
      runs.drop(runId);
      if (!rebuildNow) return undefined;
      run = undefined;
    }
    if (!run) {
      run = new RunSeries(runId, seq, superseded, headroom(repo.currentCount(runId, seq)));
      counts.fills++;
    } else if (run !== filled) counts.hits++;
    const missing = fields.filter((f) => !run.fields.has(f));
    if (missing.length > 0) drain(run.fill(repo, missing));
    return run;
  }

  return {
    async snapshot(runId, fields, from, to): Promise<SeriesSnapshot> {
      let run: RunSeries | undefined;
      for (let attempt = 0; !run; attempt++) {
        const filled = runs.has(runId) ? undefined : await fillInTurns(runId, fields);
        run = repo.snapshot(() => current(runId, fields, filled, attempt > 0));
      }
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
      for (const runId of runIds) if (!runs.has(runId)) await fillInTurns(runId, fields);
    },
    stats: () => ({ runs: runs.size, bytes: runs.bytes, evictions: runs.evictions, ...counts }),
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
