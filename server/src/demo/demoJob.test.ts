import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalShell } from '../adapters/localShell.js';
import { remoteFiles } from '../adapters/sshFiles.js';
import type { ControlCluster } from '../control/ports.js';
import { FAKE_TRAINER_PATH } from '../render/templates.js';
import { demoRunDir, FAULT_CONTROL_FILE } from './demoJob.js';
import { startDemo } from './startDemo.js';

const root = mkdtempSync(join(tmpdir(), 'demo-job-'));
const runDir = join(root, 'jobs/demo-run');
const shell = new LocalShell();
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('demoRunDir', () => {
  it('writes a trainer wrapper that crashes the first start only, at the chosen iteration', async () => {
    const cluster = { files: remoteFiles(shell) } as ControlCluster;
    await cluster.files.mkdirp(runDir);
    const overrides = await demoRunDir({ fakeTrainer: FAKE_TRAINER_PATH, crashAt: 8 })(cluster, runDir);
    expect(overrides).toEqual({ fakeTrainerPath: join(runDir, 'pretrain_gpt_demo.py') });
    expect(readFileSync(join(runDir, 'crash-once'), 'utf8')).toBe('8\n');
    const train = () =>
      spawnSync(
        'python3',
        [
          join(runDir, 'pretrain_gpt_demo.py'),
          '--train-iters',
          '12',
          '--save',
          'ckpt',
          '--load',
          'ckpt',
          '--save-interval',
          '5',
          '--seconds-per-iteration',
          '0.01',
          '--gpus-per-node',
          '1',
        ],
        { cwd: runDir, encoding: 'utf8' },
      );
    const first = train();
    expect(first.status).toBe(1);
    expect(first.stdout + first.stderr).toContain('CUDA error: unknown error');
    expect(first.stdout).toMatch(/iteration\s+7\//);
    expect(first.stdout).not.toMatch(/iteration\s+8\//);
    expect(existsSync(join(runDir, 'crash-once'))).toBe(false);

    const second = train();
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('successfully loaded checkpoint from ckpt at iteration 5');
    expect(second.stdout).toMatch(/iteration\s+12\//);
  });

  it("polls the run folder's fault control file: `hang` stops the output, the process stays alive", async () => {
    const dir = join(root, 'jobs/hang-run');
    const cluster = { files: remoteFiles(shell) } as ControlCluster;
    await cluster.files.mkdirp(dir);
    await demoRunDir({ fakeTrainer: FAKE_TRAINER_PATH, crashAt: null })(cluster, dir);
    writeFileSync(join(dir, FAULT_CONTROL_FILE), 'hang\n');
    const args = ['--train-iters', '5', '--seconds-per-iteration', '0.01', '--gpus-per-node', '1'];
    const run = spawnSync('python3', [join(dir, 'pretrain_gpt_demo.py'), ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 3_000,
    });
    expect(run.signal).toBe('SIGTERM'); // still alive when the timeout ended it: hung, not exited
    expect(run.stdout).not.toMatch(/iteration\s+2\//);
  });

  it('refuses a crash iteration that is not a positive integer', () => {
    expect(() => demoRunDir({ fakeTrainer: FAKE_TRAINER_PATH, crashAt: 0 })).toThrow(/positive integer/);
    expect(() => demoRunDir({ fakeTrainer: FAKE_TRAINER_PATH, crashAt: 1.5 })).toThrow(/positive integer/);
  });
});

describe('the demo on the local cluster', () => {
  it('submits through SubmitRunService; the crash is resubmitted by the failure policy through runActions', async () => {
    const demo = await startDemo({
      target: { kind: 'local', workDir: join(root, 'local') },
      dbPath: join(root, 'demo.db'),
      port: 0,
      logger: pino({ level: 'silent' }),
      runName: 'demo-test',
      secondsPerIteration: 0.02,
      crashAt: 60,
      tickMs: 200,
    });
    try {
      expect(demo.loginUrl).toMatch(/\/api\/auth\/once\?t=[A-Za-z0-9_%-]{20,}$/);
      const { store } = demo.stack.control!;
      const end = Date.now() + 90_000;
      while (!store.jobsOfRun(demo.runId).some((j) => j.reason === 'policy' && j.phase === 'submitted')) {
        if (Date.now() > end) throw new Error('no automatic resubmission');
        await new Promise((r) => setTimeout(r, 200));
      }
      const jobs = store.jobsOfRun(demo.runId);
      expect(jobs.map((j) => j.reason)).toEqual(['initial', 'policy']);
      expect(jobs[0]!.state).toBe('FAILED');
      const resubmit = store.action(1)!;
      expect(resubmit).toMatchObject({
        kind: 'resubmit',
        requestedBy: null,
        actorName: 'failure policy',
        state: 'done',
      });
      const audit = demo.stack.conn.sqlite
        .prepare<[number], { action: string; actor_kind: string; result: string }>(
          'SELECT action, actor_kind, result FROM audit_log WHERE run_id = ? ORDER BY id',
        )
        .all(demo.runId)
        .map((e) => `${e.action} ${e.actor_kind} ${e.result}`);
      expect(audit).toContain('run.resubmit system requested');
      expect(audit).toContain('job.submit system ok');
    } finally {
      await demo.stop();
    }
  });
});
