// `trainboard alerts` against a real app over HTTP with an operator's token: routing set from a file (audited),
// shown with the webhook URL masked, and the server's refusal said in words.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../app.js';
import { openDatabase, type OpenDatabase } from '../../db/client.js';
import { createRepositories, type Repositories } from '../../db/repositories.js';
import { findOrCreateRun } from '../../db/runs.repo.js';
import { captureIo } from '../../testing/captureIo.js';
import { createTestAuth } from '../../testing/testAuth.js';
import { run as alerts } from './alerts.js';

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
  dir = mkdtempSync(join(tmpdir(), 'tb-alerts-cli-'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  server.close();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trainboard alerts', () => {
  it('says nothing is routed, sets the routing from a file, and shows it with the URL masked', async () => {
    const none = captureIo();
    expect(await alerts([String(runId)], none)).toBe(0);
    expect(none.out()).toBe('no alerts routed: nothing is sent\n');
    const file = join(dir, 'alerts.json');
    const url = 'https://hooks.example.org/services/T/B/topsecret';
    writeFileSync(
      file,
      JSON.stringify({
        channels: [
          { kind: 'webhook', id: 'chat', minSeverity: 'warning', url },
          { kind: 'email', id: 'oncall', minSeverity: 'critical', to: ['oncall@example.org'] },
        ],
      }),
    );
    const set = captureIo();
    expect(await alerts([String(runId), '--set', file], set)).toBe(0);
    expect(set.out()).toBe(
      'alerts on\n' +
        '  chat: webhook to https://hooks.example.org/…, warning and above\n' +
        '  oncall: e-mail to oncall@example.org, critical and above (no SMTP server configured)\n',
    );
    expect(set.out()).not.toContain('topsecret');
    expect(repos.audit.list({ runId }).map((r) => r.action)).toEqual(['run.alerts']);
  });

  it('says why the server refused and exits 1; a file that is not JSON is a usage error (2)', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ channels: [{ kind: 'webhook', id: 'new' }] }));
    const io = captureIo();
    expect(await alerts([String(runId), '--set', bad], io)).toBe(1);
    expect(io.err()).toBe('trainboard alerts: channel new: url is required for a new webhook\n');
    writeFileSync(bad, '{oops');
    expect(await alerts([String(runId), '--set', bad], captureIo())).toBe(2);
  });
});
