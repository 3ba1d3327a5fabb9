// `trainboard recovery` against a real app over HTTP with an operator's token: the defaults shown in words, the
// policy replaced from a file (audited), and the server's refusal said in words with exit code 1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import { createApp } from '../../app.js';
import { createRecoveryPolicyService } from '../../control/recoveryPolicy.service.js';
import { openDatabase, type OpenDatabase } from '../../db/client.js';
import { createRepositories, type Repositories } from '../../db/repositories.js';
import { findOrCreateRun } from '../../db/runs.repo.js';
import { captureIo } from '../../testing/captureIo.js';
import { createTestAuth } from '../../testing/testAuth.js';
import { run as recovery } from './recovery.js';

let conn: OpenDatabase;
let repos: Repositories;
let server: Server;
let runId: number;
let dir: string;

beforeAll(async () => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  const auth = createTestAuth(conn);
  runId = findOrCreateRun(conn.db, 'run-a').id;
  server = createApp({ conn, repos, logger: pino({ level: 'silent' }), authContext: auth.ctx }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  vi.stubEnv('TRAINBOARD_URL', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  vi.stubEnv('TRAINBOARD_TOKEN', auth.token('operator'));
  dir = mkdtempSync(join(tmpdir(), 'tb-recovery-cli-'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  server.close();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trainboard recovery', () => {
  it('shows the defaults, replaces the policy from a file (audited), and shows it', async () => {
    const shown = captureIo();
    expect(await recovery([String(runId)], shown)).toBe(0);
    expect(shown.out()).toBe(
      [
        'automatic recovery on',
        '  resubmit after a crash on, a node failure on, a hang on',
        '  exclude suspect nodes on; stack dump before cancelling a hang on',
        '  backoff 30 s doubling up to 1800 s; at most 3 restarts in 6 h',
        '  0 of 3 automatic restarts used in the last 6 h',
        '',
      ].join('\n'),
    );
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_RECOVERY_POLICY, enabled: false }));
    const set = captureIo();
    expect(await recovery([String(runId), '--set', file], set)).toBe(0);
    expect(set.out()).toMatch(
      /^automatic recovery off \(incidents are shown and alerted, nothing is done by itself\)\n/,
    );
    expect(set.out()).toContain('last changed by');
    expect(repos.audit.list({ runId })[0]).toMatchObject({ action: 'run.recovery_policy', result: 'ok' });
  });

  it("refuses to overwrite another operator's save made after it read the policy, unless --force", async () => {
    const file = join(dir, 'mine.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 5 }));
    const service = createRecoveryPolicyService({ repos });
    const bob = { kind: 'local' as const, name: 'bob', userId: null, role: 'operator' as const };
    const realFetch = globalThis.fetch;
    // Bob saves between the command's read and its replace.
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const res = await realFetch(input, init);
      if ((init?.method ?? 'GET') === 'GET') service.put(runId, { ...DEFAULT_RECOVERY_POLICY, windowHours: 12 }, bob);
      return res;
    });
    try {
      const refused = captureIo();
      expect(await recovery([String(runId), '--set', file], refused)).toBe(1);
      expect(refused.err()).toContain('changed by local:bob since you opened it');
      expect(refused.err()).toContain('--force');
      expect(service.get(runId).policy.windowHours).toBe(12);
      const forced = captureIo();
      expect(await recovery([String(runId), '--set', file, '--force'], forced)).toBe(0);
      expect(service.get(runId).policy).toMatchObject({ maxRestartsPerWindow: 5, windowHours: 6 });
    } finally {
      spy.mockRestore();
    }
  });

  it('says what the server refused, and what the command needs', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...DEFAULT_RECOVERY_POLICY, windowHours: 0 }));
    const bad = captureIo();
    expect(await recovery([String(runId), '--set', file], bad)).toBe(1);
    expect(bad.err()).toMatch(/^trainboard recovery: windowHours: /);
    const noId = captureIo();
    expect(await recovery([], noId)).toBe(2);
    expect(noId.err()).toContain('give one run id');
  });
});
