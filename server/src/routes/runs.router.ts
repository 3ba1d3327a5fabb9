// REST for a run's unsampled exports (streamed in pages); the downsampled series is series.router.ts.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Response } from 'express';
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import { METRIC_FIELDS, toWireNumber, type MetricField } from '@trainboard/shared/metrics/fields';
import { fieldValue, parseExtra, type IterationsRepo, type PointRow } from '../db/iterations.repo.js';
import type { Repositories } from '../db/repositories.js';
import { createEttrAccumulator, ettrWindow, type EttrResult } from '@trainboard/shared/detect/ettr';
import { runIdReader } from './runParam.js';
import { createSlots, withSlot, type Slots } from './slots.js';

/**
 * Rows read per export page. An export holds one page of rows and its text at a time, whatever the run's length
 * (built whole, an 850k-iteration export took 1.95 GB); a page is also the longest the event loop is held (~8 ms
 * here; 2,000-row pages let 8 exports keep health at 100 ms p50).
 */
export const EXPORT_PAGE_ROWS = 500;

/** Exports streaming at once server-wide, and waiting (see slots.ts): each one takes a core while the client reads fast. */
export const DEFAULT_EXPORT_SLOTS = { running: 2, waiting: 16 };

const CSV_HEADER = ['iteration', 'segment', 'is_current', 'time_ms', ...METRIC_FIELDS].join(',');

export function runsRouter(
  repos: Pick<Repositories, 'runs' | 'iterations' | 'runControl' | 'jobs'>,
  pageRows = EXPORT_PAGE_ROWS,
  slots: Slots = createSlots(DEFAULT_EXPORT_SLOTS),
): RouteDef[] {
  // Read-only views of a run: any signed-in user.
  const router = viewerRoutes();
  const parseRunId = runIdReader(repos.runs);
  const { iterations } = repos;

  // The same bytes as JSON.stringify({ runId, iterations: [...] }), written a page at a time.
  router.get('/api/runs/:id/export.json', async (req, res) => {
    const runId = parseRunId(req);
    await withSlot(slots, res, 'exports', async () => {
      res.type('application/json; charset=utf-8');
      const body = exportPages(
        iterations,
        runId,
        pageRows,
        (rows, first) => (first ? '' : ',') + rows.map((r) => JSON.stringify(exportRecord(r))).join(','),
      );
      await writeStream(res, [`{"runId":${runId},"iterations":[`], body, [']}']);
    });
  });

  router.get('/api/runs/:id/export.csv', async (req, res) => {
    const runId = parseRunId(req);
    await withSlot(slots, res, 'exports', async () => {
      res.attachment(`run-${runId}.csv`).type('text/csv; charset=utf-8');
      const body = exportPages(iterations, runId, pageRows, (rows) => rows.map((r) => `${csvLine(r)}\n`).join(''));
      await writeStream(res, [`${CSV_HEADER}\n`], body, []);
    });
  });

  // The run's effective training time ratio (shared/src/detect/ettr.ts): every row read once, a page at a time
  // with the event loop free between pages, under the same slots as the exports (it reads as many rows).
  router.get('/api/runs/:id/ettr', async (req, res) => {
    const runId = parseRunId(req);
    await withSlot(slots, res, 'exports', async (signal) => {
      const result = await runEttr(repos, runId, pageRows, signal);
      if (!signal.aborted) res.json({ runId, ...result });
    });
  });

  return router.routes;
}

/** GET /api/runs/:id/ettr: null fields while the run has no time yet. */
export type RunEttrDto = { runId: number; windowStartMs: number | null; windowEndMs: number | null } & (
  EttrResult | { ettr: null }
);

async function runEttr(
  repos: Pick<Repositories, 'iterations' | 'runControl' | 'jobs'>,
  runId: number,
  pageRows: number,
  signal: AbortSignal,
): Promise<Omit<RunEttrDto, 'runId'>> {
  const { iterations } = repos;
  const upTo = iterations.lastRowId(runId);
  const first = iterations.rowsAfter(runId, 0, upTo, 1)[0] ?? null;
  const last = upTo > 0 ? (iterations.rowsAfter(runId, upTo - 1, upTo, 1)[0] ?? null) : null;
  const control = repos.runControl.get(runId);
  const window = ettrWindow({
    submittedAtMs: control?.desiredState ? control.createdAt : null,
    active: control?.desiredState === 'active',
    jobs: repos.jobs.ofRun(runId),
    first: first ? { timeMs: first.timeMs, elapsedMs: first.iterationTimeMs } : null,
    lastTimeMs: last?.timeMs ?? null,
    nowMs: Date.now(),
  });
  if (!window) return { windowStartMs: null, windowEndMs: null, ettr: null };
  const acc = createEttrAccumulator(window);
  for (let after = 0; !signal.aborted;) {
    const rows = iterations.rowsAfter(runId, after, upTo, pageRows);
    if (rows.length === 0) break;
    for (const r of rows)
      acc.add({ segment: r.segment, timeMs: r.timeMs, elapsedMs: r.iterationTimeMs, kept: r.isCurrent === 1 });
    after = (rows.at(-1) as PointRow).id;
    await nextTurn();
  }
  return { windowStartMs: window.startMs, windowEndMs: window.endMs, ...acc.result() };
}

/**
 * Every stored row of the run up to its last row now (superseded ones included, flagged), in the order they were
 * logged, as one text piece per page of `pageRows`: keyset pages on the row id, so each page is one index range
 * and rows committed during the export are left for the live stream.
 */
export function* exportPages(
  iterations: Pick<IterationsRepo, 'lastRowId' | 'rowsAfter'>,
  runId: number,
  pageRows: number,
  render: (rows: PointRow[], first: boolean) => string,
): Generator<string> {
  const upTo = iterations.lastRowId(runId);
  let after = 0;
  for (let first = true; ; first = false) {
    const rows = iterations.rowsAfter(runId, after, upTo, pageRows);
    if (rows.length === 0) return;
    yield render(rows, first);
    after = (rows.at(-1) as PointRow).id;
  }
}

/**
 * Writes head, each body piece and tail, waiting for 'drain' when the socket's buffer is full and giving the event
 * loop a turn after every piece, so health and other requests are answered during an export. Stops reading pages as
 * soon as the client goes away.
 */
export async function writeStream(
  res: Pick<Response, 'write' | 'end' | 'once' | 'off' | 'destroyed' | 'writableNeedDrain'>,
  head: Iterable<string>,
  body: Iterable<string>,
  tail: Iterable<string>,
): Promise<void> {
  const pieces = function* () {
    yield* head;
    yield* body;
    yield* tail;
  };
  if (res.destroyed) return;
  for (const piece of pieces()) {
    if (!res.write(piece)) await drainOrClose(res);
    // Always a turn of the event loop too: on loopback the socket often takes a write whole, and 'drain' then
    // comes on process.nextTick, which never lets timers or other sockets in (one export held health for 2 s).
    await nextTurn();
    // Checked before the next page is read: a client gone while we waited costs no further query.
    if (res.destroyed) return;
  }
  res.end();
}

function drainOrClose(res: Pick<Response, 'once' | 'off'>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function exportRecord(r: PointRow) {
  const extra = parseExtra(r);
  const values: Partial<Record<MetricField, number | string | null>> = {};
  for (const f of METRIC_FIELDS) values[f] = toWireNumber(fieldValue(r, f, extra));
  return { iteration: r.iteration, segment: r.segment, isCurrent: r.isCurrent === 1, timeMs: r.timeMs, values };
}

function csvLine(r: PointRow): string {
  const rec = exportRecord(r);
  return [
    rec.iteration,
    rec.segment,
    rec.isCurrent ? 1 : 0,
    rec.timeMs ?? '',
    ...METRIC_FIELDS.map((f) => csvNumber(rec.values[f] ?? null)),
  ].join(',');
}

function csvNumber(v: number | string | null): string {
  return v === null ? '' : String(v);
}
