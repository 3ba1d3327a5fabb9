// `npm run bench -- public`: issue 12's public page under load, on loopback, against the real server stack (HTTP +
// socket.io + the follower, in a child process so its CPU and RSS are its own) with one published live run
// (~20k iterations, so the loss curve is at its full downsampled size):
//  - HTTP requests per second of the snapshot (200, and 304 revalidating with the newest ETag) and of the page,
//    against the private run page's data (GET /api/runs/:id/overview and /series as a viewer), with the server's
//    CPU% and RSS, from a keep-alive client loop in another process; also per second of the server's own CPU time,
//    which depends less on what else the shared cores run. Ratios printed.
//  - 2,000 concurrent socket.io-client viewers of the /public namespace (several client processes; each address of
//    127.0.0.2… holds at most PER_ADDRESS sockets, under the server's default per-address cap of 50: the server keeps
//    its production socket limits, only its TCP connection cap and the per-address HTTP limiters are raised). Lines
//    are appended to the run's log and each viewer's latency is the time from a line's append to its receipt of a
//    snapshot that contains it: p50, p99, max, how many viewers received every line, and per line the first viewer's
//    latency (the server's pipeline) and the spread to the last (the fan-out and the client processes' own turns).
//    Two cadences: sparse (a line every 1.2–1.8 s; real iterations come far slower than the once-a-second rebuild)
//    and dense (4 lines a second: the rebuild's trailing wait shows). Target p99 < 1 s.
// Reports, never asserts.
//
// Usage: npm run bench -- public   (BENCH_PUBLIC_VIEWERS=500 for a smaller run)
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { DEFAULT_CHART_FIELDS } from '@trainboard/shared/metrics/chartFields';
import { io as connect, type Socket } from 'socket.io-client';
import { PUBLIC_NAMESPACE, type PublicSubscribeAck } from '@trainboard/shared/public/publicRealtime';
import { publicPagePath, publicSnapshotPath } from '@trainboard/shared/public/paths';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { openDatabase } from '../../server/src/db/client.js';
import { localFiles } from '../../server/src/follow/localFiles.js';
import { registerFollowedFile } from '../../server/src/follow/followedSources.js';
import { startServerStack } from '../../server/src/stack.js';
import { createTestAuth } from '../../server/src/testing/testAuth.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SELF = 'scripts/bench/public.ts';
const VIEWERS = Number(process.env.BENCH_PUBLIC_VIEWERS ?? 2_000);
const VIEWER_PROCESSES = 4;
/** Sockets per client address: under the /public namespace's default cap of 50 per IP. */
const PER_ADDRESS = 45;
const INITIAL_ITERATIONS = 20_000;
const TRAIN_ITERS = 200_000;
const SLUG = 'bench-run';
const HTTP_SECONDS = 6;
/** A first viewer later than this means the line waited for a rebuild slot (at most one rebuild a second). */
const WAITED_MS = 300;
/** Unmeasured requests before each case (JIT, caches). */
const WARM_UP_SECONDS = 1;
const HTTP_CONNECTIONS = 16;

/** Wall-clock milliseconds with sub-ms resolution, comparable across the processes of this machine. */
const now = () => performance.timeOrigin + performance.now();

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-public-'));
  try {
    const prep = prepare(dir);
    const server = await startServer(prep.dbPath);
    try {
      await publish(server.url, prep);
      console.log(
        `one published run (${INITIAL_ITERATIONS} iterations, snapshot ${await snapshotBytes(server.url)} bytes); ` +
          `${cpus().length} CPUs, load ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
      );
      // HTTP first: after the live case the server is still closing 2,000 sockets, which would slow the first case.
      await httpFigures(server, prep);
      await liveFigures(server, prep);
      console.log(
        `load average at the end: ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
    } finally {
      await stopServer(server.proc);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Prepared {
  dbPath: string;
  logPath: string;
  runId: number;
  operator: Record<string, string>;
  viewer: Record<string, string>;
  /** The last iteration in the log. */
  last: number;
}

function iterationLine(i: number): string {
  const samples = i * 512;
  const loss = (2 + 8 / Math.sqrt(i + 1)).toExponential(6).toUpperCase();
  return (
    `[default7]: iteration ${String(i).padStart(8)}/${String(TRAIN_ITERS).padStart(8)} | consumed samples: ${String(samples).padStart(12)} | ` +
    `consumed tokens: ${String(samples * 2048).padStart(14)} | elapsed time per iteration (s): 1.25 | learning rate: 6.000E-05 | ` +
    `global batch size:   512 | lm loss: ${loss} | grad norm: 0.512 | num zeros: 0.0 | number of skipped iterations:   0 | ` +
    `number of nan iterations:   0 | samples per second: 409.600 | TFLOPs: 123.45 |`
  );
}

function validationLines(i: number): string[] {
  const v = (2.1 + 8 / Math.sqrt(i + 1)).toExponential(6).toUpperCase();
  return [`[default7]:valid loss at iteration ${i} | lm loss value: ${v} | lm loss PPL: 1.015953E+01 | `];
}

/** The database with the run followed from its log (read by the server at start), and the tokens the bench uses. */
function prepare(dir: string): Prepared {
  const dbPath = join(dir, 'bench.db');
  const logPath = join(dir, 'main_log.txt');
  const lines = [
    '[default0]:using world size: 16, data-parallel-size: 16, tensor-model-parallel size: 1, pipeline-model-parallel size: 1 ',
    `[default0]:setting training iterations to ${TRAIN_ITERS}`,
    '[default0]:training ...',
  ];
  for (let i = 1; i <= INITIAL_ITERATIONS; i++)
    lines.push(iterationLine(i), ...(i % 500 === 0 ? validationLines(i) : []));
  writeFileSync(logPath, lines.join('\n') + '\n');
  const conn = openDatabase(dbPath);
  try {
    const runId = registerFollowedFile(conn.db, 'bench-private-run', logPath).runId;
    const auth = createTestAuth(conn);
    return {
      dbPath,
      logPath,
      runId,
      operator: auth.headers('operator'),
      viewer: auth.headers('viewer'),
      last: INITIAL_ITERATIONS,
    };
  } finally {
    conn.close();
  }
}

/** The server stack in a child process (this file with --serve). */
async function startServer(dbPath: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve', dbPath], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^url (\S+)$/m.exec(out);
      if (m) resolveUrl((m[1] as string).replace(/\/$/, ''));
    });
    proc.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
  return { proc, url };
}

async function serve(dbPath: string): Promise<void> {
  // Production limits, except: more TCP connections (2,000 viewers + the HTTP load), and no per-address request
  // limiters (/api 600/min, /p 300/min): from one address their budget would be what the req/s figures measure.
  // The socket namespace keeps its per-IP cap (the viewers come from many loopback addresses).
  const stack = await startServerStack({
    dbPath,
    files: localFiles(),
    logger: pino({ level: 'warn' }),
    port: 0,
    maxConnections: 8_192,
    edge: { apiLimitPerMinute: 100_000_000, publicLimitPerMinute: 100_000_000 },
  });
  console.log(`url ${stack.url}`);
  process.once('SIGTERM', () => void stack.stop().then(() => process.exit(0)));
}

async function stopServer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function publish(url: string, prep: Prepared): Promise<void> {
  const end = Date.now() + 60_000;
  // The follower reads the initial log first: wait for its last iteration.
  for (;;) {
    const res = await fetch(`${url}/api/runs/${prep.runId}/overview`, { headers: prep.viewer });
    const body = (await res.json()) as { latest?: { iteration: number } | null };
    if (body.latest?.iteration === prep.last) break;
    if (Date.now() > end) throw new Error('the log was not ingested in 60 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  const res = await fetch(`${url}/api/runs/${prep.runId}/publication`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...prep.operator },
    body: JSON.stringify({ slug: SLUG, title: 'Bench run', description: null, showNodes: false }),
  });
  if (!res.ok) throw new Error(`publishing failed: HTTP ${res.status} ${await res.text()}`);
  while (!(await fetch(url + publicSnapshotPath(SLUG))).ok) {
    if (Date.now() > end) throw new Error('no public snapshot 60 s after publishing');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function snapshotBytes(url: string): Promise<number> {
  return (await (await fetch(url + publicSnapshotPath(SLUG))).arrayBuffer()).byteLength;
}

// ---- live: 2,000 socket viewers ----

interface ViewerJob {
  url: string;
  slug: string;
  count: number;
  /** The first client address index (127.0.0.<2 + index>). */
  firstAddress: number;
}

/** What one viewer process reports: per socket, the (iteration, received at) of every `snapshot` event. */
interface ViewerReport {
  received: Array<Array<[number, number]>>;
  subscribed: number;
  failed: number;
  disconnected: number;
}

type ViewerMessage = { type: 'ready'; subscribed: number; failed: number } | ({ type: 'report' } & ViewerReport);

async function liveFigures(server: { proc: ChildProcess; url: string }, prep: Prepared): Promise<void> {
  const perProcess = Math.ceil(VIEWERS / VIEWER_PROCESSES);
  const addressesPerProcess = Math.ceil(perProcess / PER_ADDRESS);
  const rss = rssSampler(server.proc.pid);
  const connectStarted = now();
  const procs = Array.from({ length: VIEWER_PROCESSES }, (_, k) =>
    startViewers({
      url: server.url,
      slug: SLUG,
      count: Math.min(perProcess, VIEWERS - k * perProcess),
      firstAddress: k * addressesPerProcess,
    }),
  );
  const ready = await Promise.all(procs.map((p) => p.ready));
  const subscribed = ready.reduce((a, r) => a + r.subscribed, 0);
  console.log(
    `viewers: ${subscribed}/${VIEWERS} subscribed (${ready.reduce((a, r) => a + r.failed, 0)} failed) in ` +
      `${ms(now() - connectStarted)} from ${VIEWER_PROCESSES} processes, ≤ ${PER_ADDRESS} per address ` +
      `(127.0.0.2–127.0.0.${1 + VIEWER_PROCESSES * addressesPerProcess}); server RSS ${rss.current().toFixed(0)} MB`,
  );
  const cpu = cpuMeter(server.proc.pid);
  const sparse = await appendLines(prep, 20, () => 1_200 + Math.random() * 600);
  const sparseCpu = cpu.percent();
  const dense = await appendLines(prep, 40, () => 250);
  const denseCpu = cpu.percent();
  await new Promise((r) => setTimeout(r, 2_500)); // the last line's snapshot
  const reports = await Promise.all(procs.map((p) => p.report()));
  rss.stop();
  for (const [name, appended, cpuPercent] of [
    ['sparse (a line every 1.2–1.8 s)', sparse, sparseCpu],
    ['dense (4 lines a second)', dense, denseCpu],
  ] as const) {
    const f = latencies(reports, appended);
    console.log(
      `${name.padEnd(32)} ${appended.length} lines × ${subscribed} viewers: p50 ${ms(f.p50)}  p99 ${ms(f.p99)}  ` +
        `max ${ms(f.max)}; ${f.allLines}/${subscribed} viewers received every line (${f.missing} line receipts ` +
        `missing); server CPU ${cpuPercent.toFixed(0)}%; target p99 1 s → ${(f.p99 / 1000).toFixed(2)}×`,
    );
    console.log(
      `${''.padEnd(32)} of which: first viewer per line p50 ${ms(f.firstViewer.p50)} max ${ms(f.firstViewer.max)} ` +
        `(append → follow → ingest → rebuild → broadcast; ${f.waited} lines waited for the next rebuild slot); ` +
        `first-to-last viewer p50 ${ms(f.spread.p50)} ` +
        `max ${ms(f.spread.max)} (fan-out and the client processes' turns)`,
    );
  }
  const disconnected = reports.reduce((a, r) => a + r.disconnected, 0);
  console.log(
    `server RSS peak ${rss.peak().toFixed(0)} MB with the viewers connected; ${disconnected} viewers dropped`,
  );
}

/** Appends `count` iteration lines at the given gaps; returns each line's iteration and append time. */
async function appendLines(prep: Prepared, count: number, gap: () => number): Promise<Array<[number, number]>> {
  const appended: Array<[number, number]> = [];
  for (let k = 0; k < count; k++) {
    await new Promise((r) => setTimeout(r, gap()));
    prep.last++;
    appendFileSync(prep.logPath, iterationLine(prep.last) + '\n');
    appended.push([prep.last, now()]);
  }
  return appended;
}

/** Per (viewer, line): the first snapshot at or past the line's iteration, minus the line's append time. */
function latencies(reports: ViewerReport[], appended: Array<[number, number]>): LatencyFigures {
  const values: number[] = [];
  // Per line: the first viewer's latency (the server's pipeline: follow, ingest, rebuild, broadcast) and the spread
  // to its last viewer (the fan-out, and the client processes' own turns on this shared machine).
  const firsts = appended.map(() => Infinity);
  const lasts = appended.map(() => -Infinity);
  let allLines = 0;
  let missing = 0;
  for (const received of reports.flatMap((r) => r.received)) {
    if (received.length === 0) continue; // a viewer that never subscribed is counted in "subscribed"
    let complete = true;
    appended.forEach(([iteration, at], k) => {
      const first = received.find(([it, t]) => it >= iteration && t >= at);
      if (!first) return void ((complete = false), missing++);
      const latency = first[1] - at;
      values.push(latency);
      firsts[k] = Math.min(firsts[k] as number, latency);
      lasts[k] = Math.max(lasts[k] as number, latency);
    });
    if (complete) allLines++;
  }
  const spreads = lasts.map((l, k) => l - (firsts[k] as number)).filter(Number.isFinite);
  return {
    ...quantiles(values),
    firstViewer: quantiles(firsts.filter(Number.isFinite)),
    waited: firsts.filter((f) => f > WAITED_MS).length,
    spread: quantiles(spreads),
    allLines,
    missing,
  };
}

interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

interface LatencyFigures extends Quantiles {
  firstViewer: Quantiles;
  /** Lines whose first viewer waited past WAITED_MS: they came within a second of a rebuild and waited for the next. */
  waited: number;
  spread: Quantiles;
  allLines: number;
  missing: number;
}

function quantiles(unsorted: number[]): Quantiles {
  const values = [...unsorted].sort((a, b) => a - b);
  const q = (p: number) => values[Math.min(values.length - 1, Math.ceil(p * values.length) - 1)] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), max: values.at(-1) ?? NaN };
}

function startViewers(job: ViewerJob): {
  ready: Promise<{ subscribed: number; failed: number }>;
  report(): Promise<ViewerReport>;
} {
  const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--viewers', JSON.stringify(job)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = (type: ViewerMessage['type']) =>
    new Promise<ViewerMessage>((resolveMessage, reject) => {
      const onMessage = (m: ViewerMessage) => {
        if (m.type !== type) return;
        proc.off('message', onMessage);
        resolveMessage(m);
      };
      proc.on('message', onMessage);
      proc.once('exit', (code) => reject(new Error(`a viewer process exited (${code})`)));
    });
  return {
    ready: next('ready') as Promise<{ subscribed: number; failed: number }>,
    async report() {
      const report = next('report');
      proc.send('report');
      return (await report) as ViewerReport;
    },
  };
}

/** A viewer process: `count` sockets, opened 50 at a time, each subscribed to the slug. */
async function viewers(job: ViewerJob): Promise<void> {
  const sockets: Socket[] = [];
  const received: Array<Array<[number, number]>> = [];
  let subscribed = 0;
  let failed = 0;
  let disconnected = 0;
  const openOne = (i: number) =>
    new Promise<void>((done) => {
      const mine: Array<[number, number]> = [];
      received.push(mine);
      const socket = connect(job.url + PUBLIC_NAMESPACE, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        localAddress: `127.0.0.${2 + job.firstAddress + Math.floor(i / PER_ADDRESS)}`,
      } as Parameters<typeof connect>[1]);
      sockets.push(socket);
      socket.on('snapshot', (s: PublicSnapshot) => mine.push([s.progress.iteration ?? -1, now()]));
      socket.once('connect_error', () => (failed++, done()));
      socket.once('connect', () =>
        socket.emit('subscribe', { slug: job.slug }, (ack: PublicSubscribeAck) => {
          if (ack.ok) subscribed++;
          else failed++;
          socket.once('disconnect', () => disconnected++);
          done();
        }),
      );
    });
  for (let i = 0; i < job.count; i += 50)
    await Promise.all(Array.from({ length: Math.min(50, job.count - i) }, (_, k) => openOne(i + k)));
  process.send?.({ type: 'ready', subscribed, failed } satisfies ViewerMessage);
  process.on('message', () => {
    process.send?.({ type: 'report', received, subscribed, failed, disconnected } satisfies ViewerMessage, () => {
      for (const s of sockets) s.close();
      process.exit(0);
    });
  });
}

// ---- HTTP: requests per second ----

interface HttpCase {
  name: string;
  path: string;
  headers: Record<string, string>;
  /** Send If-None-Match with the last ETag seen, as a browser or CDN revalidating does (304 while unchanged). */
  revalidate?: boolean;
}

async function httpFigures(server: { proc: ChildProcess; url: string }, prep: Prepared): Promise<void> {
  const cases: HttpCase[] = [
    { name: 'public snapshot.json', path: publicSnapshotPath(SLUG), headers: {} },
    { name: 'public snapshot.json (304)', path: publicSnapshotPath(SLUG), headers: {}, revalidate: true },
    { name: 'public page HTML', path: publicPagePath(SLUG), headers: {} },
    { name: 'private /overview', path: `/api/runs/${prep.runId}/overview`, headers: prep.viewer },
    {
      name: 'private /series (chart)',
      path: `/api/runs/${prep.runId}/series?fields=${DEFAULT_CHART_FIELDS.join(',')}`,
      headers: prep.viewer,
    },
  ];
  console.log(
    `HTTP: ${HTTP_CONNECTIONS} keep-alive connections for ${HTTP_SECONDS} s per case, from another process ` +
      `(it shares the 2 cores with the server); the private run page's data asked as a viewer with an API token; ` +
      `load ${loadavg()[0]?.toFixed(2)}`,
  );
  // req/s depends on what else the 2 cores run (the load generator, other processes); requests per second of the
  // server's own CPU time does much less, so the ratios are printed for both.
  const figures = new Map<string, { rps: number; perCpu: number }>();
  // Every case warmed up first (JIT, caches, the snapshot's bodies), so the first measured one is not the server's
  // first busy second.
  for (const c of cases) await loadLoop(server.url + c.path, c.headers, c.revalidate ?? false, WARM_UP_SECONDS);
  for (const c of cases) {
    const rss = rssSampler(server.proc.pid);
    const cpu = cpuMeter(server.proc.pid);
    const r = await loadLoop(server.url + c.path, c.headers, c.revalidate ?? false, HTTP_SECONDS);
    const cpuPercent = cpu.percent();
    rss.stop();
    const perCpu = r.rps / (cpuPercent / 100);
    figures.set(c.name, { rps: r.rps, perCpu });
    console.log(
      `${c.name.padEnd(28)} ${r.rps.toFixed(0).padStart(6)} req/s  ${perCpu.toFixed(0).padStart(6)} per server ` +
        `CPU-second  server CPU ${cpuPercent.toFixed(0)}%  RSS peak ${rss.peak().toFixed(0)} MB  ` +
        `${(r.bytes / r.requests / 1024).toFixed(1)} KiB each  statuses ${JSON.stringify(r.statuses)}  ` +
        `load ${loadavg()[0]?.toFixed(1)}`,
    );
  }
  const ratio = (a: string, b: string) => {
    const [x, y] = [figures.get(a), figures.get(b)];
    return x && y ? `${(x.rps / y.rps).toFixed(1)}× (per CPU-second ${(x.perCpu / y.perCpu).toFixed(1)}×)` : 'n/a';
  };
  console.log(`ratios: snapshot.json / private overview ${ratio('public snapshot.json', 'private /overview')}`);
  console.log(`        snapshot.json / private series ${ratio('public snapshot.json', 'private /series (chart)')}`);
  console.log(`        snapshot 304 / 200 ${ratio('public snapshot.json (304)', 'public snapshot.json')}`);
}

/** HTTP_CONNECTIONS keep-alive connections asking `url` in a loop for HTTP_SECONDS, in a child process. */
async function loadLoop(
  url: string,
  headers: Record<string, string>,
  revalidate: boolean,
  seconds: number,
): Promise<{ rps: number; requests: number; bytes: number; statuses: Record<string, number> }> {
  const proc = spawn(
    process.execPath,
    ['-e', LOAD_LOOP, JSON.stringify({ url, headers, revalidate, seconds, connections: HTTP_CONNECTIONS })],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  await new Promise((r) => proc.once('exit', r));
  return JSON.parse(out) as { rps: number; requests: number; bytes: number; statuses: Record<string, number> };
}

// Plain JavaScript (node -e): one http.Agent with keep-alive, `connections` requests in flight at all times; with
// `revalidate`, each request carries the newest ETag answered so far.
const LOAD_LOOP = `
const http = require('node:http');
const job = JSON.parse(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
const statuses = {};
let requests = 0, bytes = 0, stop = false, etag = null;
const started = performance.now();
const one = () => new Promise((done) => {
  const headers = job.revalidate && etag ? { ...job.headers, 'if-none-match': etag } : job.headers;
  const req = http.get(job.url, { agent, headers }, (res) => {
    if (res.headers.etag) etag = res.headers.etag;
    res.on('data', (c) => (bytes += c.length));
    res.on('end', () => { statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; requests++; done(); });
  });
  req.on('error', (e) => { statuses[e.code || 'error'] = (statuses[e.code || 'error'] || 0) + 1; done(); });
});
const loop = async () => { while (!stop) await one(); };
setTimeout(() => (stop = true), job.seconds * 1000);
Promise.all(Array.from({ length: job.connections }, loop)).then(() => {
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ rps: requests / seconds, requests, bytes, statuses }));
  agent.destroy();
});`;

// ---- the server process's CPU and RSS ----

function cpuTicks(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
}

/** CPU% of one process since the meter's start or its last reading (100% = one core; USER_HZ 100). */
function cpuMeter(pid: number | undefined) {
  let ticks = cpuTicks(pid);
  let at = now();
  return {
    percent(): number {
      const t = cpuTicks(pid);
      const n = now();
      const p = ((t - ticks) / 100 / ((n - at) / 1000)) * 100;
      ticks = t;
      at = n;
      return p;
    },
  };
}

function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

function rssSampler(pid: number | undefined) {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return { peak: () => peak, current: () => rssMb(pid), stop: () => clearInterval(timer) };
}

function ms(v: number): string {
  return `${v.toFixed(0)} ms`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mode = process.argv[2];
  if (mode === '--serve') await serve(process.argv[3] as string);
  else if (mode === '--viewers') await viewers(JSON.parse(process.argv[3] as string) as ViewerJob);
  else await run();
}
