// A run's alert routing over REST: operators replace it (audited, the audit row naming channels, never a URL) and
// read it with webhook URLs masked; a PUT may leave a webhook's URL out to keep it; viewers are refused; invalid
// input is a 400 that echoes no value.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRouting } from '../alerts/alertsConfig.service.js';
import { createApp } from '../app.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';

let conn: OpenDatabase;
let repos: Repositories;
let server: Server;
let base: string;
let auth: TestAuth;
let runId: number;
const SECRET = 'https://hooks.example.org/services/T000/B000/XXXXsecretXXXX';

beforeAll(async () => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  auth = createTestAuth(conn);
  runId = findOrCreateRun(conn.db, 'bloom').id;
  const app = createApp({
    conn,
    repos,
    logger: pino({ level: 'silent' }),
    authContext: auth.ctx,
    alertEmailAvailable: true,
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  conn.close();
});

async function call(method: string, path: string, role: 'viewer' | 'operator', body?: unknown) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', ...auth.headers(role) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

const routing = {
  channels: [
    { kind: 'webhook', id: 'chat', minSeverity: 'warning', url: SECRET },
    { kind: 'email', id: 'oncall', minSeverity: 'critical', to: ['oncall@example.org'] },
  ],
};

describe('alerts REST', () => {
  it('answers null routing before any is set: nothing is sent', async () => {
    const res = await call('GET', `/api/runs/${runId}/alerts`, 'operator');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ routing: null, emailAvailable: true });
  });

  it('stores a PUT, answers and reads it masked, and audits it without the URL', async () => {
    const put = await call('PUT', `/api/runs/${runId}/alerts`, 'operator', routing);
    expect(put.status).toBe(200);
    const get = await call('GET', `/api/runs/${runId}/alerts`, 'operator');
    for (const res of [put, get]) {
      expect(res.text).not.toContain('XXXXsecretXXXX');
      expect(JSON.parse(res.text).routing.channels[0]).toEqual({
        kind: 'webhook',
        id: 'chat',
        minSeverity: 'warning',
        urlSet: true,
        urlOrigin: 'https://hooks.example.org',
      });
    }
    expect(readRouting(repos.settings, runId)?.channels[0]).toMatchObject({ url: SECRET });
    const [row] = repos.audit.list({ runId });
    expect(row).toMatchObject({ action: 'run.alerts', result: 'ok', actorKind: 'token', targetKind: 'alerts' });
    expect(JSON.stringify(row)).not.toContain('secret');
    expect(row!.details).toEqual({
      enabled: true,
      channels: [
        { id: 'chat', kind: 'webhook', minSeverity: 'warning' },
        { id: 'oncall', kind: 'email', minSeverity: 'critical' },
      ],
    });
  });

  it('keeps the stored webhook URL when a PUT leaves it out (the masked GET sent back)', async () => {
    const put = await call('PUT', `/api/runs/${runId}/alerts`, 'operator', {
      enabled: false,
      channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'critical' }],
    });
    expect(put.status).toBe(200);
    expect(readRouting(repos.settings, runId)).toEqual({
      enabled: false,
      channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'critical', url: SECRET }],
    });
  });

  it('refuses invalid input with a 400 that echoes no value, and changes nothing', async () => {
    const before = readRouting(repos.settings, runId);
    const bad = await call('PUT', `/api/runs/${runId}/alerts`, 'operator', {
      channels: [{ kind: 'webhook', id: 'x', url: 'ftp://user:hunter2@example.org/' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.text).not.toContain('hunter2');
    const missing = await call('PUT', `/api/runs/${runId}/alerts`, 'operator', {
      channels: [{ kind: 'webhook', id: 'new' }],
    });
    expect(missing.status).toBe(400);
    expect(readRouting(repos.settings, runId)).toEqual(before);
  });

  it('refuses viewers, answers 404 for a run that does not exist and 400 for a non-canonical id', async () => {
    expect((await call('GET', `/api/runs/${runId}/alerts`, 'viewer')).status).toBe(403);
    expect((await call('PUT', `/api/runs/${runId}/alerts`, 'viewer', routing)).status).toBe(403);
    expect((await call('GET', '/api/runs/999999/alerts', 'operator')).status).toBe(404);
    expect((await call('PUT', '/api/runs/999999/alerts', 'operator', routing)).status).toBe(404);
    expect((await call('GET', `/api/runs/0${runId}/alerts`, 'operator')).status).toBe(400);
  });
});
