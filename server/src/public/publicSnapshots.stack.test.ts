// The wiring in the composition root: a followed run published over REST gets its public entry at once, a line
// appended to its log reaches the entry through the ingest commit hook, and unpublishing drops it.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerFollowedFile } from '../follow/followedSources.js';
import type { ServerStack } from '../stack.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { iterationLine, startFollowingStack } from '../testing/followingStack.js';

const iteration = iterationLine;

/** A generous wait for a loaded machine; shorter than the 15 s idle rebuild, so the ingest hook is what is proven. */
const WAIT = { timeout: 10_000 };

let stack: ServerStack;
let auth: TestAuth;
let dir: string;
let log: string;
let runId: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-public-'));
  log = join(dir, 'main_log.txt');
  writeFileSync(log, iteration(1) + iteration(2));
  stack = await startFollowingStack();
  auth = createTestAuth(stack.authContext);
  runId = registerFollowedFile(stack.conn.db, 'private-run', log).runId;
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, body?: unknown) =>
  fetch(`${stack.url}api/runs/${runId}/publication`, {
    method,
    headers: { 'content-type': 'application/json', ...auth.headers('operator') },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

describe('public snapshots in the server stack', () => {
  it('builds on publish, follows the ingest, and drops on unpublish', async () => {
    const put = await call('PUT', { slug: 'live-demo', title: 'Live demo' });
    expect(put.status).toBe(200);
    await expect.poll(() => stack.publicSnapshots.get('live-demo')?.snapshot.progress.iteration, WAIT).toBe(2);
    appendFileSync(log, iteration(3) + iteration(4));
    await expect.poll(() => stack.publicSnapshots.get('live-demo')?.snapshot.progress.iteration, WAIT).toBe(4);
    expect(stack.publicSnapshots.get('live-demo')?.json).not.toContain('private-run');
    expect((await call('DELETE')).status).toBe(204);
    expect(stack.publicSnapshots.get('live-demo')).toBeUndefined();
  });
});
