// REST for runs and their series: list, a range of series downsampled for charts, unsampled export.
// Every query string is validated with zod; errors are JSON {code, message}.
import { Router, type Request } from 'express';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { downsampleMinMax, DEFAULT_TARGET_POINTS } from '@trainboard/shared/metrics/downsample';
import { METRIC_FIELDS, isMetricField, toWireNumber, type MetricField } from '@trainboard/shared/metrics/fields';
import { fieldValue, lastRowId, parseExtra, POINT_COLUMNS, type PointRow } from '../realtime/points.js';
import { HttpError } from './errors.js';

const runIdSchema = z.coerce.number().int().positive();
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

export function runsRouter(sqlite: Database.Database): Router {
  const router = Router();

  router.get('/api/runs', (_req, res) => {
    const runs = sqlite
      .prepare(`SELECT r.id, r.name, r.state, r.segment_count AS segmentCount, r.created_at AS createdAt,
        (SELECT max(id) FROM iterations i WHERE i.run_id = r.id) AS seq,
        (SELECT max(iteration) FROM iterations i WHERE i.run_id = r.id AND i.is_current = 1) AS lastIteration
        FROM runs r ORDER BY r.id`)
      .all() as { seq: number | null }[];
    res.json({ runs: runs.map((r) => ({ ...r, seq: r.seq ?? 0 })) });
  });

  router.get('/api/runs/:id/series', (req, res) => {
    const runId = parseRunId(req);
    const q = parse(seriesQuerySchema, req.query);
    const seq = lastRowId(sqlite, runId); // read first: the rows below include at least everything up to it
    const rows = currentRows(sqlite, runId, q.from, q.to);
    const series: Record<string, { points: [number, number | string | null][]; sampled: boolean; count: number }> = {};
    const extras = rows.map(parseExtra);
    for (const field of q.fields as MetricField[]) {
      const pts = rows.map((r, i) => ({ x: r.iteration, y: fieldValue(r, field, extras[i] ?? null) }));
      const down = downsampleMinMax(pts, q.target);
      series[field] = { points: down.points.map((p) => [p.x, toWireNumber(p.y)]), sampled: down.sampled, count: rows.length };
    }
    res.json({ runId, seq, from: q.from ?? null, to: q.to ?? null, series });
  });

  router.get('/api/runs/:id/export.json', (req, res) => {
    const runId = parseRunId(req);
    const rows = allRows(sqlite, runId);
    res.json({ runId, iterations: rows.map((r) => exportRecord(r)) });
  });

  router.get('/api/runs/:id/export.csv', (req, res) => {
    const runId = parseRunId(req);
    const header = ['iteration', 'segment', 'is_current', 'time_ms', ...METRIC_FIELDS];
    const lines = [header.join(',')];
    for (const r of allRows(sqlite, runId)) {
      const rec = exportRecord(r);
      lines.push([rec.iteration, rec.segment, rec.isCurrent ? 1 : 0, rec.timeMs ?? '', ...METRIC_FIELDS.map((f) => csvNumber(rec.values[f] ?? null))].join(','));
    }
    res.type('text/csv').attachment(`run-${runId}.csv`).send(`${lines.join('\n')}\n`);
  });

  function parseRunId(req: Request): number {
    const id = runIdSchema.safeParse(req.params.id);
    if (!id.success) throw new HttpError(400, 'invalid_request', 'run id must be a positive integer');
    const run = sqlite.prepare('SELECT id FROM runs WHERE id = ?').get(id.data);
    if (!run) throw new HttpError(404, 'not_found', `run ${id.data} does not exist`);
    return id.data;
  }

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

function currentRows(sqlite: Database.Database, runId: number, from?: number, to?: number): PointRow[] {
  return sqlite
    .prepare(`SELECT ${POINT_COLUMNS} FROM iterations WHERE run_id = ? AND is_current = 1 AND iteration BETWEEN ? AND ? ORDER BY iteration, id`)
    .all(runId, from ?? 0, to ?? Number.MAX_SAFE_INTEGER) as PointRow[];
}

/** Every stored row, superseded ones included (flagged), in the order they were logged. */
function allRows(sqlite: Database.Database, runId: number): PointRow[] {
  return sqlite.prepare(`SELECT ${POINT_COLUMNS} FROM iterations WHERE run_id = ? ORDER BY id`).all(runId) as PointRow[];
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

