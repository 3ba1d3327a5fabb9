// The authorization matrix: every route the app registered (ROUTES) × {anonymous, viewer, operator, admin}, with a
// bearer token and with the session cookie; the Express router stack walked so that a route mounted without
// route() fails; and the same for socket.io events (SOCKET_EVENTS, the handlers a connected socket really has).
import { pino } from 'pino';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, roleAtLeast, type Role } from '@trainboard/shared/auth/roles';
import type { Ack } from '@trainboard/shared/realtime';
import { registerFollowedFile } from '../follow/followedSources.js';
import { SOCKET_EVENTS } from '../realtime/socketServer.js';
import { startServerStack, type ServerStack } from '../stack.js';
import { createTestAuth, signInOverHttp, type BrowserSession, type TestAuth } from '../testing/testAuth.js';
import { registeredRoutes, route, type RouteDef } from './routeTable.js';
import { unlistedLayers } from '../testing/unlistedLayers.js';

let stack: ServerStack;
let auth: TestAuth;
let base: string;
let runId: number;
const sessions = new Map<Role, BrowserSession>();
const PASSWORD = 'correct horse battery';

// A route another package adds (run control) is covered the same way: this one stands for them.
const extra = route('post', '/api/runs/:id/probe', 'operator', (_req, res) => void res.json({ ok: true }));

beforeAll(async () => {
  stack = await startServerStack({
    dbPath: ':memory:',
    logger: pino({ level: 'silent' }),
    edge: { loginLimit: { perIp: 1000, perUser: 1000, windowMs: 60_000 } },
    routes: [extra],
  });
  base = stack.url.replace(/\/$/, '');
  auth = createTestAuth(stack.authContext);
  runId = registerFollowedFile(stack.conn.db, 'matrix', '/nonexistent/main_log.txt').runId;
  for (const role of ROLES) {
    await auth.userWithPassword(`session-${role}`, PASSWORD, role);
    sessions.set(role, await signInOverHttp(base, `session-${role}`, PASSWORD));
  }
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

// A real run for run routes; ids and names that exist nowhere else, so an allowed call changes nothing.
const concrete = (path: string) =>
  path
    .replace(/^\/api\/runs\/:id/, `/api/runs/${runId}`)
    .replace(':id', '999999')
    .replace(':name', 'nosuchcluster')
    .replace(':actionId', '999999');

type Caller = { name: string; role: Role | null; headers: () => Record<string, string> };
const callers: Caller[] = [
  { name: 'anonymous', role: null, headers: () => ({}) },
  ...ROLES.map((role) => ({ name: `${role} (bearer)`, role, headers: () => auth.headers(role) })),
  ...ROLES.map((role) => ({ name: `${role} (cookie)`, role, headers: () => sessions.get(role)!.headers })),
];

async function call(def: RouteDef, caller: Caller) {
  const res = await fetch(base + concrete(String(def.path)), {
    method: def.method.toUpperCase(),
    headers: { 'content-type': 'application/json', ...caller.headers() },
    // A body no handler accepts: an allowed call answers 400/404/503, never a change.
    ...(def.method === 'get' ? {} : { body: JSON.stringify({ probe: true }) }),
  });
  const body = (await res.json().catch(() => ({}))) as { code?: string };
  return { status: res.status, code: body.code };
}

describe('authorization matrix (ROUTES × roles × bearer/cookie)', () => {
  it('covers every registered route, the extra ones included', () => {
    const routes = registeredRoutes(stack.app);
    expect(routes.length).toBeGreaterThan(20);
    expect(routes).toContain(extra);
  });

  it('declares the roles of PLAN §3.5', () => {
    const declared = Object.fromEntries(
      registeredRoutes(stack.app).map((d) => [`${d.method.toUpperCase()} ${String(d.path)}`, d.minRole]),
    );
    expect(declared).toEqual({
      'GET /api/health': 'anonymous',
      // The public page (public.router.ts): the stack passes its public snapshots, so the routes are there.
      'GET /p/public.css': 'anonymous',
      'GET /p/:slug': 'anonymous',
      'GET /p/:slug/snapshot.json': 'anonymous',
      'GET /p/:slug/loss.png': 'anonymous',
      'GET /p/:slug/badge.svg': 'anonymous',
      'GET /p/:slug/widget.svg': 'anonymous',
      [`GET ${String(/^\/p(?:\/.*)?$|^\/p-assets(?:\/.*)?$/)}`]: 'anonymous',
      'GET /api/auth/me': 'anonymous',
      'POST /api/auth/login': 'anonymous',
      'GET /api/auth/once': 'anonymous',
      'POST /api/auth/logout': 'viewer',
      'GET /api/users': 'admin',
      'POST /api/users': 'admin',
      'PATCH /api/users/:id': 'admin',
      'DELETE /api/users/:id': 'admin',
      'GET /api/tokens': 'viewer',
      'POST /api/tokens': 'viewer',
      'DELETE /api/tokens/:id': 'viewer',
      'GET /api/clusters': 'viewer',
      'POST /api/clusters': 'admin',
      'PATCH /api/clusters/:name': 'admin',
      'DELETE /api/clusters/:name': 'admin',
      'POST /api/clusters/:name/test': 'admin',
      'GET /api/audit': 'operator',
      'GET /api/runs/:id/series': 'viewer',
      'GET /api/runs/:id/export.json': 'viewer',
      'GET /api/runs/:id/export.csv': 'viewer',
      'GET /api/runs/:id/ettr': 'viewer',
      'GET /api/run-summaries': 'viewer',
      'GET /api/runs/:id/overview': 'viewer',
      'GET /api/runs/:id/validations': 'viewer',
      'GET /api/runs/:id/annotations': 'viewer',
      'GET /api/runs/:id/axis': 'viewer',
      'GET /api/runs/:id/jobs': 'viewer',
      'GET /api/runs/:id/incidents': 'viewer',
      // The public page's settings (issue 12): publishing is an operator's audited action.
      'GET /api/runs/:id/publication': 'viewer',
      'PUT /api/runs/:id/publication': 'operator',
      'DELETE /api/runs/:id/publication': 'operator',
      // A run's alert routing (issue 15): webhook URLs are secrets, so even reading it is an operator's.
      'GET /api/runs/:id/alerts': 'operator',
      'PUT /api/runs/:id/alerts': 'operator',
      // A run's recovery policy (issue 15): everyone reading the run sees it; changing it is an operator's.
      'GET /api/runs/:id/recovery-policy': 'viewer',
      'PUT /api/runs/:id/recovery-policy': 'operator',
      'GET /api/runs/:id/log': 'viewer',
      'POST /api/runs/:id/log/reveal': 'admin',
      'GET /api/runs/:id/log/search': 'viewer',
      'GET /api/runs/:id/nodes': 'viewer',
      'POST /api/runs/:id/probe': 'operator',
      // Run control (WP-C's runControl.router.ts).
      'GET /api/runs/:id/control': 'viewer',
      'GET /api/runs/:id/actions/:actionId': 'viewer',
      'POST /api/runs/preview': 'operator',
      'POST /api/runs': 'operator',
      'POST /api/runs/:id/actions/preview': 'operator',
      'POST /api/runs/:id/actions': 'operator',
    });
  });

  it('answers 401 to anonymous, 403 below the route role, and lets at-least-role callers through', async () => {
    const app = stack.app;
    const failures: string[] = [];
    for (const def of registeredRoutes(app)) {
      if (def.path === '/api/auth/logout') continue; // below: it ends the session it is called with
      for (const caller of callers) {
        const { status, code } = await call(def, caller);
        const denied = code === 'unauthorized' || code === 'forbidden';
        const allowed = def.minRole === 'anonymous' || (caller.role !== null && roleAtLeast(caller.role, def.minRole));
        const expected = allowed ? 'allowed' : caller.role === null ? '401' : '403';
        const got = denied ? String(status) : code === 'csrf' ? 'csrf' : 'allowed';
        if (got !== expected)
          failures.push(`${def.method} ${String(def.path)} as ${caller.name}: ${got} (${status} ${code})`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('logout needs a signed-in user, and ends the session', async () => {
    const logout = registeredRoutes(stack.app).find((d) => d.path === '/api/auth/logout')!;
    expect(logout.minRole).toBe('viewer');
    expect((await call(logout, callers[0]!)).status).toBe(401);
    await auth.userWithPassword('leaver', PASSWORD, 'viewer');
    const s = await signInOverHttp(base, 'leaver', PASSWORD);
    const out = await fetch(`${base}/api/auth/logout`, { method: 'POST', headers: s.headers });
    expect(out.status).toBe(204);
    const me = await (await fetch(`${base}/api/auth/me`, { headers: { cookie: s.cookie } })).json();
    expect(me).toEqual({ user: null, csrfToken: null });
  });

  it('every Express layer is either edge middleware or a route from ROUTES', () => {
    expect(unlistedLayers(stack.app)).toEqual([]);
  });
});

describe('socket.io matrix (SOCKET_EVENTS × roles)', () => {
  type Client = Socket;
  const open = (opts: { auth?: { token: string }; cookie?: string }) =>
    new Promise<{ socket: Client; error: string | null }>((resolve) => {
      const socket = connect(base, {
        transports: ['websocket'],
        reconnection: false,
        ...(opts.auth ? { auth: opts.auth } : {}),
        ...(opts.cookie ? { extraHeaders: { cookie: opts.cookie } } : {}),
      });
      const timer = setTimeout(() => resolve({ socket, error: 'timeout' }), 5_000);
      socket.once('connect', () => (clearTimeout(timer), resolve({ socket, error: null })));
      socket.once('connect_error', (e) => (clearTimeout(timer), resolve({ socket, error: e.message })));
    });

  it('refuses anonymous connections', async () => {
    const { socket, error } = await open({});
    expect(error).toBe('unauthorized');
    socket.close();
  });

  it('refuses a wrong token', async () => {
    const { socket, error } = await open({ auth: { token: 'tbt_' + 'x'.repeat(43) } });
    expect(error).toBe('unauthorized');
    socket.close();
  });

  it.each(ROLES.flatMap((role) => [[role, 'bearer'] as const, [role, 'cookie'] as const]))(
    'lets a %s (%s) connect and send exactly the events its role allows',
    async (role, how) => {
      const { socket, error } = await open(
        how === 'bearer' ? { auth: auth.socket(role) } : { cookie: sessions.get(role)!.cookie },
      );
      expect(error).toBeNull();
      for (const event of SOCKET_EVENTS) {
        const ack = await new Promise<Ack>((r) => socket.emit(event.name, { runId }, r));
        if (roleAtLeast(role, event.minRole)) expect(ack.ok, event.name).toBe(true);
        else expect(ack).toMatchObject({ ok: false, code: 'forbidden' });
      }
      socket.close();
    },
  );

  it('every event handler a connected socket has is in SOCKET_EVENTS', async () => {
    const { socket } = await open({ auth: auth.socket('viewer') });
    const server = [...stack.io.sockets.sockets.values()].at(-1)!;
    const handled = server.eventNames().filter((n) => !['disconnect', 'disconnecting', 'error'].includes(String(n)));
    expect(handled.sort()).toEqual(SOCKET_EVENTS.map((e) => e.name).sort());
    socket.close();
  });
});
