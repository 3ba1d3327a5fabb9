// REST for a run's series: a range downsampled for charts, and the unsampled exports.
// Every query string is validated with zod; errors are JSON {code, message}.
import { Router } from 'express';
import { z } from 'zod';
import { DEFAULT_TARGET_POINTS, minMaxIndices } from '@trainboard/shared/metrics/downsample';
import { METRIC_FIELDS, isMetricField, toWireNumber, type MetricField, type WireNumber } from '@trainboard/shared/metrics/fields';
import { fieldValue, parseExtra, type PointRow, type SeriesColumns } from '../db/iterations.repo.js';
import type { Repositories } from '../db/repositories.js';
import { HttpError } from './errors.js';
import { runIdReader } from './runParam.js';

const iterationBound = z.coerce.number().int().nonnegative().optional();

const seriesQuerySchema = z.object({
  fields: z
    .string()
    .default('lmLoss')
    .transform((s) => s.split(',').map((f) => f.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isMetricField, { message: `fields must be among ${METRIC_FIELDS.join(', ')}` })).min(1).max(METRIC_FIELDS.length)),
  from: iterationBound,
  to: iterationBound,
  target: z.coerce.number().int().min(10).max(20_000).default(DEFAULT_TARGET_POINTS),
});

export function runsRouter(repos: Pick<Repositories, 'runs' | 'iterations'>): Router {
  const router = Router();
  const parseRunId = runIdReader(repos.runs);
  const { iterations } = repos;
  const allRows = (runId: number) => iterations.rowsAfter(runId, 0, iterations.lastRowId(runId), Number.MAX_SAFE_INTEGER);

  router.get('/api/runs/:id/series', (req, res) => {
    const runId = parseRunId(req);
    const q = parse(seriesQuerySchema, req.query);
    const fields = q.fields as MetricField[];
    // One read transaction: the sequence number and the rows come from the same snapshot, so the live stream
    // continues exactly after what this answer holds.
    const { seq, columns } = iterations.seriesSnapshot(runId, fields, q.from, q.to);
    const series: Record<string, { points: [number, WireNumber][]; sampled: boolean; count: number }> = {};
    fields.forEach((field, k) => {
      const { xs, ys } = columns[k] as SeriesColumns;
      const keep = minMaxIndices(ys, q.target);
      const points: [number, WireNumber][] = keep === null
        ? Array.from(xs, (x, i) => [x, toWireNumber(ys[i] as number)])
        : keep.map((i) => [xs[i] as number, toWireNumber(ys[i] as number)]);
      series[field] = { points, sampled: keep !== null, count: columns.rowCount };
    });
    res.json({ runId, seq, from: q.from ?? null, to: q.to ?? null, series });
  });

  router.get('/api/runs/:id/export.json', (req, res) => {
    const runId = parseRunId(req);
    const rows = allRows(runId);
    res.json({ runId, iterations: rows.map((r) => exportRecord(r)) });
  });

  router.get('/api/runs/:id/export.csv', (req, res) => {
    const runId = parseRunId(req);
    const header = ['iteration', 'segment', 'is_current', 'time_ms', ...METRIC_FIELDS];
    const lines = [header.join(',')];
    for (const r of allRows(runId)) {
      const rec = exportRecord(r);
      lines.push([rec.iteration, rec.segment, rec.isCurrent ? 1 : 0, rec.timeMs ?? '', ...METRIC_FIELDS.map((f) => csvNumber(rec.values[f] ?? null))].join(','));
    }
    res.type('text/csv').attachment(`run-${runId}.csv`).send(`${lines.join('\n')}\n`);
  });

  return router;
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new HttpError(400, 'invalid_request', issue ? `${issue.path.join('.') || 'query'}: ${issue.message}` : 'invalid query');
  }
  return r.data;
}

function exportRecord(r: PointRow) {
  const extra = parseExtra(r);
  const values: Partial<Record<MetricField, number | string | null>> = {};
  for (const f of METRIC_FIELDS) values[f] = toWireNumber(fieldValue(r, f, extra));
  return { iteration: r.iteration, segment: r.segment, isCurrent: r.isCurrent === 1, timeMs: r.timeMs, values };
}

function csvNumber(v: number | string | null): string {
  return v === null ? '' : String(v);
}

