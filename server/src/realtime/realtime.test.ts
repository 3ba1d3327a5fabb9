import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import type { Ack, ClientToServerEvents, PointsBatch, ServerToClientEvents } from '@trainboard/shared/realtime';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter, type IngestWriter } from '../ingest/ingestWriter.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { createPublisher, type Publisher } from './publisher.js';
import { socketAuthOf } from './socketAuth.js';
import { attachRealtime, roomEmitters, type RealtimeServer } from './socketServer.js';

const line = (it: number) =>
  `[default7]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | elapsed time per iteration (s): 1.5 | learning rate: 4.014E-05 | global batch size:    16 | lm loss: ${it === 3 ? 'nan' : '2.5E+00'} | grad norm: 0.141 | number of skipped iterations:   0 | number of nan iterations:   0 |\n`;

const PAGE = 4;
const MAX_REPLAY = 30;
let conn: OpenDatabase;
let http: Server;
let io: RealtimeServer;
let url: string;
let publisher: Publisher;
let writer: IngestWriter;
let runId: number;
const parser = createLogParser();
let next = 1;
let auth: TestAuth;

/** Appends `n` iteration lines to the run through the real ingest path, then publishes as the follower does. */
function ingest(n: number): void {
  let text = '';
  for (let i = 0; i < n; i++) text += line(next++);
  writer.commit(parser.push(new TextEncoder().encode(text)), parser.resumePoint);
  publisher.publish(runId);
}

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const batches = new Map<Client, PointsBatch[]>();
async function client(): Promise<Client> {
  const s: Client = connect(url, { transports: ['websocket'], auth: auth.socket('viewer') });
  batches.set(s, []);
  s.on('points', (b) => batches.get(s)!.push(b));
  await new Promise((r) => s.once('connect', () => r(undefined)));
  return s;
}
const subscribe = (s: Client, request: unknown) => new Promise<Ack>((r) => s.emit('subscribe', request as never, r));
const unsubscribe = (s: Client, runId: number) => new Promise<Ack>((r) => s.emit('unsubscribe', { runId }, r));
const settle = () => new Promise((r) => setTimeout(r, 150));
/** Waits until `s` received `n` points (then a little more, so that extra points would show). */
async function received(s: Client, n: number): Promise<void> {
  const end = Date.now() + 10_000;
  while (ids(batches.get(s)!).length < n && Date.now() < end) await settle();
  await settle();
}
const ids = (bs: PointsBatch[]) => bs.flatMap((b) => b.points.map((p) => p.iteration));

beforeAll(async () => {
  conn = openDatabase(':memory:');
  auth = createTestAuth(conn);
  const source = registerFollowedFile(conn.db, 'live', '/logs/main_log.txt');
  runId = source.runId;
  writer = createIngestWriter(conn.sqlite, { runId, logSourceId: source.id }, { timeSource: 'arrival' });
  http = createServer();
  let emit: (runId: number, b: PointsBatch) => void = () => undefined;
  publisher = createPublisher(conn.sqlite, (id, b) => emit(id, b));
  // Bounded sizes: pages of 4 rows, a replay of at most 30, so a few dozen rows exercise every bound.
  io = attachRealtime(http, {
    publisher,
    logger: pino({ level: 'silent' }),
    runExists: (id) => id < 100,
    auth: socketAuthOf(auth.ctx),
    limits: {
      replayPageRows: PAGE,
      maxReplayRows: MAX_REPLAY,
      subscribesPerWindow: 5,
      subscribeWindowMs: 600_000,
      maxRoomsPerSocket: 2,
      maxBufferedBytes: 256 << 10,
      slowChecks: 2,
      bufferCheckMs: 50,
    },
  });
  emit = roomEmitters(io).points;
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  publisher.ensure(runId);
});
afterAll(async () => {
  await io.close();
  conn.close();
});

describe('socket.io stream', () => {
  it('sends each committed batch once to subscribers, with seq chained by prevSeq and NaN kept', async () => {
    const a = await client();
    expect(await subscribe(a, { runId, afterSeq: 0 })).toEqual({ ok: true, seq: 0 });
    ingest(3);
    ingest(2);
    await received(a, 5);
    const got = batches.get(a)!;
    expect(got.map((b) => b.prevSeq)).toEqual([0, got[0]!.seq]);
    expect(ids(got)).toEqual([1, 2, 3, 4, 5]);
    expect(got[0]!.points[2]!.values.lmLoss).toBe('NaN');
    a.close();
  });

  it('replays from the database what a client missed while disconnected, then continues live without a gap', async () => {
    const b = await client();
    expect((await subscribe(b, { runId, afterSeq: 0 })).ok).toBe(true);
    await received(b, 5);
    const lastSeq = batches.get(b)!.at(-1)!.seq; // points 1..5 replayed
    b.close();
    ingest(4); // missed: 6..9
    const again = await client();
    await subscribe(again, { runId, afterSeq: lastSeq });
    ingest(1);
    await received(again, 5);
    const got = batches.get(again)!;
    expect(got[0]).toMatchObject({ replay: true, prevSeq: lastSeq });
    expect(ids(got)).toEqual([6, 7, 8, 9, 10]);
    expect(got[1]!.prevSeq).toBe(got[0]!.seq);
    again.close();
  });

  it('rejects invalid or unknown subscriptions with a code', async () => {
    const c = await client();
    expect(await subscribe(c, { runId: 'x' })).toMatchObject({ ok: false, code: 'invalid_request' });
    expect(await subscribe(c, { runId: 999 })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await subscribe(c, { runId, afterSeq: -1 })).toMatchObject({ ok: false, code: 'invalid_request' });
    ingest(1);
    await settle();
    expect(batches.get(c)).toEqual([]);
    c.close();
  });

  it('replays in pages of bounded size, every point exactly once with seq/prevSeq continuity, even while rows are committed', async () => {
    while (next <= 22) ingest(1);
    const d = await client();
    let committedDuringReplay = false;
    d.on('points', () => {
      // Rows committed while the replay is under way must come exactly once, from the replay or live.
      if (!committedDuringReplay) ingest(3);
      committedDuringReplay = true;
    });
    const ack = await subscribe(d, { runId, afterSeq: 0 });
    expect(ack).toEqual({ ok: true, seq: publisher.seq(runId) });
    ingest(2);
    await received(d, 27);
    const got = batches.get(d)!;
    expect(ids(got)).toEqual(Array.from({ length: 27 }, (_, i) => i + 1));
    expect(got.every((b) => b.points.length <= PAGE)).toBe(true);
    expect(got.filter((b) => b.replay).length).toBeGreaterThanOrEqual(Math.ceil(25 / PAGE));
    got.forEach((b, i) => expect(b.prevSeq).toBe(i === 0 ? 0 : got[i - 1]!.seq));
    expect(got.at(-1)!.replay).toBe(false);
    d.close();
  });

  it('answers resync instead of replaying a client more than the bound behind, and joins no room', async () => {
    while (next <= MAX_REPLAY + 5) ingest(1);
    const e = await client();
    const ack = await subscribe(e, { runId, afterSeq: 0 });
    expect(ack).toEqual({
      ok: false,
      code: 'resync',
      seq: publisher.seq(runId),
      message: expect.stringContaining('REST'),
    });
    ingest(1);
    await settle();
    expect(batches.get(e)).toEqual([]);
    // As the dashboard does after /series: subscribe with the seq it answered, then the stream continues from there.
    const seq = publisher.seq(runId);
    expect(await subscribe(e, { runId, afterSeq: seq })).toEqual({ ok: true, seq });
    ingest(1);
    await received(e, 1);
    expect(batches.get(e)!.map((b) => b.prevSeq)).toEqual([seq]);
    expect(ids(batches.get(e)!)).toEqual([next - 1]);
    e.close();
  });

  it('limits the runs one socket holds and the subscribes it sends per window, with a code', async () => {
    const f = await client();
    expect((await subscribe(f, { runId })).ok).toBe(true);
    expect((await subscribe(f, { runId: 2 })).ok).toBe(true);
    expect(await subscribe(f, { runId: 3 })).toMatchObject({ ok: false, code: 'too_many_rooms' });
    expect((await subscribe(f, { runId })).ok).toBe(true); // a room it already holds does not count twice
    expect((await unsubscribe(f, 2)).ok).toBe(true);
    expect((await subscribe(f, { runId: 3 })).ok).toBe(true); // the fifth subscribe of the window
    expect(await subscribe(f, { runId: 3 })).toMatchObject({ ok: false, code: 'rate_limited' });
    f.close();
    const g = await client(); // the count is per socket
    expect((await subscribe(g, { runId })).ok).toBe(true);
    g.close();
  });

  it('disconnects a socket that stops reading, and keeps streaming to one that reads', async () => {
    const slow = await client();
    const fast = await client();
    expect((await subscribe(slow, { runId })).ok).toBe(true);
    expect((await subscribe(fast, { runId })).ok).toBe(true);
    const slowId = slow.id!;
    expect(io.sockets.sockets.has(slowId)).toBe(true);
    const transport = slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } };
    transport.ws._socket.pause(); // the client stops reading: the kernel's buffers fill, then the server's
    const first = next;
    // Bounded: 60k points (~20 MB of JSON) is far past the kernel's buffers plus the 256 KiB bound.
    for (let n = 0; io.sockets.sockets.has(slowId) && n < 600; n++) {
      ingest(100);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(io.sockets.sockets.has(slowId)).toBe(false);
    await received(fast, next - first);
    expect(ids(batches.get(fast)!)).toEqual(Array.from({ length: next - first }, (_, i) => first + i));
    expect(io.sockets.sockets.has(fast.id!)).toBe(true);
    slow.close();
    fast.close();
  });
});
