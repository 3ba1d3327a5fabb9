// The wiring in the composition root: an operator routes a run's critical incidents to a webhook over REST, a
// crash appended to the followed log becomes an incident (stack.incidents), and one alert in words reaches a real
// HTTP receiver on loopback, with the run page link from the public base URL.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
let hook: Server;
let hookUrl: string;
const texts: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-alerts-'));
  hook = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      texts.push((JSON.parse(raw) as { text: string }).text);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T/B/secret`;
  stack = await startFollowingStack({ alerts: { publicBaseUrl: 'https://dash.example.org' } });
  auth = createTestAuth(stack.authContext);
});
afterAll(async () => {
  await stack.stop();
  await new Promise<void>((r) => hook.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

describe('alerts in the server stack', () => {
  it('a crash in a followed log reaches the webhook the operator routed, once, in words', async () => {
    const log = join(dir, 'main_log.txt');
    writeFileSync(log, iteration(1) + iteration(2));
    const { runId } = registerFollowedFile(stack.conn.db, 'crashing', log);
    const res = await fetch(`${stack.url}api/runs/${runId}/alerts`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...auth.headers('operator') },
      body: JSON.stringify({ channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'critical', url: hookUrl }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).not.toContain('secret');
    // The crash comes after the rows before it were read (not in the first read of an old log).
    const repos = createRepositories(stack.conn.sqlite);
    await expect.poll(() => repos.iterations.latest(runId)?.iteration, { timeout: 10_000 }).toBe(2);
    await stack.incidents.idle();
    appendFileSync(log, CRASH);
    await expect.poll(() => texts.length, { timeout: 10_000 }).toBe(1);
    await stack.alerts.idle();
    expect(texts[0]).toMatch(/^CRITICAL incident on run crashing \(#\d+\): /);
    expect(texts[0]).toContain('Kind: crash (cuda error)');
    expect(texts[0]).toContain(`Run page: https://dash.example.org/runs/${runId}`);
    expect(stack.alerts.stats()).toMatchObject({ sent: 1, failed: 0 });
  });
});
