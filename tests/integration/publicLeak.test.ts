// Issue 12's leak test: sentinel strings planted in every private field (publicLeakPlant.ts), the run published,
// then every public response fetched (the page, its JSON, the PNG's chunks and inflated pixels, badge, widget, CSS,
// script, 404s, response headers, the /public socket's ack and live snapshots after new sentinels were appended):
// no `zqx` and no job id may appear; with showNodes, only node names may. A self-check proves the sentinels are
// in the private responses, so the scan would fail if the public side copied any of them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_NAMESPACE, type PublicSubscribeAck } from '@trainboard/shared/public/publicRealtime';
import { PUBLIC_SCRIPT_PATH, publicPagePath, publicSnapshotPath } from '@trainboard/shared/public/paths';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { localFiles } from '../../server/src/follow/localFiles.js';
import { startServerStack, type ServerStack } from '../../server/src/stack.js';
import {
  NODE_NAME,
  NUMERIC_JOB_ID,
  plantPrivateRun,
  SENTINEL_PREFIX,
  SENTINELS,
  type PlantedRun,
  type SentinelName,
} from './publicLeakPlant.js';

const WEB_DIST = resolve(import.meta.dirname, '../../web/dist');
const SLUG = 'open-model-7b';
const TITLE = 'Open model 7B';
const PROCESS_ENV_KEY = 'TRAINBOARD_LEAK_TEST_SECRET';

let dir: string;
let stack: ServerStack;
let base: string;
let run: PlantedRun;

/** One response (or socket payload) as text: bytes read as latin1, so every ASCII sentinel is found in binaries. */
interface Captured {
  what: string;
  text: string;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trainboard-leak-'));
  process.env[PROCESS_ENV_KEY] = SENTINELS.processEnv;
  stack = await startServerStack({
    dbPath: join(dir, 'trainboard.db'),
    files: localFiles(),
    logger: pino({ level: 'silent' }),
    scanMs: 100,
    control: false,
    // Many public requests from one address in a minute: the per-IP limiter is B's test, not this one's.
    edge: { publicLimitPerMinute: 1_000_000 },
    ...(existsSync(join(WEB_DIST, 'index.html')) ? { webDir: WEB_DIST } : {}),
  });
  base = stack.url.replace(/\/$/, '');
  run = plantPrivateRun({ conn: stack.conn, authContext: stack.authContext, dir });
  await until(async () => (await overview()).latest?.iteration === run.lastIteration, 'the log is ingested');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  delete process.env[PROCESS_ENV_KEY];
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bearer = (who: keyof PlantedRun['tokens']) => ({ authorization: `Bearer ${run.tokens[who]}` });

async function overview(): Promise<{ latest: { iteration: number } | null }> {
  const res = await fetch(`${base}/api/runs/${run.runId}/overview`, { headers: bearer('admin') });
  return (await res.json()) as { latest: { iteration: number } | null };
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Publishes (or re-publishes) the run the way an operator does: A's REST route, as the publisher. */
async function publish(showNodes: boolean): Promise<void> {
  const res = await fetch(`${base}/api/runs/${run.runId}/publication`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...bearer('publisher') },
    body: JSON.stringify({ slug: SLUG, title: TITLE, description: 'A public training run.', showNodes }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  await until(() => stack.publicSnapshots.get(SLUG)?.showNodes === showNodes, 'the snapshot is built');
}

async function fetchSnapshot(): Promise<PublicSnapshot | null> {
  const res = await fetch(base + publicSnapshotPath(SLUG));
  return res.ok ? ((await res.json()) as PublicSnapshot) : null;
}

const headerText = (res: Response) => [...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n');

/** GET as an anonymous reader: status line, headers and body bytes; a PNG's chunks are checked and inflated. */
async function capture(path: string, init: RequestInit = {}): Promise<Captured[]> {
  const res = await fetch(base + path, { redirect: 'manual', ...init });
  const bytes = Buffer.from(await res.arrayBuffer());
  const out: Captured[] = [
    { what: `${path} headers`, text: `${res.status}\n${headerText(res)}` },
    { what: `${path} body`, text: bytes.toString('latin1') },
  ];
  if ((res.headers.get('content-type') ?? '').startsWith('image/png')) out.push(...pngParts(path, bytes));
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_ALLOWED_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND']);

/** The PNG's chunk types (only image data may be there: no tEXt/iTXt/zTXt/eXIf…) and its inflated pixel stream. */
function pngParts(path: string, png: Buffer): Captured[] {
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE), `${path} is a PNG`).toBe(true);
  const types: string[] = [];
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    types.push(type);
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  expect(
    types.filter((t) => !PNG_ALLOWED_CHUNKS.has(t)),
    `${path}: chunks besides image data`,
  ).toEqual([]);
  expect(types.at(-1)).toBe('IEND');
  return [{ what: `${path} inflated IDAT`, text: inflateSync(Buffer.concat(idat)).toString('latin1') }];
}

/** Every public HTTP response: the page's views, conditional requests, the shared assets and not-found answers. */
async function publicHttp(): Promise<Captured[]> {
  const page = publicPagePath(SLUG);
  const snapshot = await fetch(base + publicSnapshotPath(SLUG));
  const etag = snapshot.headers.get('etag') ?? '"none"';
  const paths = [
    page,
    `${page}/`,
    publicSnapshotPath(SLUG),
    `${page}/loss.png`,
    `${page}/badge.svg`,
    `${page}/widget.svg`,
    '/p/public.css',
    `${page}/nosuchthing`,
    publicPagePath('no-such-run'),
    publicSnapshotPath('no-such-run'),
    `${publicPagePath('no-such-run')}/loss.png`,
    `${publicPagePath('no-such-run')}/badge.svg`,
    `/p/${encodeURIComponent(SENTINELS.runName)}`,
    `/p/${run.runId}`,
    '/p-assets/nosuch.js',
    '/p',
    '/p/',
    '/p/%E0%A4%A', // a malformed escape: the error page too
    `/p/${'a'.repeat(300)}`,
    `${page}/snapshot.json/..%2f..%2fapi%2fruns`,
  ];
  if (existsSync(join(WEB_DIST, 'p-assets', 'public.js'))) paths.push(PUBLIC_SCRIPT_PATH);
  const out: Captured[] = [];
  for (const path of paths) out.push(...(await capture(path)));
  out.push(...(await capture(publicSnapshotPath(SLUG), { headers: { 'if-none-match': etag } })));
  out.push(...(await capture(page, { method: 'HEAD' })));
  return out;
}

/** Sockets of the /public namespace: the subscribe ack, and live snapshots until one holds `iteration`. */
function publicSocket(): { socket: Socket; payloads: Captured[]; ack: Promise<PublicSubscribeAck> } {
  const payloads: Captured[] = [];
  const socket = connect(base + PUBLIC_NAMESPACE, { transports: ['websocket'], reconnection: false });
  socket.onAny((event: string, ...args: unknown[]) =>
    payloads.push({ what: `socket event ${event}`, text: JSON.stringify(args) }),
  );
  const ack = new Promise<PublicSubscribeAck>((resolveAck) => {
    socket.emit('subscribe', { slug: SLUG }, (answer: PublicSubscribeAck) => {
      payloads.push({ what: 'socket subscribe ack', text: JSON.stringify(answer) });
      resolveAck(answer);
    });
  });
  return { socket, payloads, ack };
}

/** Whether a live `snapshot` event says the run reached `iteration`. */
function sawIteration(payloads: readonly Captured[], iteration: number): boolean {
  return payloads.some(
    (p) =>
      p.what === 'socket event snapshot' &&
      ((JSON.parse(p.text) as [PublicSnapshot])[0].progress.iteration ?? 0) >= iteration,
  );
}

/** The sentinels (by name) and job ids found in the captured texts; with `allowNodes`, node names are not leaks. */
function leaks(captured: readonly Captured[], allowNodes: boolean): string[] {
  const byValue = new Map(Object.entries(SENTINELS).map(([k, v]) => [v, k as SentinelName]));
  const found: string[] = [];
  for (const c of captured) {
    let text = c.text.toLowerCase();
    if (allowNodes) text = text.replace(NODE_NAME, '');
    for (let at = text.indexOf(SENTINEL_PREFIX); at !== -1; at = text.indexOf(SENTINEL_PREFIX, at + 1)) {
      const word = /^[a-z0-9]+/.exec(text.slice(at))?.[0] ?? '';
      found.push(`${c.what}: ${byValue.get(word as never) ?? word} (…${text.slice(Math.max(0, at - 40), at + 40)}…)`);
    }
    if (text.includes(NUMERIC_JOB_ID)) found.push(`${c.what}: the numeric job id ${NUMERIC_JOB_ID}`);
  }
  return found;
}

/** The private views of the run (as its admin), the database's bytes and the planted log file. */
async function privateSources(): Promise<Captured[]> {
  const id = run.runId;
  const paths = [
    `/api/runs/${id}/overview`,
    `/api/runs/${id}/jobs`,
    `/api/runs/${id}/annotations`,
    `/api/runs/${id}/log`,
    '/api/run-summaries',
    '/api/clusters',
    `/api/audit?runId=${id}`,
    '/api/users',
    '/api/tokens',
  ];
  const out: Captured[] = [];
  for (const path of paths) {
    const res = await fetch(base + path, { headers: bearer('admin') });
    out.push({ what: `private ${path}`, text: await res.text() });
  }
  out.push({ what: 'database', text: stack.conn.sqlite.serialize().toString('latin1') });
  out.push({ what: 'log file', text: readFileSync(run.logPath, 'latin1') });
  out.push({ what: 'process environment', text: JSON.stringify(process.env) });
  return out;
}

describe('the public page leaks nothing private', () => {
  it('self-check: every sentinel is planted, and the private views show them (the scan can fail)', async () => {
    run.append(5, true); // the late sentinels too, so the live case scans for planted strings
    await until(async () => (await overview()).latest?.iteration === run.lastIteration, 'the append is ingested');
    const sources = await privateSources();
    const all = sources.map((s) => s.text.toLowerCase()).join('\n');
    const missing = Object.entries(SENTINELS).filter(([, v]) => !all.includes(v));
    expect(missing).toEqual([]);
    const view = (path: string) => sources.find((s) => s.what === `private ${path}`)!.text;
    // The authenticated run page's data carries the private name, the job id and node names.
    const overviewText = view(`/api/runs/${run.runId}/overview`);
    for (const s of [SENTINELS.runName, NUMERIC_JOB_ID, SENTINELS.nodeB]) expect(overviewText).toContain(s);
    expect(view(`/api/runs/${run.runId}/jobs`)).toContain(`${SENTINELS.jobIdString}_7`);
    expect(view('/api/clusters')).toContain(SENTINELS.clusterHost);
    expect(view(`/api/runs/${run.runId}/log`)).toContain(SENTINELS.tracebackText);
    // And the scanner finds them there: the same check that must pass on the public side fails here.
    expect(leaks(sources, false).length).toBeGreaterThan(Object.keys(SENTINELS).length);
    expect(leaks(sources, true).some((l) => l.includes('runName'))).toBe(true);
  });

  it('showNodes off: no sentinel, node name or job id in any public response or socket payload', async () => {
    await publish(false);
    const live = publicSocket();
    const ack = await live.ack;
    expect(ack.ok).toBe(true);
    const http = await publicHttp();
    // Self-check of the public side: the responses are the real page, not errors.
    const body = (what: string) => http.find((c) => c.what === `${what} body`)!.text;
    const script = http.find((c) => c.what === `${PUBLIC_SCRIPT_PATH} headers`);
    if (script) expect(script.text).toMatch(/^200/); // the public bundle, when web/dist is built
    expect(body(publicPagePath(SLUG))).toContain(TITLE);
    const published = JSON.parse(body(publicSnapshotPath(SLUG))) as PublicSnapshot;
    expect([published.slug, published.title.startsWith(TITLE)]).toEqual([SLUG, true]);
    // New private lines (a failure with new sentinels, new iterations) reach the viewers as a live snapshot.
    const target = run.append(10, true);
    await until(() => sawIteration(live.payloads, target), 'a live snapshot with the appended iteration');
    const after = await publicHttp();
    live.socket.close();
    const captured = [...http, ...after, ...live.payloads];
    expect(captured.filter((c) => c.what.endsWith('loss.png inflated IDAT')).length).toBe(2);
    expect(captured.filter((c) => c.what === 'socket event snapshot').length).toBeGreaterThan(0);
    expect(leaks(captured, false)).toEqual([]);
  });

  it('showNodes on: node names may appear, and nothing else', async () => {
    await publish(true);
    const live = publicSocket();
    expect((await live.ack).ok).toBe(true);
    const target = run.append(10, true);
    await until(() => sawIteration(live.payloads, target), 'a live snapshot with the appended iteration');
    const captured = [...(await publicHttp()), ...live.payloads];
    expect(leaks(captured, true)).toEqual([]);
    // The opt-in is exercised: the timeline names the run's nodes.
    const snapshot = (await fetchSnapshot())!;
    expect(snapshot.timeline.map((e) => e.text).join(' ')).toMatch(NODE_NAME);
    // Unpublished: the viewers are told, and every public URL is a not-found that says nothing either.
    const res = await fetch(`${base}/api/runs/${run.runId}/publication`, {
      method: 'DELETE',
      headers: bearer('publisher'),
    });
    expect(res.status).toBeLessThan(300);
    await until(() => live.payloads.some((p) => p.what === 'socket event unpublished'), 'the unpublished event');
    live.socket.close();
    const gone = await publicHttp();
    expect(gone.find((c) => c.what === `${publicSnapshotPath(SLUG)} headers`)?.text).toMatch(/^404/);
    expect(leaks(gone, false)).toEqual([]);
    expect(leaks(live.payloads, true)).toEqual([]); // the earlier snapshots of this case may name nodes
  });
});
