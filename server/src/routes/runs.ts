// REST for runs and their series: list, a range of series downsampled for charts, unsampled export.
// Every query string is validated with zod; errors are JSON {code, message}.
import { Router } from 'express';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { DEFAULT_TARGET_POINTS, minMaxIndices } from '@trainboard/shared/metrics/downsample';
import { METRIC_FIELDS, isMetricField, toWireNumber, type MetricField, type WireNumber } from '@trainboard/shared/metrics/fields';
import { COLUMN_OF, fieldValue, lastRowId, parseExtra, POINT_COLUMNS, storedValue, type PointRow } from '../realtime/points.js';
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

export function runsRouter(sqlite: Database.Database): Router {
  const router = Router();
  const parseRunId = runIdReader(sqlite);

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
    const fields = q.fields as MetricField[];
    // One read transaction: the sequence number and the rows come from the same snapshot, so the live stream
    // continues exactly after what this answer holds.
    const { seq, columns } = sqlite.transaction(() => ({ seq: lastRowId(sqlite, runId), columns: currentColumns(sqlite, runId, fields, q.from, q.to) }))();
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

interface SeriesColumns {
  xs: Float64Array;
  ys: Float64Array;
}

/**
 * The current series of `fields` in [from, to], as one (iterations, values) column pair per field holding only the
 * rows that carry the field (NaN restored from `extra`). Reads just those columns, as arrays into typed arrays sized
 * by a count first: a 115k-iteration run is read in ~0.2 s this way, against ~1 s for every column as row objects.
 */
function currentColumns(sqlite: Database.Database, runId: number, fields: readonly MetricField[], from?: number, to?: number): SeriesColumns[] & { rowCount: number } {
  const range = [runId, from ?? 0, to ?? Number.MAX_SAFE_INTEGER] as const;
  const where = 'WHERE run_id = ? AND is_current = 1 AND iteration BETWEEN ? AND ?';
  const capacity = (sqlite.prepare(`SELECT count(*) FROM iterations ${where}`).pluck().get(...range) as number);
  const xs = fields.map(() => new Float64Array(capacity));
  const ys = fields.map(() => new Float64Array(capacity));
  const filled = fields.map(() => 0);
  let rowCount = 0;
  const select = `SELECT iteration, extra, ${fields.map((f) => COLUMN_OF[f]).join(', ')} FROM iterations ${where} ORDER BY iteration, id`;
  for (const row of sqlite.prepare(select).raw().iterate(...range) as IterableIterator<unknown[]>) {
    rowCount++;
    const iteration = row[0] as number;
    const extra = row[1] === null ? null : (JSON.parse(row[1] as string) as Record<string, unknown>);
    for (let k = 0; k < fields.length; k++) {
      const y = storedValue(row[k + 2] as number | null, fields[k] as MetricField, extra);
      if (y === null) continue;
      const n = filled[k] as number;
      (xs[k] as Float64Array)[n] = iteration;
      (ys[k] as Float64Array)[n] = y;
      filled[k] = n + 1;
    }
  }
  const columns = fields.map((_, k) => ({ xs: (xs[k] as Float64Array).subarray(0, filled[k]), ys: (ys[k] as Float64Array).subarray(0, filled[k]) }));
  return Object.assign(columns, { rowCount });
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

