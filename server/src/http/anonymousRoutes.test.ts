// Issue 12's route test: what an anonymous client can reach, with TRAINBOARD_ANONYMOUS_READ off and every optional
// dependency of the app given (the stack's public snapshots, the built dashboard and the public bundle, run
// control's routes, clusters). The anonymous HTTP routes are exactly the list below, every other route answers an
// anonymous caller 401, no Express layer serves anything outside the table, the default socket.io namespace
// refuses an anonymous socket, and the /public namespace accepts `subscribe` and nothing else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_NAMESPACE } from '@trainboard/shared/public/publicRealtime';
import { registerFollowedFile } from '../follow/followedSources.js';
import { PUBLIC_SOCKET_EVENTS } from '../realtime/publicNamespace.js';
import { SOCKET_EVENTS } from '../realtime/socketServer.js';
import { startServerStack, type ServerStack } from '../stack.js';
import { registeredRoutes, type RouteDef } from './routeTable.js';
import { unlistedLayers } from '../testing/unlistedLayers.js';

/** Every route an anonymous client may call: health, sign-in, the public page and its assets, the dashboard's files. */
const ANONYMOUS_ROUTES = [
  'GET /api/health',
  'GET /api/auth/me',
  'POST /api/auth/login',
  'GET /api/auth/once',
  'GET /p/public.css',
  'GET /p/:slug',
  'GET /p/:slug/snapshot.json',
  'GET /p/:slug/loss.png',
  'GET /p/:slug/badge.svg',
  'GET /p/:slug/widget.svg',
  `GET ${String(/^\/p-assets\/.+/)}`, // the public bundle (web/dist/p-assets)
  `GET ${String(/^\/p(?:\/.*)?$|^\/p-assets(?:\/.*)?$/)}`, // the public not-found page
  `GET ${String(/^(?!\/api\/|\/socket\.io\/).*/)}`, // the dashboard's files and pages (no data)
].sort();

let dir: string;
let stack: ServerStack;
let base: string;
let runId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'anonymous-routes-'));
  const webDir = join(dir, 'dist');
  mkdirSync(join(webDir, 'p-assets'), { recursive: true });
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(webDir, 'p-assets', 'public.js'), 'console.log(1);');
  stack = await startServerStack({
    dbPath: ':memory:',
    logger: pino({ level: 'silent' }),
    webDir,
    edge: { anonymousRead: false },
  });
  base = stack.url.replace(/\/$/, '');
  runId = registerFollowedFile(stack.conn.db, 'anon', join(dir, 'nonexistent.log')).runId;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const key = (d: Pick<RouteDef, 'method' | 'path'>) => `${d.method.toUpperCase()} ${String(d.path)}`;

/** A concrete URL for a route pattern: the test's run, ids and names that exist nowhere else. */
const concrete = (path: string) =>
  path
    .replace(/^\/api\/runs\/:id/, `/api/runs/${runId}`)
    .replace(/:(id|actionId)\b/g, '999999')
    .replace(/:\w+/g, 'nosuch');

describe('anonymous HTTP routes', () => {
  it('the app was built with every optional part (public page, dashboard, run control, publication)', () => {
    const keys = registeredRoutes(stack.app).map(key);
    expect(keys).toContain('POST /api/runs/:id/actions');
    expect(keys.some((k) => k.includes('/publication'))).toBe(true);
    expect(keys).toContain('PUT /api/runs/:id/alerts');
    expect(keys).toContain('GET /p/:slug');
  });

  it('the anonymous routes are exactly the public ones', () => {
    const anonymous = registeredRoutes(stack.app).filter((d) => d.minRole === 'anonymous');
    expect(anonymous.map(key).sort()).toEqual(ANONYMOUS_ROUTES);
    // The one anonymous unsafe route is the sign-in (rate limited per IP and per user name).
    expect(anonymous.filter((d) => d.method !== 'get').map((d) => [key(d), d.opts.rateLimit])).toEqual([
      ['POST /api/auth/login', 'login'],
    ]);
  });

  it('every other route answers an anonymous caller 401 (anonymous read is off)', async () => {
    const failures: string[] = [];
    for (const def of registeredRoutes(stack.app).filter((d) => d.minRole !== 'anonymous')) {
      const res = await fetch(base + concrete(String(def.path)), {
        method: def.method.toUpperCase(),
        headers: { 'content-type': 'application/json' },
        ...(def.method === 'get' ? {} : { body: '{}' }),
      });
      const body = (await res.json().catch(() => ({}))) as { code?: string };
      if (res.status !== 401 || body.code !== 'unauthorized') failures.push(`${key(def)}: ${res.status} ${body.code}`);
    }
    expect(failures).toEqual([]);
  });

  it('no Express layer serves a path outside the route table', () => {
    expect(unlistedLayers(stack.app)).toEqual([]);
  });
});

function open(namespace: string): Promise<{ socket: Socket; error: string | null }> {
  return new Promise((resolve) => {
    const socket = connect(base + namespace, { transports: ['websocket'], reconnection: false, forceNew: true });
    const timer = setTimeout(() => resolve({ socket, error: 'timeout' }), 5_000);
    socket.once('connect', () => (clearTimeout(timer), resolve({ socket, error: null })));
    socket.once('connect_error', (e) => (clearTimeout(timer), resolve({ socket, error: e.message })));
  });
}

/** Emits `event` and reports whether the server answered (ack) or dropped the socket. */
function emitAndSee(socket: Socket, event: string, payload: unknown): Promise<'ack' | 'disconnected' | 'nothing'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('nothing'), 2_000);
    socket.once('disconnect', () => (clearTimeout(timer), resolve('disconnected')));
    socket.emit(event, payload, () => (clearTimeout(timer), resolve('ack')));
  });
}

describe('anonymous sockets', () => {
  it('the server has exactly two namespaces: the private default and /public', () => {
    expect([...stack.io._nsps.keys()].sort()).toEqual(['/', PUBLIC_NAMESPACE]);
  });

  it('the default namespace refuses an anonymous socket', async () => {
    const { socket, error } = await open('/');
    expect(error).toBe('unauthorized');
    socket.close();
  });

  it('another namespace does not exist for an anonymous client', async () => {
    const { socket, error } = await open('/admin');
    expect(error).toBe('Invalid namespace');
    socket.close();
  });

  it('/public accepts an anonymous socket, and its one event is subscribe', async () => {
    const { socket, error } = await open(PUBLIC_NAMESPACE);
    expect(error).toBeNull();
    expect(await emitAndSee(socket, 'subscribe', { slug: 'no-such-run' })).toBe('ack');
    const server = [...stack.io.of(PUBLIC_NAMESPACE).sockets.values()].at(-1)!;
    const handled = server.eventNames().filter((n) => !['disconnect', 'disconnecting', 'error'].includes(String(n)));
    expect(handled).toEqual(['subscribe']);
    expect([...PUBLIC_SOCKET_EVENTS]).toEqual(['subscribe']); // the namespace's own declared list agrees
    socket.close();
  });

  it.each([...SOCKET_EVENTS.map((e) => e.name).filter((n) => n !== 'subscribe'), 'snapshot', 'unpublished', 'x'])(
    '/public drops a socket that sends %s',
    async (event) => {
      const { socket, error } = await open(PUBLIC_NAMESPACE);
      expect(error).toBeNull();
      expect(await emitAndSee(socket, event, { runId, slug: 'no-such-run' })).toBe('disconnected');
      socket.close();
    },
  );

  it('/public drops a socket that sends an oversized subscribe', async () => {
    const { socket, error } = await open(PUBLIC_NAMESPACE);
    expect(error).toBeNull();
    expect(await emitAndSee(socket, 'subscribe', { slug: 'a'.repeat(4096) })).toBe('disconnected');
    socket.close();
  });

  it("/public's subscribe takes a slug only: a run id is invalid and drops the socket", async () => {
    const { socket, error } = await open(PUBLIC_NAMESPACE);
    expect(error).toBeNull();
    const answer = await new Promise<unknown>((r) => socket.emit('subscribe', { runId }, r));
    expect(answer).toEqual({ ok: false, error: 'invalid' });
    await new Promise<void>((r) => (socket.connected ? socket.once('disconnect', () => r()) : r()));
    expect(socket.connected).toBe(false);
    socket.close();
  });
});
