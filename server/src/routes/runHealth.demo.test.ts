// The demo end to end on the local cluster: the template's job start markers reach the database through the
// follower, so job 1's CUDA error is job 1's end, the overview says the run crashed or was resubmitted while job 2
// starts, and healthy once job 2 trains, with job 2 as the current job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemo } from '../demo/startDemo.js';

const root = mkdtempSync(join(tmpdir(), 'health-demo-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Signs in through the demo's one-time link and returns a GET that carries the session cookie. */
async function signedIn(loginUrl: string) {
  const res = await fetch(loginUrl, { redirect: 'manual' });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  expect(cookie).toMatch(/^tb\.sid=/);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked by the assertions
  return async (url: string): Promise<any> => (await fetch(url, { headers: { cookie } })).json();
}

describe('run health of the demo (crash at iteration 60, resubmitted by the policy)', () => {
  it('binds the crash to job 1 and goes crashed/resubmitted → healthy with job 2 current', async () => {
    const demo = await startDemo({
      target: { kind: 'local', workDir: join(root, 'local') },
      dbPath: join(root, 'demo.db'),
      port: 0,
      logger: pino({ level: 'silent' }),
      runName: 'health-demo',
      secondsPerIteration: 0.05,
      crashAt: 60,
      tickMs: 200,
    });
    try {
      const get = await signedIn(demo.loginUrl);
      const overview = () => get(new URL(`/api/runs/${demo.runId}/overview`, demo.stack.url).href);
      const seen: string[] = [];
      const end = Date.now() + 120_000;
      let o = await overview();
      // Until job 2 runs and has logged an iteration after its own start.
      while (!(o.currentJob?.jobId !== o.healthInputs.jobs[0]?.jobId && o.health.state === 'healthy' && seen.length)) {
        if (Date.now() > end) throw new Error(`job 2 never trained; health seen: ${seen.join(' ')}`);
        if (seen.at(-1) !== o.health.state) seen.push(o.health.state);
        await new Promise((r) => setTimeout(r, 100));
        o = await overview();
      }
      expect(seen.filter((s) => s === 'crashed' || s === 'resubmitted').length).toBeGreaterThan(0);
      const [first, second] = o.healthInputs.jobs;
      expect(first.end).toMatchObject({
        kind: 'cuda_error',
        text: 'CUDA error',
        iteration: 59,
        failed: true,
        source: 'log',
      });
      expect(second).toMatchObject({ state: 'RUNNING', end: null, reason: 'policy' });
      expect(o.currentJob.jobId).toBe(second.jobId);
      const markers = demo.stack.conn.sqlite
        .prepare("SELECT json_extract(payload, '$.jobId') FROM events WHERE run_id = ? AND type = 'job_start'")
        .pluck()
        .all(demo.runId);
      expect(markers).toEqual([first.jobId, second.jobId]);
    } finally {
      await demo.stop();
    }
  }, 180_000);
});
