// The issue-15 faults of the fake trainer: hang-eval (F3), straggler (F7, with its fake nvidia-smi), the bad node
// (F2), the SIGUSR1 stack dump, and the lockstep of several tasks when one of them hangs, straggles or fails.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, runTrainer, scratch, startTrainer, until } from './runTrainer.js';

const NVIDIA_SMI = fileURLToPath(new URL('../../scripts/fake-trainer/nvidia-smi', import.meta.url));
const base = ['--seconds-per-iteration', '0', '--global-batch-size', '16', '--log-interval', '1'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Started = ReturnType<typeof startTrainer>;
const started: Started[] = [];
function start(...a: Parameters<typeof startTrainer>): Started {
  const s = startTrainer(...a);
  started.push(s);
  return s;
}
afterEach(async () => {
  for (const s of started.splice(0)) {
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await s.exited;
  }
});

/** Output length stays the same for `ms` while the process stays alive. */
async function expectSilentAndAlive(run: Started, ms = 700): Promise<void> {
  const before = run.output().length;
  await sleep(ms);
  expect(run.output().length).toBe(before);
  expect(run.child.exitCode).toBeNull();
}

function iterations(text: string): number[] {
  return parse(text).flatMap((e) => (e.type === 'iteration' ? [e.iteration] : []));
}

function gpus(env: Record<string, string>): { index: number; clock: number; temp: number }[] {
  const r = spawnSync(
    'python3',
    [NVIDIA_SMI, '--query-gpu=index,clocks.sm,temperature.gpu', '--format=csv,noheader,nounits'],
    { encoding: 'utf8', env: { ...process.env, ...env } },
  );
  expect(r.status).toBe(0);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(', ').map(Number))
    .map(([index, clock, temp]) => ({ index: index!, clock: clock!, temp: temp! }));
}

describe('fake trainer: issue-15 faults', () => {
  it('hang-eval prints the first group of the next validation round, then hangs alive; SIGUSR1 dumps the stacks', async () => {
    const run = start(
      [...base, '--train-iters', '50', '--eval-interval', '4', '--fault', 'hang-eval', '--fault-at-iteration', '6'],
      { stderr: 'merge' },
    );
    await until(() => run.output().includes('valid loss at iteration 8 '));
    await expectSilentAndAlive(run);
    const events = parse(run.output());
    // The round at 4 is whole; the one at 8 stops after its first group.
    const vals = events.flatMap((e) => (e.type === 'validation' ? [`${e.group}@${e.iteration}`] : []));
    expect(vals).toEqual(['valid@4', 'valid_en@4', 'valid_fr@4', 'valid@8']);
    expect(iterations(run.output()).at(-1)).toBe(8);

    run.child.kill('SIGUSR1');
    await until(() => /in main\n/.test(run.output()));
    expect(run.child.exitCode).toBeNull(); // the dump does not end the process
    const dump = run.output().slice(run.output().indexOf('(most recent call first):') - 40);
    expect(dump).toMatch(/^(Current thread|Thread) 0x[0-9a-f]+ \(most recent call first\):$/m);
    expect(dump).toMatch(/^ {2}File ".*pretrain_gpt\.py", line \d+ in hang_forever$/m);
    expect(dump).toMatch(/^ {2}File ".*pretrain_gpt\.py", line \d+ in evaluate$/m);
  });

  it('hang-eval without evals runs one round right after the fault iteration', async () => {
    const run = start([
      ...base,
      '--train-iters',
      '50',
      '--eval-interval',
      '0',
      '--fault',
      'hang-eval',
      '--fault-at-iteration',
      '3',
    ]);
    await until(() => run.output().includes('valid loss at iteration 3 '));
    await expectSilentAndAlive(run);
    expect(iterations(run.output()).at(-1)).toBe(3);
  });

  it('straggler: iterations --slow-factor slower; the fake nvidia-smi throttles GPU 0 of the first node only', async () => {
    const job = `straggle${process.pid}`;
    const run = start(
      [
        ...base,
        '--train-iters',
        '100000',
        '--seconds-per-iteration',
        '0.02',
        '--reported-seconds-per-iteration',
        '10',
        '--eval-interval',
        '0',
        '--fault',
        'straggler',
        '--fault-at-iteration',
        '4',
        '--slow-factor',
        '3',
      ],
      { env: { SLURM_JOB_ID: job } },
    );
    await until(() => iterations(run.output()).includes(6));
    const times = parse(run.output()).flatMap((e) => (e.type === 'iteration' ? [e.iterationTimeMs ?? 0] : []));
    expect(times[1]).toBeLessThan(11_000);
    expect(times[2]).toBeLessThan(11_000);
    expect(Math.min(...times.slice(3, 6))).toBeGreaterThan(29_000);

    const first = gpus({ SLURM_JOB_ID: job, SLURM_NODEID: '0', SLURMD_NODENAME: 'c1' });
    expect(first[0]).toMatchObject({ clock: 600, temp: 89 });
    expect(first.slice(1).every((g) => g.clock >= 1380 && g.temp < 80)).toBe(true);
    const second = gpus({ SLURM_JOB_ID: job, SLURM_NODEID: '1', SLURMD_NODENAME: 'c2' });
    expect(second.every((g) => g.clock >= 1380 && g.temp < 80)).toBe(true);
    // Another job's GPUs are idle, not throttled.
    expect(gpus({ SLURM_JOB_ID: `${job}x`, SLURM_NODEID: '0' }).every((g) => g.clock === 210)).toBe(true);
  });

  it('slow still throttles one GPU of the first node (at 915 MHz)', async () => {
    const run = start([...base, '--train-iters', '100000', '--seconds-per-iteration', '0.05', '--fault', 'slow'], {
      env: { SLURM_JOB_ID: '1003' },
    });
    await until(() => iterations(run.output()).length > 0);
    const rows = gpus({ SLURM_JOB_ID: '1003', SLURM_NODEID: '0' });
    expect(rows.filter((g) => g.clock === 915).map((g) => g.index)).toEqual([1003 % 8]);
  });

  it('a control file saying "straggler 4" slows the run from then on', async () => {
    const dir = scratch();
    const control = join(dir, 'control');
    const run = start([
      ...base,
      '--train-iters',
      '100000',
      '--seconds-per-iteration',
      '0.02',
      '--reported-seconds-per-iteration',
      '10',
      '--eval-interval',
      '0',
      '--control-file',
      control,
    ]);
    await until(() => iterations(run.output()).length >= 3);
    writeFileSync(control, 'straggler 4\n');
    await until(() => /elapsed time per iteration \(s\): 4\d\.\d\d/.test(run.output()));
  });

  it.each([
    ['--bad-node', (node: string) => ({ args: ['--bad-node', node], env: {} })],
    ['TRAINBOARD_FAKE_BAD_NODE', (node: string) => ({ args: [], env: { TRAINBOARD_FAKE_BAD_NODE: node } })],
  ])('the bad node (%s) fails at every start with the ECC text; other nodes train', (_how, make) => {
    const { args, env } = make('c2');
    const common = [...base, '--train-iters', '3', '--eval-interval', '0', ...args];
    for (let start = 0; start < 2; start++) {
      const bad = runTrainer(common, { ...env, SLURMD_NODENAME: 'c2' });
      expect(bad.status).toBe(1);
      const failures = parse(bad.stdout).filter((e) => e.type === 'failure');
      expect(failures[0]).toMatchObject({ kind: 'ecc_error' });
      expect(bad.stdout).toContain('uncorrectable ECC error encountered');
      expect(iterations(bad.stdout)).toEqual([]);
    }
    const good = runTrainer(common, { ...env, SLURMD_NODENAME: 'c1' });
    expect(good.status).toBe(0);
    expect(iterations(good.stdout)).toEqual([1, 2, 3]);
  });

  it('"bad-node c2" in the control file fails c2 at start-up, and mid-run when it appears', async () => {
    const dir = scratch();
    const control = join(dir, 'control');
    writeFileSync(control, 'bad-node c2\n');
    const args = [...base, '--train-iters', '3', '--eval-interval', '0', '--control-file', control];
    expect(runTrainer(args, { SLURMD_NODENAME: 'c2' }).status).toBe(1);
    expect(runTrainer(args, { SLURMD_NODENAME: 'c3' }).status).toBe(0);

    writeFileSync(control, '');
    const run = start(
      [...base, '--train-iters', '100000', '--seconds-per-iteration', '0.02', '--control-file', control],
      { env: { SLURMD_NODENAME: 'c2' } },
    );
    await until(() => iterations(run.output()).length >= 3);
    writeFileSync(control, 'bad-node c2\n');
    expect(await run.exited).toBe(1);
    expect(parse(run.output()).filter((e) => e.type === 'failure')[0]).toMatchObject({ kind: 'ecc_error' });
  });
});

describe('fake trainer: tasks in lockstep', () => {
  /** Two srun-like tasks of one step; `per(rank)` adds flags or env for one task. */
  function pair(extra: string[], per: (rank: number) => { args?: string[]; env?: Record<string, string> }) {
    const sync = scratch();
    const job = `${process.pid}${Math.floor(Math.random() * 1e6)}`;
    return [0, 1].map((rank) => {
      const own = per(rank);
      return start([...extra, '--sync-dir', sync, ...(own.args ?? [])], {
        env: {
          SLURM_NNODES: '2',
          SLURM_STEP_NUM_TASKS: '2',
          SLURM_PROCID: String(rank),
          SLURM_JOB_ID: job,
          SLURM_STEP_ID: '0',
          SLURMD_NODENAME: `c${rank + 1}`,
          ...own.env,
        },
      });
    });
  }
  const paced = [...base, '--train-iters', '100000', '--seconds-per-iteration', '0.02', '--eval-interval', '0'];

  it('a hang on the first task stops the last task (the printer) at the same iteration, both alive', async () => {
    const [t0, t1] = pair(paced, (rank) => ({
      args: rank === 0 ? ['--fault', 'hang', '--fault-at-iteration', '5'] : [],
    }));
    await until(() => iterations(t1!.output()).includes(4));
    await sleep(300);
    await expectSilentAndAlive(t1!);
    expect(iterations(t1!.output()).at(-1)).toBe(4);
    expect(t0!.child.exitCode).toBeNull();
  });

  it('a straggler on the first task slows the last task to its pace', async () => {
    const run = (straggle: boolean) =>
      pair([...base, '--train-iters', '30', '--seconds-per-iteration', '0.02', '--eval-interval', '0'], (rank) => ({
        args: straggle && rank === 0 ? ['--fault', 'straggler', '--fault-at-iteration', '5', '--slow-factor', '5'] : [],
      }));
    const t = Date.now();
    const slow = run(true);
    expect(await Promise.all(slow.map((s) => s.exited))).toEqual([0, 0]);
    // 25 iterations at 5 × 0.02 s on the first task: the last one cannot finish before ~2.5 s.
    expect(Date.now() - t).toBeGreaterThan(2_300);
    expect(iterations(slow[1]!.output())).toHaveLength(30);
  });

  it.each([
    ['the kill switch', 'kill_switch'],
    ['the exit duration', 'duration_limit'],
  ])(
    '%s stops both tasks at the iteration rank 0 saved, whichever task saw it first',
    async (_name, reason) => {
      const dir = scratch();
      const ks = join(dir, 'kill-switch');
      const stopArgs =
        reason === 'kill_switch'
          ? ['--kill-switch-path', ks]
          : ['--exit-duration-in-mins', '1', '--wall-clock-start', String(Date.now() / 1000 - 55)];
      const tasks = pair([...paced, '--save', join(dir, 'ck'), '--save-interval', '100000', ...stopArgs], () => ({}));
      await until(() => iterations(tasks[1]!.output()).length >= 5);
      if (reason === 'kill_switch') writeFileSync(ks, '');
      const codes = await Promise.race([Promise.all(tasks.map((t) => t.exited)), sleep(30_000).then(() => 'stuck')]);
      expect(codes).toEqual([0, 0]);
      const saved = parse(tasks[0]!.output()).flatMap((e) => (e.type === 'checkpoint_saved' ? [e.iteration] : []));
      expect(saved).toHaveLength(1);
      expect(parse(tasks[0]!.output()).flatMap((e) => (e.type === 'exit' ? [e.reason] : []))).toEqual([reason]);
      expect(iterations(tasks[1]!.output()).at(-1)).toBe(saved[0]);
    },
    60_000,
  );

  it('a task on the bad node fails at start-up and its peer stops waiting and exits 1 too', async () => {
    const [t0, t1] = pair(paced, () => ({ env: { TRAINBOARD_FAKE_BAD_NODE: 'c2' } }));
    expect(await t1!.exited).toBe(1);
    expect(await t0!.exited).toBe(1);
    expect(t1!.output()).toContain('uncorrectable ECC error encountered');
    expect(t0!.output()).not.toContain('ECC');
    expect(iterations(t1!.output())).toEqual([]);
  });
});
