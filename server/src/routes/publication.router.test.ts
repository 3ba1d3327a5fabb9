// Publishing over REST: operators publish, update and unpublish (each audited), viewers read, a slug another run
// holds is a 409, invalid input a 400, and the public snapshots hear of each change at once.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import type { PublicSnapshots } from '../public/ports.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';

let conn: OpenDatabase;
let repos: Repositories;
let server: Server;
let base: string;
let auth: TestAuth;
let a: number;
let b: number;
const changed: number[] = [];

beforeAll(async () => {
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  auth = createTestAuth(conn);
  a = findOrCreateRun(conn.db, 'private-name-a').id;
  b = findOrCreateRun(conn.db, 'private-name-b').id;
  const publicSnapshots: PublicSnapshots = {
    get: () => undefined,
    onChange: () => () => undefined,
    publicationChanged: (runId) => void changed.push(runId),
  };
  const app = createApp({ conn, repos, logger: pino({ level: 'silent' }), authContext: auth.ctx, publicSnapshots });
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
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const input = { slug: 'bloom-demo', title: '  BLOOM demo  ', description: '', showNodes: true };

describe('publication REST', () => {
  it('publishes, reads, updates and unpublishes, auditing each change', async () => {
    expect(await call('GET', `/api/runs/${a}/publication`, 'viewer')).toEqual({
      status: 200,
      body: { publication: null },
    });
    const put = await call('PUT', `/api/runs/${a}/publication`, 'operator', input);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      runId: a,
      slug: 'bloom-demo',
      title: 'BLOOM demo',
      description: null,
      showNodes: true,
      publishedBy: 'test-operator',
      path: '/p/bloom-demo',
    });
    const read = await call('GET', `/api/runs/${a}/publication`, 'viewer');
    expect(read.body?.publication).toEqual(put.body);
    const update = await call('PUT', `/api/runs/${a}/publication`, 'operator', { ...input, slug: 'bloom-2' });
    expect(update.body).toMatchObject({ slug: 'bloom-2', createdAt: put.body?.createdAt });
    expect((await call('DELETE', `/api/runs/${a}/publication`, 'operator')).status).toBe(204);
    expect((await call('DELETE', `/api/runs/${a}/publication`, 'operator')).body).toMatchObject({
      code: 'not_published',
    });
    expect(repos.publications.ofRun(a)).toBeUndefined();
    const audit = repos.audit.list({ runId: a }).reverse();
    expect(audit.map((r) => [r.action, r.targetId, r.result, r.actorName])).toEqual([
      ['run.publish', 'bloom-demo', 'ok', 'test-operator'],
      ['run.publish', 'bloom-2', 'ok', 'test-operator'],
      ['run.unpublish', 'bloom-2', 'ok', 'test-operator'],
    ]);
    expect(audit[1]?.details).toMatchObject({ previousSlug: 'bloom-demo', showNodes: true });
    expect(changed.filter((id) => id === a)).toHaveLength(3);
  });

  it('refuses a slug another run holds with 409, audited as refused', async () => {
    await call('PUT', `/api/runs/${a}/publication`, 'operator', input);
    const taken = await call('PUT', `/api/runs/${b}/publication`, 'operator', input);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 'slug_taken' });
    expect(repos.publications.ofRun(b)).toBeUndefined();
    expect(repos.audit.list({ runId: b })[0]).toMatchObject({
      action: 'run.publish',
      result: 'refused',
      errorCode: 'slug_taken',
    });
    await call('DELETE', `/api/runs/${a}/publication`, 'operator');
  });

  it('validates: slug shape, title length, description length, no unknown fields; 404 for no run', async () => {
    const bad = [
      { ...input, slug: 'Not A Slug' },
      { ...input, slug: '-x' },
      { ...input, title: '' },
      { ...input, title: 'x'.repeat(121) },
      { ...input, description: 'x'.repeat(501) },
      { ...input, runName: 'leak' },
      { title: 'no slug' },
    ];
    for (const body of bad)
      expect((await call('PUT', `/api/runs/${a}/publication`, 'operator', body)).status).toBe(400);
    expect((await call('PUT', `/api/runs/999/publication`, 'operator', input)).status).toBe(404);
    expect((await call('GET', `/api/runs/999/publication`, 'viewer')).status).toBe(404);
    expect(repos.publications.list()).toEqual([]);
  });

  it('is an operator action: a viewer may read but not publish', async () => {
    expect((await call('PUT', `/api/runs/${a}/publication`, 'viewer', input)).status).toBe(403);
    expect((await call('DELETE', `/api/runs/${a}/publication`, 'viewer')).status).toBe(403);
  });
});
