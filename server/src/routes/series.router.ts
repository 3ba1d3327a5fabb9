// GET /api/runs/:id/series: a run's current series over an iteration range, downsampled for charts (min/max
// buckets, ≈ 2,000 points per field, spikes and the latest point kept, raw when few). The rows come from a
// SeriesSource: the per-run cache (server/src/series) or a fresh read; both answer the same points at the same seq.
import { z } from 'zod';
import { DEFAULT_TARGET_POINTS, minMaxIndices } from '@trainboard/shared/metrics/downsample';
import {
  METRIC_FIELDS,
  isMetricField,
  toWireNumber,
  type MetricField,
  type WireNumber,
} from '@trainboard/shared/metrics/fields';
import type { SeriesColumns } from '../db/iterations.repo.js';
import type { RunsRepo } from '../db/runs.repo.js';
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import type { SeriesSnapshot, SeriesSource } from '../series/seriesSource.js';
import { runIdReader } from './runParam.js';
import { parse } from './runs.router.js';

const iterationBound = z.coerce.number().int().nonnegative().optional();

const seriesQuerySchema = z.object({
  fields: z
    .string()
    .default('lmLoss')
    .transform((s) =>
      s
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().refine(isMetricField, { message: `fields must be among ${METRIC_FIELDS.join(', ')}` }))
        .min(1)
        .max(METRIC_FIELDS.length),
    ),
  from: iterationBound,
  to: iterationBound,
  target: z.coerce.number().int().min(10).max(20_000).default(DEFAULT_TARGET_POINTS),
});
export interface SeriesAnswer {
  runId: number;
  seq: number;
  from: number | null;
  to: number | null;
  series: Record<string, { points: [number, WireNumber][]; sampled: boolean; count: number }>;
}

export function seriesRouter(runs: RunsRepo, source: SeriesSource): RouteDef[] {
  // Read-only: any signed-in user.
  const router = viewerRoutes();
  const parseRunId = runIdReader(runs);
  router.get('/api/runs/:id/series', async (req, res) => {
    const runId = parseRunId(req);
    const q = parse(seriesQuerySchema, req.query);
    res.type('application/json').send(await seriesBody(source, runId, q.fields as MetricField[], q));
  });
  return router.routes;
}

type SeriesQuery = { from?: number | undefined; to?: number | undefined; target: number };

/** The JSON body for one request: built once per seq and query when the source remembers answers. */
export async function seriesBody(
  source: SeriesSource,
  runId: number,
  fields: readonly MetricField[],
  q: SeriesQuery,
): Promise<string> {
  const snapshot = await source.snapshot(runId, fields, q.from, q.to);
  const key = `${fields.join(',')}|${q.from ?? ''}|${q.to ?? ''}|${q.target}`;
  const known = snapshot.answers?.get(key);
  if (known !== undefined) return known;
  const body = JSON.stringify(answerOf(snapshot, runId, fields, q));
  snapshot.answers?.set(key, body);
  return body;
}

/** The answer for one request: the points and the seq come from one snapshot, so the live stream continues after it. */
export async function seriesAnswer(
  source: SeriesSource,
  runId: number,
  fields: readonly MetricField[],
  q: SeriesQuery,
): Promise<SeriesAnswer> {
  return JSON.parse(await seriesBody(source, runId, fields, q)) as SeriesAnswer;
}

function answerOf(
  { seq, columns, rowCount }: SeriesSnapshot,
  runId: number,
  fields: readonly MetricField[],
  q: SeriesQuery,
): SeriesAnswer {
  const series: SeriesAnswer['series'] = {};
  fields.forEach((field, k) => {
    const { xs, ys } = columns[k] as SeriesColumns;
    const keep = minMaxIndices(ys, q.target);
    const points: [number, WireNumber][] =
      keep === null
        ? Array.from(xs, (x, i) => [x, toWireNumber(ys[i] as number)])
        : keep.map((i) => [xs[i] as number, toWireNumber(ys[i] as number)]);
    series[field] = { points, sampled: keep !== null, count: rowCount };
  });
  return { runId, seq, from: q.from ?? null, to: q.to ?? null, series };
}
