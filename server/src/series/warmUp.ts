// At server start, the newest runs' chart series are read into the series cache in the background (a page per turn
// of the event loop), and the answer a run page asks for first is built, so the viewers who open them find them
// ready instead of each waiting ~0.2 s of a full read behind the others. The byte cap still applies.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { DEFAULT_CHART_FIELDS } from '@trainboard/shared/metrics/chartFields';
import { DEFAULT_TARGET_POINTS } from '@trainboard/shared/metrics/downsample';
import type { RunsRepo } from '../db/runs.repo.js';
import { seriesBody } from './seriesAnswer.js';
import type { SeriesCache } from './seriesCache.js';

/** Newest runs warmed at start: the ones people are watching (a live run is among the newest). */
export const WARM_RUNS = 10;

export function warmNewestRuns(cache: SeriesCache, runs: Pick<RunsRepo, 'list'>, logger: Logger): Promise<void> {
  const ids = runs
    .list()
    .slice(0, WARM_RUNS)
    .map((r) => r.id);
  const started = performance.now();
  const warmed = async () => {
    await cache.warm(ids, DEFAULT_CHART_FIELDS);
    // The answer a run page asks for first (its chart fields, the whole run), built now: the first viewer shares it.
    for (const id of ids) {
      await seriesBody(cache, id, DEFAULT_CHART_FIELDS, { target: DEFAULT_TARGET_POINTS });
      await nextTurn(); // ~10 ms each: requests come in between
    }
  };
  return warmed().then(
    () =>
      logger.info(
        { warmed: ids.length, ms: Math.round(performance.now() - started), cache: cache.stats() },
        'series cache warm',
      ),
    (err: unknown) => logger.warn({ err }, 'series cache warm-up stopped'),
  );
}
