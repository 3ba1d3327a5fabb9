// The wiring in the composition root: a followed log's crash reaches GET /api/runs/:id/incidents through the
// followers' commit hook, and the route answers open incidents first (most severe, then newest), then resolved
// ones, newest first, at most 200, with the open count.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '@trainboard/shared/detect/incident';
import type { IncidentsResponse } from '@trainboard/shared/detect/incidentApi';
import { findOrCreateRun } from '../db/runs.repo.js';
import { createRepositories } from '../db/repositories.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import type { ServerStack } from '../stack.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { CUDA_CRASH, iterationLine, startFollowingStack } from '../testing/followingStack.js';

const iteration = iterationLine;

const CRASH = CUDA_CRASH;

let stack: ServerStack;
let auth: TestAuth;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-incidents-'));
  stack = await startFollowingStack();
  auth = createTestAuth(stack.authContext);
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (runId: number, role: 'viewer' | null = 'viewer') => {
  const res = await fetch(`${stack.url}api/runs/${runId}/incidents`, { headers: role ? auth.headers(role) : {} });
  return { status: res.status, body: (await res.json()) as IncidentsResponse };
};

function incident(n: number, severity: Incident['severity'], resolved: boolean): Incident {
  return {
    key: `loss_spike@${n}`,
    kind: 'loss_spike',
    severity,
    title: `spike ${n}`,
    iteration: n,
    offset: n,
    evidence: [{ offset: n, line: n, text: `line ${n}` }],
    suggestedAction: null,
    workLostIterations: null,
    openedAtMs: 1_000_000 + n,
    resolvedAtMs: resolved ? 2_000_000 + n : null,
  };
}

describe('incidents in the server stack', () => {
  it('a followed log crash shows in GET /api/runs/:id/incidents', async () => {
    const log = join(dir, 'main_log.txt');
    writeFileSync(log, iteration(1) + iteration(2) + CRASH);
    const { runId } = registerFollowedFile(stack.conn.db, 'crashing', log);
    await expect
      .poll(async () => (await get(runId)).body.incidents.map((i) => [i.kind, i.failureKind]), { timeout: 10_000 })
      .toEqual([['crash', 'cuda_error']]);
    expect((await get(runId)).body.openCount).toBe(1);
    expect((await get(runId, null)).status).toBe(401);
  });

  it('orders open first by severity then newest, resolved newest first, and bounds the list to 200', async () => {
    const runId = findOrCreateRun(stack.conn.db, 'many').id;
    const repos = createRepositories(stack.conn.sqlite);
    const put = (i: Incident) => repos.incidents.upsert({ runId, incident: i, jobId: null, nowMs: 1 });
    for (let n = 1; n <= 250; n++) put(incident(n, 'info', true));
    put(incident(300, 'warning', false));
    put(incident(301, 'critical', false));
    put(incident(302, 'warning', false));
    const { status, body } = await get(runId);
    expect(status).toBe(200);
    expect(body.openCount).toBe(3);
    expect(body.incidents).toHaveLength(200);
    expect(body.incidents.slice(0, 4).map((i) => i.iteration)).toEqual([301, 302, 300, 250]);
    expect(body.incidents.at(-1)?.iteration).toBe(54);
    // Upserting a key again updates its row: no second row, and the first opening time stays.
    put({ ...incident(300, 'warning', false), resolvedAtMs: 3_000_000, openedAtMs: 9 });
    const after = await get(runId);
    expect(after.body.openCount).toBe(2);
    expect(after.body.incidents.find((i) => i.iteration === 300)).toMatchObject({ openedAtMs: 1_000_300 });
    expect(repos.incidents.ofRun(runId)).toHaveLength(253);
  });
});
