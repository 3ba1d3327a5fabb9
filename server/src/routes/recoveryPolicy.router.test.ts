// A run's recovery policy over REST: viewers read it (defaults before any PUT), operators replace it (audited with
// what changed), viewers' PUT is 403 and anonymous calls 401; invalid input is a 400 in words that changes nothing.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import { createApp } from '../app.js';
import { createRecoveryStore } from '../control/recoveryStore.js';
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

beforeAll(async () => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  auth = createTestAuth(conn);
  runId = findOrCreateRun(conn.db, 'bloom').id;
  const app = createApp({ conn, repos, logger: pino({ level: 'silent' }), authContext: auth.ctx });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  conn.close();
});

async function call(
  method: string,
  path: string,
  role: 'viewer' | 'operator' | null,
  body?: unknown,
  ifMatch?: string,
) {
  const res = await fetch(base + path, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(role ? auth.headers(role) : {}),
      ...(ifMatch ? { 'if-match': ifMatch } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const path = () => `/api/runs/${runId}/recovery-policy`;

describe('recovery policy REST', () => {
  it('answers the defaults to a viewer before any is set', async () => {
    const res = await call('GET', path(), 'viewer');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      runId,
      policy: DEFAULT_RECOVERY_POLICY,
      restartsInWindow: 0,
      nextRestartNotBeforeMs: null,
      updatedAt: null,
      updatedBy: null,
    });
  });

  it('stores an operator PUT, answers it, and audits what changed', async () => {
    const policy = { ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 5, resubmitOnHang: false };
    const put = await call('PUT', path(), 'operator', policy);
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ policy, updatedBy: expect.any(String) });
    expect((await call('GET', path(), 'viewer')).json.policy).toEqual(policy);
    expect(createRecoveryStore(repos).policy(runId).policy).toEqual(policy);
    const [row] = repos.audit.list({ runId });
    expect(row).toMatchObject({ action: 'run.recovery_policy', result: 'ok', targetKind: 'recovery_policy' });
    expect(row!.details).toEqual({ changed: { resubmitOnHang: [true, false], maxRestartsPerWindow: [3, 5] } });
    expect(row!.message).toBe('changed resubmitOnHang true → false, maxRestartsPerWindow 3 → 5');
  });

  it('refuses invalid input with a 400 in words, and changes nothing', async () => {
    const before = createRecoveryStore(repos).policy(runId);
    const cases: [unknown, string][] = [
      [{ ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: -1 }, 'maxRestartsPerWindow'],
      [{ ...DEFAULT_RECOVERY_POLICY, enabled: 'yes' }, 'enabled'],
      [{ ...DEFAULT_RECOVERY_POLICY, extra: 1 }, 'extra'],
      [{ enabled: true }, 'resubmitOnCrash'],
      [{ ...DEFAULT_RECOVERY_POLICY, backoffBaseSeconds: 600, backoffMaxSeconds: 60 }, 'at least backoffBaseSeconds'],
    ];
    for (const [body, words] of cases) {
      const res = await call('PUT', path(), 'operator', body);
      expect(res.status).toBe(400);
      expect(String(res.json.message)).toContain(words);
    }
    expect(createRecoveryStore(repos).policy(runId)).toEqual(before);
  });

  it('a conditional PUT (If-Match) answers 409 when another operator saved since, and changes nothing', async () => {
    const seen = (await call('GET', path(), 'viewer')).json;
    const mine = { ...DEFAULT_RECOVERY_POLICY, windowHours: 12 };
    expect((await call('PUT', path(), 'operator', mine, '"none"')).status).toBe(409);
    const stale = await call('PUT', path(), 'operator', mine, `"${Number(seen.updatedAt) - 1}"`);
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ code: 'policy_changed' });
    expect(String(stale.json.message)).toContain('since you opened it');
    expect((await call('PUT', path(), 'operator', mine, 'W/"x"')).status).toBe(400);
    expect(createRecoveryStore(repos).policy(runId).policy.windowHours).toBe(DEFAULT_RECOVERY_POLICY.windowHours);
    const ok = await call('PUT', path(), 'operator', mine, `"${String(seen.updatedAt)}"`);
    expect(ok.status).toBe(200);
    expect(createRecoveryStore(repos).policy(runId).policy.windowHours).toBe(12);
  });

  it('refuses a viewer PUT (403) and anonymous calls (401); 404 for a run that does not exist', async () => {
    expect((await call('PUT', path(), 'viewer', DEFAULT_RECOVERY_POLICY)).status).toBe(403);
    expect((await call('GET', path(), null)).status).toBe(401);
    expect((await call('PUT', path(), null, DEFAULT_RECOVERY_POLICY)).status).toBe(401);
    expect((await call('GET', '/api/runs/999999/recovery-policy', 'viewer')).status).toBe(404);
    expect((await call('GET', `/api/runs/0${runId}/recovery-policy`, 'viewer')).status).toBe(400);
  });
});
