// The edge against a real server stack: CSRF, Host and Origin refusal (DNS rebinding), login rate limit, generic
// error bodies whose request id is in the log, helmet headers and CSP, masked logs with an audited admin reveal,
// follow_status without paths, and the last-admin and token-ceiling rules.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as tcpConnect, type Socket as TcpSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { io as connect } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK } from '@trainboard/shared/log/redact';
import type { FollowStatus } from '@trainboard/shared/realtime';
import { ShellError } from '../adapters/shell.js';
import { createRepositories } from '../db/repositories.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { roomEmitters } from '../realtime/socketServer.js';
import { startServerStack, type ServerStack } from '../stack.js';
import { createTestAuth, signInOverHttp, type BrowserSession, type TestAuth } from '../testing/testAuth.js';
import { route } from './routeTable.js';

const HF = 'hf_' + 'AbCdEfGhIjKlMnOpQrStUvWxYz012345';
const PASSWORD = 'correct horse battery';
let stack: ServerStack;
let auth: TestAuth;
let base: string;
let runId: number;
let dir: string;
let admin: BrowserSession;
const logLines: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-edge-'));
  writeFileSync(join(dir, 'main_log.txt'), `starting\nexport HF_TOKEN=${HF}\niteration 1 done\n`);
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  });
  stack = await startServerStack({
    dbPath: ':memory:',
    logger: pino({ level: 'info' }, sink),
    files: (await import('../follow/localFiles.js')).localFiles(),
    scanMs: 60_000,
    routes: [
      route('get', '/api/boom', 'viewer', () => {
        throw new Error('open /home/alice/.ssh/id_ed25519 for alice@login.example.org:22 failed');
      }),
      route('get', '/api/cluster-boom', 'viewer', () => {
        throw new ShellError('auth', 'alice@login.example.org:22 refused key /home/alice/.ssh/id_ed25519');
      }),
    ],
  });
  base = stack.url.replace(/\/$/, '');
  auth = createTestAuth(stack.authContext);
  runId = registerFollowedFile(stack.conn.db, 'edge', join(dir, 'main_log.txt')).runId;
  await auth.userWithPassword('root-admin', PASSWORD, 'admin');
  admin = await signInOverHttp(base, 'root-admin', PASSWORD);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, so the Host header can be anything. */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CSRF', () => {
  const post = (headers: Record<string, string>) =>
    fetch(`${base}/api/tokens`, { method: 'POST', headers, body: JSON.stringify({ name: 'csrf probe' }) });

  it('refuses a cookie POST without the token, accepts it with the token, and a bearer POST needs none', async () => {
    const { 'x-csrf-token': _t, ...withoutToken } = admin.headers;
    const refused = await post(withoutToken);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('csrf');
    expect((await post({ ...admin.headers, 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect((await post(admin.headers)).status).toBe(201);
    expect((await post({ ...auth.headers('viewer'), 'content-type': 'application/json' })).status).toBe(201);
  });

  it('refuses a cookie POST from another origin, or with no Origin, even with the token', async () => {
    expect((await post({ ...admin.headers, origin: 'http://evil.example' })).status).toBe(403);
    const { origin: _o, ...noOrigin } = admin.headers;
    expect((await post(noOrigin)).status).toBe(403);
  });
});

describe('Host and Origin', () => {
  it('answers 421 to a DNS-rebinding Host and serves the loopback names', async () => {
    const rebinding = await rawGet('/api/health', { host: 'evil.example:3000' });
    expect(rebinding.status).toBe(421);
    expect(JSON.parse(rebinding.body).code).toBe('misdirected');
    expect((await rawGet('/api/health', { host: `localhost:${new URL(base).port}` })).status).toBe(200);
  });

  it('refuses a socket.io handshake from another Origin, even with a valid token', async () => {
    const socket = connect(base, {
      transports: ['websocket'],
      reconnection: false,
      auth: auth.socket('admin'),
      extraHeaders: { origin: 'http://evil.example' },
    });
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), 5_000);
      socket.once('connect', () => (clearTimeout(timer), resolve('connected')));
      socket.once('connect_error', () => (clearTimeout(timer), resolve('refused')));
    });
    socket.close();
    expect(outcome).toBe('refused');
  });
});

describe('login', () => {
  it('answers 429 to the 11th attempt from one address within the window, and audits the failures', async () => {
    // A fresh server: the other tests' sign-ins must not count.
    const fresh = await startServerStack({ dbPath: ':memory:', logger: pino({ level: 'silent' }) });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const res = await fetch(new URL('/api/auth/login', fresh.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // Different names: the per-user limit (5) must not be what stops it.
          body: JSON.stringify({ username: `nobody${i}`, password: 'wrong password' }),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
      const failed = fresh.authContext.store.audit.list({ limit: 200 }).filter((r) => r.action === 'auth.login_failed');
      expect(failed).toHaveLength(10);
    } finally {
      await fresh.stop();
    }
  }, 30_000);

  it('answers 429 to the 6th attempt on one user name', async () => {
    const fresh = await startServerStack({
      dbPath: ':memory:',
      logger: pino({ level: 'silent' }),
      edge: { loginLimit: { perIp: 100, perUser: 5, windowMs: 60_000 } },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await fetch(new URL('/api/auth/login', fresh.url), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: `guess ${i}` }),
        });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([...Array(5).fill(401), 429]);
    } finally {
      await fresh.stop();
    }
  }, 30_000);
});

describe('errors', () => {
  it.each([
    ['/api/boom', 500, 'internal'],
    ['/api/cluster-boom', 502, 'cluster_error'],
  ])('%s answers a generic %i whose request id is in the log with the details', async (path, status, code) => {
    const res = await fetch(base + path, { headers: auth.headers('viewer') });
    const text = await res.text();
    expect(res.status).toBe(status);
    const body = JSON.parse(text) as { code: string; requestId: string };
    expect(body.code).toBe(code);
    for (const leak of ['@', '/home', 'id_ed25519', 'alice']) expect(text).not.toContain(leak);
    expect(res.headers.get('x-request-id')).toBe(body.requestId);
    const logged = logLines.find((l) => l.includes(body.requestId));
    expect(logged).toContain('id_ed25519');
  });
});

describe('path ids', () => {
  it('takes run, action and user ids only in the canonical form every /api/runs/:id route uses', async () => {
    for (const path of [
      '/api/runs/0x1/control',
      '/api/runs/1e0/control',
      '/api/runs/01/actions/1',
      '/api/runs/1/actions/1e0',
    ]) {
      const res = await fetch(base + path, { headers: auth.headers('admin') });
      expect([res.status, ((await res.json()) as { code: string }).code], path).toEqual([400, 'invalid_request']);
    }
    const res = await fetch(base + '/api/users/0x1', {
      method: 'PATCH',
      headers: { ...auth.headers('admin'), 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(res.status).toBe(400);
  });
});

describe('security headers', () => {
  it('sends a strict CSP and helmet headers', async () => {
    const res = await fetch(`${base}/api/health`);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "base-uri 'none'",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

describe('log secrets', () => {
  it('masks secrets in log windows and search, and a search cannot find a secret by its characters', async () => {
    const window = (await (
      await fetch(`${base}/api/runs/${runId}/log`, { headers: auth.headers('admin') })
    ).json()) as { lines: string[] };
    expect(window.lines).toEqual(['starting', `export HF_TOKEN=hf_${MASK}`, 'iteration 1 done']);
    const viewerWindow = (await (
      await fetch(`${base}/api/runs/${runId}/log`, { headers: auth.headers('viewer') })
    ).json()) as { path: string };
    expect(viewerWindow.path).toBe('main_log.txt'); // the folder (user, project) is for admins
    const search = (q: string) =>
      fetch(`${base}/api/runs/${runId}/log/search?q=${encodeURIComponent(q)}`, {
        headers: auth.headers('viewer'),
      }).then((r) => r.json() as Promise<{ matches: { line: string }[] }>);
    expect((await search('HF_TOKEN')).matches.map((m) => m.line)).toEqual([`export HF_TOKEN=hf_${MASK}`]);
    expect((await search(HF.slice(0, 10))).matches).toEqual([]);
  });

  it('reveals one window to an admin only, and audits it', async () => {
    const reveal = (headers: Record<string, string>) =>
      fetch(`${base}/api/runs/${runId}/log/reveal`, { method: 'POST', headers, body: JSON.stringify({}) });
    expect((await reveal({ ...auth.headers('operator'), 'content-type': 'application/json' })).status).toBe(403);
    const res = await reveal(admin.headers);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { lines: string[] }).lines).toContain(`export HF_TOKEN=${HF}`);
    const rows = stack.authContext.store.audit.list({ runId, limit: 10 }).filter((r) => r.action === 'log.reveal');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorName: 'root-admin', result: 'ok', runId });
  });
});

describe('follow_status', () => {
  it('reaches subscribers without the path or the log source', async () => {
    const socket = connect(base, { transports: ['websocket'], reconnection: false, auth: auth.socket('viewer') });
    await new Promise((r) => socket.once('connect', () => r(undefined)));
    await new Promise((r) => socket.emit('subscribe', { runId }, r));
    const got = new Promise<FollowStatus>((r) => socket.once('follow_status', r));
    roomEmitters(stack.io).status({
      runId,
      logSourceId: 7,
      path: '/home/alice/runs/secret/main_log.txt',
      state: 'following',
      offset: 42,
      message: null,
    } as FollowStatus);
    const status = await got;
    socket.close();
    expect(status).toEqual({ runId, state: 'following', offset: 42, message: null });
    expect(JSON.stringify(status)).not.toContain('/home');
  });
});

describe('socket access follows the credential', () => {
  it('drops a socket when its token is revoked, and refuses it afterwards', async () => {
    const created = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { ...auth.headers('viewer'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'short-lived' }),
    });
    const { id, token } = (await created.json()) as { id: number; token: string };
    const socket = connect(base, { transports: ['websocket'], reconnection: false, auth: { token } });
    await new Promise((r) => socket.once('connect', () => r(undefined)));
    const dropped = new Promise((r) => socket.once('disconnect', r));
    const revoke = await fetch(`${base}/api/tokens/${id}`, { method: 'DELETE', headers: auth.headers('viewer') });
    expect(revoke.status).toBe(204);
    await dropped;
    const again = connect(base, { transports: ['websocket'], reconnection: false, auth: { token } });
    const error = await new Promise<string>((r) => again.once('connect_error', (e) => r(e.message)));
    again.close();
    expect(error).toBe('unauthorized');
  });
});

describe('TRAINBOARD_ANONYMOUS_READ', () => {
  it('opens reads to anonymous clients, never writes', async () => {
    const open = await startServerStack({
      dbPath: ':memory:',
      logger: pino({ level: 'silent' }),
      edge: { anonymousRead: true },
    });
    try {
      expect((await fetch(new URL('/api/run-summaries', open.url))).status).toBe(200);
      expect((await fetch(new URL('/api/runs/1/log', open.url))).status).toBe(404); // served (no such run)
      expect((await fetch(new URL('/api/users', open.url))).status).toBe(401);
      expect((await fetch(new URL('/api/tokens', open.url))).status).toBe(401);
      expect((await fetch(new URL('/api/runs/1/control', open.url))).status).toBe(401);
      const post = await fetch(new URL('/api/tokens', open.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x' }),
      });
      expect(post.status).toBe(401);
    } finally {
      await open.stop();
    }
  });
});

describe('clusters', () => {
  it('shows viewers names and defaults, and admins the connection settings', async () => {
    const list = async (role: 'viewer' | 'admin') =>
      (
        (await (await fetch(`${base}/api/clusters`, { headers: auth.headers(role) })).json()) as {
          clusters: Record<string, unknown>[];
        }
      ).clusters;
    createRepositories(stack.conn.sqlite).clusters.ensureLocal(dir);
    const [viewer, adminView] = [await list('viewer'), await list('admin')];
    expect(viewer.map((c) => c.name)).toContain('local');
    expect(viewer.map((c) => c.name)).toEqual(adminView.map((c) => c.name));
    for (const c of viewer)
      for (const key of ['host', 'user', 'privateKeyPath', 'knownHostsPath', 'jobsRoot'])
        expect(c).not.toHaveProperty(key);
    expect(adminView[0]).toHaveProperty('jobsRoot');
  });
});

describe('connection cap', () => {
  it('holds at most maxConnections sockets: slow clients past the cap are closed at once', async () => {
    const capped = await startServerStack({
      dbPath: ':memory:',
      logger: pino({ level: 'silent' }),
      maxConnections: 16,
    });
    const { port } = new URL(capped.url);
    const sockets: TcpSocket[] = [];
    try {
      const closed = await Promise.all(
        Array.from({ length: 24 }, async () => {
          const socket = tcpConnect(Number(port), '127.0.0.1');
          sockets.push(socket);
          // A slowloris client: half a request line, then nothing.
          socket.write('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
          return new Promise<boolean>((resolve) => {
            socket.once('close', () => resolve(true));
            socket.once('error', () => resolve(true));
            setTimeout(() => resolve(false), 2_000);
          });
        }),
      );
      expect(closed.filter(Boolean)).toHaveLength(8);
    } finally {
      for (const s of sockets) s.destroy();
      await capped.stop();
    }
  });
});

describe('users and tokens', () => {
  it('keeps the last admin (409) and never grants a token above its maker', async () => {
    const users = (await (await fetch(`${base}/api/users`, { headers: auth.headers('admin') })).json()) as {
      users: { id: number; username: string; role: string }[];
    };
    const admins = users.users.filter((u) => u.role === 'admin');
    for (const a of admins.slice(1))
      await fetch(`${base}/api/users/${a.id}`, { method: 'DELETE', headers: admin.headers });
    const last = admins[0]!;
    const demote = await fetch(`${base}/api/users/${last.id}`, {
      method: 'PATCH',
      headers: admin.headers,
      body: JSON.stringify({ role: 'viewer' }),
    });
    expect(demote.status).toBe(409);
    const escalate = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: { ...auth.headers('viewer'), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'escalate', role: 'admin' }),
    });
    expect(escalate.status).toBe(400);
  });
});
