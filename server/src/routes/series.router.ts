// GET /api/runs/:id/series: a run's current series over an iteration range, downsampled for charts (min/max
// buckets, ≈ 2,000 points per field, spikes and the latest point kept, raw when few). The rows come from a
// SeriesSource: the per-run cache (server/src/series) or a fresh read; both answer the same points at the same seq.
// The query is validated with zod; errors are JSON {code, message}.
import { z } from 'zod';
import { DEFAULT_TARGET_POINTS } from '@trainboard/shared/metrics/downsample';
import { METRIC_FIELDS, isMetricField, type MetricField } from '@trainboard/shared/metrics/fields';
import type { RunsRepo } from '../db/runs.repo.js';
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import { seriesBody } from '../series/seriesAnswer.js';
import type { SeriesSource } from '../series/seriesSource.js';
import { runIdReader } from './runParam.js';
import { HttpError } from './errors.js';

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

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new HttpError(
      400,
      'invalid_request',
      issue ? `${issue.path.join('.') || 'query'}: ${issue.message}` : 'invalid query',
    );
  }
  return r.data;
}
