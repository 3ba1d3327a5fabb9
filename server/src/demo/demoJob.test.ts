import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalShell } from '../adapters/localShell.js';
import { captureIo } from '../testing/captureIo.js';
import { run as render } from '../cli/commands/render.js';
import { FAKE_TRAINER_PATH } from '../render/templates.js';
import { prepareDemoJob } from './demoJob.js';

const root = mkdtempSync(join(tmpdir(), 'demo-job-'));
const runDir = join(root, 'jobs/trainboard-demo-2026-01-01T00-00-00-000Z');
const shell = new LocalShell();
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('prepareDemoJob', () => {
  it('writes the run folder and a trainer wrapper that crashes the first start only, at the chosen iteration', async () => {
    const job = await prepareDemoJob(
      { shell, runDir, fakeTrainer: FAKE_TRAINER_PATH, partition: 'gpu_dev' },
      { secondsPerIteration: 0.05, crashAt: 8 },
    );
    expect(job).toMatchObject({
      chdir: runDir,
      jobName: 'trainboard-demo',
      logPath: join(runDir, 'runs/demo/logs/main/main_log.txt'),
      trainIters: 391,
      checkpointInterval: 50,
    });
    expect(job.script).toContain('#SBATCH --partition=gpu_dev');
    expect(job.script).toContain('--seconds-per-iteration 0.05');
    // bash reads the rendered assignment back as the wrapper's path.
    const assignment = job.script.split('\n').find((l) => l.startsWith('FAKE_TRAINER=')) ?? '';
    expect(execFileSync('bash', ['-c', `${assignment}\nprintf %s "$FAKE_TRAINER"`], { encoding: 'utf8' })).toBe(
      join(runDir, 'pretrain_gpt_demo.py'),
    );
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

  it('renders the script `trainboard render --preset demo --template fake-trainer` renders (one render path)', async () => {
    const dir = join(root, 'same-path');
    const job = await prepareDemoJob(
      { shell, runDir: dir, fakeTrainer: FAKE_TRAINER_PATH },
      { secondsPerIteration: 0.05, crashAt: null },
    );
    const io = captureIo();
    const out = join(root, 'rendered');
    const code = await render(
      [
        '--preset',
        'demo',
        '--template',
        'fake-trainer',
        '--fake-trainer',
        join(dir, 'pretrain_gpt_demo.py'),
        '--seconds-per-iteration',
        '0.05',
        '--out',
        out,
      ],
      io,
    );
    expect(code, io.err()).toBe(0);
    expect(job.script).toBe(readFileSync(join(out, 'trainboard-demo.fake.slurm'), 'utf8'));
  });

  it('refuses a crash iteration outside the run and a relative folder, before writing anything', async () => {
    const dir = join(root, 'refused');
    await expect(
      prepareDemoJob(
        { shell, runDir: dir, fakeTrainer: FAKE_TRAINER_PATH },
        { secondsPerIteration: 0.1, crashAt: 391 },
      ),
    ).rejects.toThrow('the crash iteration must be an integer in [1, 390], got 391');
    await expect(
      prepareDemoJob(
        { shell, runDir: dir, fakeTrainer: FAKE_TRAINER_PATH },
        { secondsPerIteration: 0.1, crashAt: 1.5 },
      ),
    ).rejects.toThrow('got 1.5');
    await expect(
      prepareDemoJob(
        { shell, runDir: 'relative/run', fakeTrainer: FAKE_TRAINER_PATH },
        { secondsPerIteration: 0.1, crashAt: null },
      ),
    ).rejects.toThrow('must be absolute');
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses a folder name the script could not carry as one shell word, and runs nothing', async () => {
    const hostile = join(root, `run 'a" $(touch canary)`);
    await expect(
      prepareDemoJob(
        { shell, runDir: hostile, fakeTrainer: FAKE_TRAINER_PATH },
        { secondsPerIteration: 0.1, crashAt: 5 },
      ),
    ).rejects.toThrow('refusing to render unvalidated path');
    expect(existsSync(hostile)).toBe(false);
    expect(existsSync(join(process.cwd(), 'canary'))).toBe(false);
  });
});
