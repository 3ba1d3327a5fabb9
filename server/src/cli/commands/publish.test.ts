// `trainboard publish` / `unpublish` against a real app over HTTP with an operator's token: the page is published
// (and audited), changed, refused for a taken slug, and taken down.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../app.js';
import { openDatabase, type OpenDatabase } from '../../db/client.js';
import { createRepositories, type Repositories } from '../../db/repositories.js';
import { findOrCreateRun } from '../../db/runs.repo.js';
import { captureIo } from '../../testing/captureIo.js';
import { createTestAuth } from '../../testing/testAuth.js';
import { run as publish, unpublish } from './publish.js';

let conn: OpenDatabase;
let repos: Repositories;
let server: Server;
let base: string;
let a: number;
let b: number;

beforeAll(async () => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  const auth = createTestAuth(conn);
  a = findOrCreateRun(conn.db, 'run-a').id;
  b = findOrCreateRun(conn.db, 'run-b').id;
  server = createApp({ conn, repos, logger: pino({ level: 'silent' }), authContext: auth.ctx }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  vi.stubEnv('TRAINBOARD_URL', base);
  vi.stubEnv('TRAINBOARD_TOKEN', auth.token('operator'));
});
afterAll(() => {
  vi.unstubAllEnvs();
  server.close();
  conn.close();
});

describe('trainboard publish / unpublish', () => {
  it('publishes a run, prints its public address, and changes it when run again', async () => {
    const io = captureIo();
    expect(await publish([String(a), '--slug', 'bloom-demo', '--title', 'BLOOM demo'], io)).toBe(0);
    expect(io.out()).toBe(`run ${a} is public at ${base}/p/bloom-demo\n`);
    expect(repos.publications.ofRun(a)).toMatchObject({ slug: 'bloom-demo', showNodes: false, description: null });
    const again = captureIo();
    const args = [String(a), '--slug', 'bloom-demo', '--title', 'BLOOM', '--description', 'A demo', '--show-nodes'];
    expect(await publish(args, again)).toBe(0);
    expect(again.out()).toContain('(node names shown)');
    expect(repos.publications.ofRun(a)).toMatchObject({ title: 'BLOOM', description: 'A demo', showNodes: true });
    expect(repos.audit.list({ runId: a }).map((r) => r.action)).toEqual(['run.publish', 'run.publish']);
  });

  it('says why the server refused (a slug of another run) and exits 1', async () => {
    const io = captureIo();
    expect(await publish([String(b), '--slug', 'bloom-demo', '--title', 'Other'], io)).toBe(1);
    expect(io.err()).toMatch(/^trainboard publish: the address \/p\/bloom-demo is already used/);
  });

  it('checks its arguments before asking the server (exit 2)', async () => {
    for (const argv of [
      ['--slug', 'x', '--title', 'T'],
      ['abc', '--slug', 'x', '--title', 'T'],
      [String(a), '--slug', 'Bad Slug', '--title', 'T'],
      [String(a), '--slug', 'ok'],
      [String(a), '--slug', 'ok', '--title', 'x'.repeat(121)],
    ]) {
      const io = captureIo();
      expect(await publish(argv, io)).toBe(2);
      expect(io.err()).toContain('usage: trainboard publish');
    }
  });

  it('unpublishes, and says so when the run was not published', async () => {
    const io = captureIo();
    expect(await unpublish([String(a)], io)).toBe(0);
    expect(io.out()).toBe(`run ${a} is no longer public\n`);
    expect(repos.publications.ofRun(a)).toBeUndefined();
    const twice = captureIo();
    expect(await unpublish([String(a)], twice)).toBe(1);
    expect(twice.err()).toBe('trainboard unpublish: this run is not published\n');
  });
});
