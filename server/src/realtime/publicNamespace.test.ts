import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  PublicClientToServer,
  PublicServerToClient,
  PublicSubscribeAck,
} from '@trainboard/shared/public/publicRealtime';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { samplePublicSnapshot } from '@trainboard/shared/testing/publicSnapshot';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import type { PublicChange, PublicEntry, PublicSnapshots } from '../public/ports.js';
import { createTestAuth } from '../testing/testAuth.js';
import { attachPublicNamespace, clientIp, type PublicRealtime } from './publicNamespace.js';
import { createPublisher } from './publisher.js';
import { socketAuthOf } from './socketAuth.js';
import { attachRealtime, type RealtimeServer } from './socketServer.js';

/** An in-memory PublicSnapshots: set() rebuilds a slug, unpublish() removes it, both notify like the real one. */
function fakeSnapshots() {
  const entries = new Map<string, PublicEntry>();
  const listeners = new Set<(c: PublicChange) => void>();
  const notify = (c: PublicChange) => listeners.forEach((l) => l(c));
  const port: PublicSnapshots = {
    get: (slug) => entries.get(slug),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return {
    port,
    listeners,
    set(snapshot: PublicSnapshot) {
      const json = JSON.stringify(snapshot);
      const entry = { snapshot, json, etag: `"${json.length}"`, showNodes: false };
      entries.set(snapshot.slug, entry);
      notify({ slug: snapshot.slug, entry });
    },
    unpublish(slug: string) {
      entries.delete(slug);
      notify({ slug, entry: null });
    },
  };
}

type Client = Socket<PublicServerToClient, PublicClientToServer>;
const PER_IP = 4;
let conn: OpenDatabase;
let http: Server;
let io: RealtimeServer;
let pub: PublicRealtime;
let url: string;
const snapshots = fakeSnapshots();
const open: Client[] = [];

function client(path = '/public'): Client {
  const s: Client = connect(`${url}${path}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  open.push(s);
  return s;
}
const connected = (s: Client) =>
  new Promise<'connected' | string>((r) => {
    s.once('connect', () => r('connected'));
    s.once('connect_error', (e) => r(e.message));
  });
const disconnected = (s: Client) => new Promise<string>((r) => s.once('disconnect', (reason) => r(reason)));
const subscribe = (s: Client, request: unknown) =>
  new Promise<PublicSubscribeAck>((r) => s.emit('subscribe', request as { slug: string }, r));
const nextEvent = <E extends keyof PublicServerToClient>(s: Client, event: E) =>
  new Promise<Parameters<PublicServerToClient[E]>[0]>((r) => s.once(event, ((p: never) => r(p)) as never));

beforeAll(async () => {
  conn = openDatabase(':memory:');
  const auth = createTestAuth(conn);
  http = createServer();
  const logger = pino({ level: 'silent' });
  io = attachRealtime(http, {
    publisher: createPublisher(conn.sqlite, () => undefined),
    logger,
    runExists: () => true,
    auth: socketAuthOf(auth.ctx),
  });
  pub = attachPublicNamespace(io, {
    snapshots: snapshots.port,
    trustProxy: false,
    logger,
    limits: { maxConnectionsPerIp: PER_IP, subscribesPerWindow: 3, subscribeWindowMs: 600_000 },
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  snapshots.set(samplePublicSnapshot({ slug: 'alpha', title: 'Alpha' }));
  snapshots.set(samplePublicSnapshot({ slug: 'beta', title: 'Beta' }));
});
afterAll(async () => {
  for (const s of open) s.close();
  pub.close();
  await io.close();
  conn.close();
});

describe('the /public namespace', () => {
  it('admits an anonymous socket while the default namespace still refuses one', async () => {
    const anonymous = client('/');
    expect(await connected(anonymous)).toBe('unauthorized');
    const viewer = client();
    expect(await connected(viewer)).toBe('connected');
    const ack = await subscribe(viewer, { slug: 'alpha' });
    expect(ack).toEqual({ ok: true, snapshot: snapshots.port.get('alpha')!.snapshot });
    viewer.close();
  });

  it("broadcasts each rebuild to the slug's room only, once per socket", async () => {
    const a = client();
    const b = client();
    await Promise.all([connected(a), connected(b)]);
    await subscribe(a, { slug: 'alpha' });
    await subscribe(b, { slug: 'beta' });
    const gotB: PublicSnapshot[] = [];
    b.on('snapshot', (s) => gotB.push(s));
    const next = nextEvent(a, 'snapshot');
    snapshots.set(samplePublicSnapshot({ slug: 'alpha', title: 'Alpha, rebuilt' }));
    expect((await next).title).toBe('Alpha, rebuilt');
    // beta's viewer hears beta's rebuild and nothing of alpha's.
    const nextB = nextEvent(b, 'snapshot');
    snapshots.set(samplePublicSnapshot({ slug: 'beta', title: 'Beta, rebuilt' }));
    expect((await nextB).title).toBe('Beta, rebuilt');
    expect(gotB.map((s) => s.slug)).toEqual(['beta']);
    a.close();
    b.close();
  });

  it('moves a re-subscribing socket to the new slug (one room at a time)', async () => {
    const s = client();
    await connected(s);
    await subscribe(s, { slug: 'alpha' });
    await subscribe(s, { slug: 'beta' });
    const got: string[] = [];
    s.on('snapshot', (snap) => got.push(snap.slug));
    const next = nextEvent(s, 'snapshot');
    snapshots.set(samplePublicSnapshot({ slug: 'alpha' }));
    snapshots.set(samplePublicSnapshot({ slug: 'beta' }));
    await next;
    expect(got).toEqual(['beta']);
    const sockets = await pub.namespace.fetchSockets();
    const rooms = sockets.find((x) => x.id === s.id)?.rooms;
    expect([...(rooms ?? [])].filter((r) => r.startsWith('pub:'))).toEqual(['pub:beta']);
    s.close();
  });

  it('answers not_found for an unpublished slug and keeps the socket', async () => {
    const s = client();
    await connected(s);
    expect(await subscribe(s, { slug: 'no-such-run' })).toEqual({ ok: false, error: 'not_found' });
    expect(s.connected).toBe(true);
    s.close();
  });

  it('tells the room on unpublish and takes the sockets out of it', async () => {
    snapshots.set(samplePublicSnapshot({ slug: 'gamma' }));
    const s = client();
    await connected(s);
    await subscribe(s, { slug: 'gamma' });
    const gone = nextEvent(s, 'unpublished');
    snapshots.unpublish('gamma');
    expect(await gone).toEqual({ slug: 'gamma' });
    const rooms = (await pub.namespace.fetchSockets()).find((x) => x.id === s.id)?.rooms;
    expect([...(rooms ?? [])].some((r) => r.startsWith('pub:'))).toBe(false);
    s.close();
  });

  it.each([
    ['a hostile slug', { slug: '../../etc/passwd' }],
    ['markup as a slug', { slug: '<script>alert(1)</script>' }],
    ['an extra field', { slug: 'alpha', runId: 1 }],
    ['a string payload', 'alpha'],
    ['no payload', undefined],
  ])('answers invalid to %s and disconnects', async (_name, payload) => {
    const s = client();
    await connected(s);
    const bye = disconnected(s);
    expect(await subscribe(s, payload)).toEqual({ ok: false, error: 'invalid' });
    expect(await bye).toBe('io server disconnect');
  });

  it.each(['unsubscribe', 'points', 'snapshot', 'publish'])('disconnects a socket that emits %s', async (event) => {
    const s = client();
    await connected(s);
    const bye = disconnected(s);
    (s as unknown as Socket).emit(event, { slug: 'alpha' });
    expect(await bye).toBe('io server disconnect');
  });

  it('closes the connection on a message over the packet cap before any handler sees it', async () => {
    const s = client();
    await connected(s);
    const bye = disconnected(s);
    let answered = false;
    s.emit('subscribe', { slug: 'alpha', pad: 'x'.repeat(600) } as never, () => (answered = true));
    await bye;
    // The schema's 'invalid' ack (which comes before the disconnect) never came: the packet was not decoded.
    expect(answered).toBe(false);
  });

  it('disconnects a subscribe without an ack', async () => {
    const s = client();
    await connected(s);
    const bye = disconnected(s);
    (s as unknown as Socket).emit('subscribe', { slug: 'alpha' });
    expect(await bye).toBe('io server disconnect');
  });

  it('rate-limits subscribes per socket', async () => {
    const s = client();
    await connected(s);
    for (let i = 0; i < 3; i++) expect((await subscribe(s, { slug: 'alpha' })).ok).toBe(true);
    expect(await subscribe(s, { slug: 'alpha' })).toEqual({ ok: false, error: 'rate_limited' });
    s.close();
  });

  it('refuses more than the per-address cap with a generic error, and counts a closed socket out', async () => {
    await new Promise((r) => setTimeout(r, 100)); // the previous tests' sockets finish closing
    const held = Array.from({ length: PER_IP }, () => client());
    expect(await Promise.all(held.map(connected))).toEqual(Array(PER_IP).fill('connected'));
    const extra = client();
    expect(await connected(extra)).toBe('unavailable');
    const bye = new Promise((r) => held[0]!.io.engine.once('close', r));
    held[0]!.close();
    await bye;
    await new Promise((r) => setTimeout(r, 50)); // the server sees the close
    expect(await connected(client())).toBe('connected');
  });

  it('stops listening to snapshot changes on close', () => {
    const before = snapshots.listeners.size;
    const extra = attachPublicNamespace(io, { snapshots: snapshots.port, trustProxy: false, logger: pino() });
    expect(snapshots.listeners.size).toBe(before + 1);
    extra.close();
    expect(snapshots.listeners.size).toBe(before);
  });
});

describe('clientIp', () => {
  const req = (peer: string, xff?: string | string[]) => ({
    socket: { remoteAddress: peer } as never,
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  });
  it('is the peer unless a proxy is trusted', () => {
    expect(clientIp(req('10.0.0.1', '1.2.3.4'), false)).toBe('10.0.0.1');
  });
  it('is the last forwarded address behind one trusted proxy (a client cannot choose it by prepending)', () => {
    expect(clientIp(req('10.0.0.1', 'spoofed, 1.2.3.4'), true)).toBe('1.2.3.4');
    expect(clientIp(req('10.0.0.1', ['9.9.9.9', '1.2.3.4 ']), true)).toBe('1.2.3.4');
    expect(clientIp(req('10.0.0.1'), true)).toBe('10.0.0.1');
  });
});
