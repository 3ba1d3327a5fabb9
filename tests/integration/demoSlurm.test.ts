// `npm run demo -- --slurm` on the real dev cluster: the demo module submits the demo preset's fake trainer with
// the real sbatch over the real sshd, follows its log over SFTP, records the job's Slurm states, resubmits the job
// that crashed (it resumes after the last checkpoint) and, when stopped, scancels the running job.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { openDatabase } from '../../server/src/db/client.js';
import { startDemo, type Demo } from '../../server/src/demo/startDemo.js';
import { REPO, backend, devCluster, sleep } from './cluster.js';

const CRASH_AT = 60; // after the preset's checkpoint at 50: the second job must start at 51
const dir = mkdtempSync(join(tmpdir(), 'trainboard-demo-slurm-'));
const clusterFile = `${process.env.DEV_CLUSTER_DIR ?? `${REPO}/.dev-cluster`}/cluster.json`;
let demo: Demo;

beforeAll(async () => {
  devCluster(); // a clear error when the cluster is not up
  demo = await startDemo({
    target: { kind: 'slurm', clusterFile },
    dbPath: join(dir, 'trainboard.db'),
    port: 0,
    logger: pino({ level: 'silent' }),
    secondsPerIteration: 0.1,
    crashAt: CRASH_AT,
    runName: 'demo-slurm-test',
    jobPollMs: 250,
  });
});

afterAll(async () => {
  await demo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `read` until it returns a value, recording nothing; fails with `what` after `ms`. */
async function until<T>(what: string, read: () => T | undefined, ms = 40_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('the demo on the loopback Slurm cluster', () => {
  it('streams iterations, records RUNNING then FAILED, resubmits from the checkpoint, and scancels on stop', async () => {
    const { sqlite } = demo.stack.conn;
    const jobRows = sqlite.prepare<[number], { scheduler_job_id: string; state: string; exit_code: number | null }>(
      'SELECT scheduler_job_id, state, exit_code FROM jobs WHERE run_id = ? ORDER BY id',
    );
    const firstJob = demo.training.currentJobId();
    expect(firstJob).toMatch(/^\d+$/);
    expect(demo.target).toBe(`${devCluster().ssh.user}@${devCluster().ssh.host}:${devCluster().ssh.port}`);

    // The first job's states as the jobs table shows them, sampled while it trains and crashes.
    const seen: string[] = [];
    await until('the first job to end', () => {
      const state = jobRows.all(demo.runId).find((j) => j.scheduler_job_id === firstJob)?.state;
      if (state && seen.at(-1) !== state) seen.push(state);
      return state === 'FAILED' ? state : undefined;
    });
    expect(seen.filter((s) => s !== 'PENDING' && s !== 'COMPLETING')).toEqual(['RUNNING', 'FAILED']);

    const iterationsOf = sqlite.prepare<[number], { segment: number; first: number; last: number }>(
      'SELECT segment, min(iteration) AS first, max(iteration) AS last FROM iterations WHERE run_id = ? GROUP BY segment ORDER BY segment',
    );
    const [crashed] = iterationsOf.all(demo.runId);
    expect(crashed?.first).toBe(1);
    expect(crashed?.last).toBeGreaterThan(50);
    expect(crashed?.last).toBeLessThan(CRASH_AT);

    // A second job, submitted by the demo, that resumes after the checkpoint saved at 50.
    const resumed = await until('the second job to train', () => iterationsOf.all(demo.runId)[1]);
    const secondJob = demo.training.currentJobId();
    expect(secondJob).not.toBe(firstJob);
    expect(jobRows.all(demo.runId).map((j) => j.scheduler_job_id)).toEqual([firstJob, secondJob]);
    expect(resumed.first).toBe(51);
    // The crash's traceback is a multi-line group: complete once the next job's lines follow it.
    const failures = sqlite
      .prepare<[number], { kind: string }>("SELECT kind FROM events WHERE run_id = ? AND type = 'failure'")
      .all(demo.runId);
    expect(failures.map((f) => f.kind)).toContain('cuda_error');
    const loaded = sqlite
      .prepare<[number], { iteration: number }>(
        "SELECT iteration FROM events WHERE run_id = ? AND type = 'checkpoint_loaded'",
      )
      .get(demo.runId);
    expect(loaded?.iteration).toBe(50);
    await until('the second job RUNNING in the jobs table', () =>
      jobRows.all(demo.runId)[1]?.state === 'RUNNING' ? true : undefined,
    );
    // The log viewer reads the cluster's log over SFTP, as the follower does.
    const headers = createTestAuth(demo.stack.authContext).headers('viewer');
    const window = (await (await fetch(`${demo.url}api/runs/${demo.runId}/log?iteration=51`, { headers })).json()) as {
      lines: string[];
    };
    expect(window.lines.some((l) => /iteration\s+51\//.test(l))).toBe(true);

    await demo.stop();
    const { shell, slurm } = backend();
    try {
      // squeue without --states lists only jobs that are pending, running or still being killed.
      const live = async () =>
        (await shell.exec(['squeue', '--noheader', `--jobs=${firstJob},${secondJob}`, '--format=%i %T'])).stdout.trim();
      const end = Date.now() + 15_000;
      while ((await live()) !== '' && Date.now() < end) await sleep(250);
      expect(await live()).toBe('');
      expect((await slurm.status([secondJob])).jobs[0]?.state).toBe('CANCELLED');
      expect(sqlite.open).toBe(false); // stop() closed the database too
      const db = openDatabase(join(dir, 'trainboard.db'));
      try {
        expect(db.sqlite.prepare('SELECT scheduler_job_id AS job, state FROM jobs ORDER BY jobs.id').all()).toEqual([
          { job: firstJob, state: 'FAILED' },
          { job: secondJob, state: 'CANCELLED' },
        ]);
        expect(db.sqlite.prepare('SELECT state FROM runs').all()).toEqual([{ state: 'cancelled' }]);
      } finally {
        db.close();
      }
    } finally {
      await slurm.close();
    }
  });
});
