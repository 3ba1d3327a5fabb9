// Benchmark of issue 14 §9: 10 viewers at once, each opening a different BLOOM-size run (a synthetic tr11-style log
// of ~115k iterations, imported through the ingest writer), each asking /series for the chart fields 5 times: the
// page's load, a zoom to the second half, a reload, a zoom to the last tenth, a resync (VIEWS). Measured against the
// same database and the same HTTP stack:
//  - before: the series read fresh from the database on every request (the route as it was);
//  - after, cold: the per-run cache with nothing in it (each run's first request fills it);
//  - after, warm: the cache filled by the server's start-up warm-up (warmNewestRuns: the newest 10 runs and the
//    answer a run page asks for first).
// Prints p50/p99/max latency, the total wall time, the longest event-loop block and the ratios. Reports, never asserts.
//
// Usage: npm run bench -- series   (also part of: npm run bench -- dashboard)
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import { DEFAULT_CHART_FIELDS } from '@trainboard/shared/metrics/chartFields';
import { createApp } from '../../server/src/app.js';
import { openDatabase, type OpenDatabase } from '../../server/src/db/client.js';
import { createRepositories, type Repositories } from '../../server/src/db/repositories.js';
import { importLogFile } from '../../server/src/ingest/importFile.js';
import { createSeriesCache } from '../../server/src/series/seriesCache.js';
import { warmNewestRuns } from '../../server/src/series/warmUp.js';
import { freshSeries, type SeriesSource } from '../../server/src/series/seriesSource.js';
import { createTestAuth, type TestAuth } from '../../server/src/testing/testAuth.js';
import { writeSyntheticLog } from './syntheticLog.js';

const RUNS = 10;
/** What each viewer asks in turn, as fractions of the run's iterations (null: the full range). */
const VIEWS: ([number, number] | null)[] = [null, [0.5, 1], null, [0.9, 1], null];
const LAST_ITERATION = 115_000; // ≈ the synthetic run's last iteration: zoom bounds only need to be plausible
const LINES = 136_000; // ≈ 115k iteration lines, as in the dashboard bench

interface Figures {
  p50: number;
  p99: number;
  max: number;
  total: number;
  loopMax: number;
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-series-'));
  const conn = openDatabase(join(dir, 'trainboard.db'));
  try {
    const runIds = await importRuns(conn, dir);
    const repos = createRepositories(conn.sqlite);
    const auth = createTestAuth(conn);
    const before = await measure(conn, repos, auth, freshSeries(repos.iterations), runIds);
    // Each cache measured alone (the other one let go first): two caches of 145 MiB at once would time the GC.
    const { warm, warmMs, bytes } = await (async () => {
      const cache = createSeriesCache(repos.series);
      const warmStarted = performance.now();
      await warmNewestRuns(cache, repos.runs, pino({ level: 'silent' })); // as the server does at start
      const warmMs = performance.now() - warmStarted;
      return { warm: await measure(conn, repos, auth, cache, runIds), warmMs, bytes: cache.stats().bytes };
    })();
    const cold = await measure(conn, repos, auth, createSeriesCache(repos.series), runIds);
    const line = (name: string, f: Figures) =>
      `${name.padEnd(22)} p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  max ${ms(f.max)}  total ${ms(f.total)}  event loop blocked up to ${ms(f.loopMax)}`;
    console.log(
      `${RUNS} viewers × ${VIEWS.length} /series requests (${DEFAULT_CHART_FIELDS.length} fields; full, zoomed, full, zoomed, full), ${RUNS} runs:`,
    );
    console.log(line('before (fresh reads)', before));
    console.log(line('after, cold cache', cold));
    console.log(line('after, warm cache', warm));
    console.log(
      `warm-up: ${RUNS} runs in ${ms(warmMs)} (a page per turn), ${(bytes / 2 ** 20).toFixed(0)} MiB held; ` +
        `p99 warm/before ${(warm.p99 / before.p99).toFixed(3)}×, total warm/before ${(warm.total / before.total).toFixed(3)}×; ` +
        `target p99 300 ms → ${(warm.p99 / 300).toFixed(2)}× the budget (cold: ${(cold.p99 / 300).toFixed(2)}×)`,
    );
  } finally {
    conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One synthetic log imported as RUNS runs (a copy per run: each run has its own file). */
async function importRuns(conn: OpenDatabase, dir: string): Promise<number[]> {
  const original = join(dir, 'main_log.txt');
  const written = writeSyntheticLog(original, LINES);
  const started = performance.now();
  const ids: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    const path = join(dir, `run-${k}`, 'main_log.txt');
    mkdirSync(join(dir, `run-${k}`));
    copyFileSync(original, path);
    ids.push((await importLogFile({ conn, runName: `tr11-176B-ml-${k}`, path })).runId);
  }
  console.log(
    `runs: ${RUNS} × ${written.iterationLines} iteration lines, imported in ${ms(performance.now() - started)}; ` +
      `${cpus().length} CPUs, load ${loadavg()[0]?.toFixed(2)}`,
  );
  return ids;
}

/** RUNS viewers at once, viewer k asking for run k's VIEWS in a row, over a fresh HTTP server. */
async function measure(
  conn: OpenDatabase,
  repos: Repositories,
  auth: TestAuth,
  series: SeriesSource,
  runIds: number[],
): Promise<Figures> {
  const app = createApp({ conn, repos, series, logger: pino({ level: 'silent' }), authContext: auth.ctx });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const headers = auth.headers('viewer');
  const fields = DEFAULT_CHART_FIELDS.join(',');
  const loop = monitorEventLoopDelay({ resolution: 5 });
  try {
    loop.enable();
    const { latencies, total } = await viewersInWorker({
      base,
      headers,
      fields,
      runIds,
      views: VIEWS,
      last: LAST_ITERATION,
    });
    loop.disable();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number;
    return { p50: at(0.5), p99: at(0.99), max: latencies.at(-1) as number, total, loopMax: loop.max / 1e6 };
  } finally {
    await new Promise((r) => server.close(r));
  }
}

/**
 * The viewers run in a worker thread: their fetches and body reads do not share the server's event loop, so the
 * figures are the server's. Viewer k asks for run k's views one after another; all viewers start at once.
 */
function viewersInWorker(job: {
  base: string;
  headers: Record<string, string>;
  fields: string;
  runIds: number[];
  views: ([number, number] | null)[];
  last: number;
}): Promise<{ latencies: number[]; total: number }> {
  const code = `
    const { parentPort, workerData: j } = require('node:worker_threads');
    const latencies = [];
    const started = performance.now();
    const viewer = async (runId) => {
      for (const view of j.views) {
        const range = view ? '&from=' + Math.round(view[0] * j.last) + '&to=' + Math.round(view[1] * j.last) : '';
        const t = performance.now();
        const res = await fetch(j.base + '/api/runs/' + runId + '/series?fields=' + j.fields + range, { headers: j.headers });
        if (!res.ok) throw new Error('series ' + runId + ': HTTP ' + res.status);
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
      }
    };
    Promise.all(j.runIds.map(viewer)).then(() => parentPort.postMessage({ latencies, total: performance.now() - started }));`;
  const worker = new Worker(code, { eval: true, workerData: job });
  return new Promise((resolve, reject) => {
    worker.once('message', (figures: { latencies: number[]; total: number }) => {
      resolve(figures);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function ms(v: number): string {
  return `${v.toFixed(0)} ms`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
