// At server start, the newest runs' chart series are read into the series cache in the background (a page per turn
// of the event loop), so the viewers who open them first find them ready instead of each waiting ~0.2 s of a full
// read behind the others. The byte cap still applies: runs past it are simply not kept.
import type { Logger } from 'pino';
import { DEFAULT_CHART_FIELDS } from '@trainboard/shared/metrics/chartFields';
import type { RunsRepo } from '../db/runs.repo.js';
import type { SeriesCache } from './seriesCache.js';

/** Newest runs warmed at start: the ones people are watching (a live run is among the newest). */
export const WARM_RUNS = 10;

export function warmNewestRuns(cache: SeriesCache, runs: Pick<RunsRepo, 'list'>, logger: Logger): Promise<void> {
  const ids = runs
    .list()
    .slice(0, WARM_RUNS)
    .map((r) => r.id);
  const started = performance.now();
  return cache.warm(ids, DEFAULT_CHART_FIELDS).then(
    () =>
      logger.info(
        { warmed: ids.length, ms: Math.round(performance.now() - started), cache: cache.stats() },
        'series cache warm',
      ),
    (err: unknown) => logger.warn({ err }, 'series cache warm-up stopped'),
  );
}
