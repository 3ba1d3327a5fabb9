// The fake trainer's output must parse, with the project's parser, into exactly the values it meant to print.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { comparable, groundTruth, parse, runTrainer, scratch, startTrainer, until } from './runTrainer.js';

const base = [
  '--seconds-per-iteration',
  '0',
  '--global-batch-size',
  '16',
  '--lr-warmup-samples',
  '80',
  '--checkpoint-activations',
];

describe('fake trainer output → parser', () => {
  it('parses event by event into its ground truth across a resume, with rampup, eval, saves, a spike and NaN', () => {
    const dir = scratch();
    const gt = join(dir, 'truth.jsonl');
    const ck = join(dir, 'ckpt');
    const common = [
      ...base,
      '--rampup-batch-size',
      '4',
      '4',
      '64',
      '--eval-interval',
      '10',
      '--save',
      ck,
      '--load',
      ck,
      '--save-interval',
      '10',
      '--ground-truth',
      gt,
    ];
    const first = runTrainer([...common, '--train-samples', '400', '--fault', 'spike', '--fault-at-iteration', '5']);
    const second = runTrainer([...common, '--train-samples', '800', '--fault', 'nan', '--fault-at-iteration', '40']);
    expect([first.status, second.status]).toEqual([0, 0]);
    const truth = groundTruth(gt);
    const events = parse(first.stdout + second.stdout);
    expect(comparable(events, truth)).toEqual(truth);

    const its = truth.filter((t) => t.type === 'iteration');
    // Two segments: 1..31 (rampup 4→16, derived train_iters 31), then resumed from the checkpoint at 31 up to 56.
    expect(its.map((t) => t.iteration)).toEqual([
      ...Array.from({ length: 31 }, (_, i) => i + 1),
      ...Array.from({ length: 25 }, (_, i) => i + 32),
    ]);
    expect(truth.filter((t) => t.type === 'checkpoint_loaded')).toEqual([expect.objectContaining({ iteration: 31 })]);
    // Consumed samples grow by the batch of each iteration; tokens = samples × 2048.
    for (let i = 1; i < its.length; i++) {
      const [a, b] = [its[i - 1]!, its[i]!];
      expect(b.consumedSamples).toBe((a.consumedSamples as number) + (b.globalBatchSize as number));
      expect(b.consumedTokens).toBe((b.consumedSamples as number) * 2048);
    }
    // Megatron's rampup: 3 increments over 64 samples (21.33 each); the batch depends on samples consumed before it.
    expect(its.slice(0, 16).map((t) => t.globalBatchSize)).toEqual([
      4, 4, 4, 4, 4, 4, 8, 8, 8, 12, 12, 16, 16, 16, 16, 16,
    ]);
    // Loss falls like a pretraining curve, spikes at 5, and is missing (NaN) from 40 on; grad norm prints nan.
    const loss = (n: number) => its.find((t) => t.iteration === n)!.lmLoss as number;
    expect(loss(1)).toBeGreaterThan(7);
    expect(loss(30)).toBeLessThan(loss(10));
    expect(loss(5)).toBeGreaterThan(loss(4) * 2);
    expect(
      its.filter((t) => (t.iteration as number) >= 40).every((t) => t.lmLoss === null && t.gradNorm === 'NaN'),
    ).toBe(true);
    // LR: linear warmup over 80 samples, then cosine decay towards min_lr.
    expect(its[0]!.learningRate).toBe(3e-6);
    expect(Math.max(...its.map((t) => t.learningRate as number))).toBeLessThanOrEqual(6e-5);
    expect(its.at(-1)!.learningRate).toBeLessThan(1e-5);
    expect(truth.filter((t) => t.type === 'validation' && t.lmLoss === 'NaN').length).toBeGreaterThan(0);
  });

  it('prints rank 0 lines on the first node, iteration lines on the last, TFLOPs by §2.6', () => {
    const args = [
      '--train-iters',
      '1',
      '--global-batch-size',
      '2048',
      '--seq-length',
      '2048',
      '--num-layers',
      '70',
      '--hidden-size',
      '14336',
      '--num-attention-heads',
      '112',
      '--checkpoint-activations',
      '--nnodes',
      '48',
      '--tensor-model-parallel-size',
      '4',
      '--pipeline-model-parallel-size',
      '12',
      '--seconds-per-iteration',
      '0',
      '--reported-seconds-per-iteration',
      '105.22',
      '--eval-interval',
      '0',
    ];
    const first = runTrainer(args, { SLURM_PROCID: '0' });
    const last = runTrainer(args, { SLURM_PROCID: '47' });
    const middle = runTrainer(args, { SLURM_PROCID: '20' });
    expect(first.stdout).toMatch(
      /^\[default0\]:using world size: 384, data-parallel-size: 8, tensor-model-parallel size: 4, pipeline-model-parallel size: 12 $/m,
    );
    expect(first.stdout).not.toMatch(/ iteration /);
    expect(last.stdout).not.toMatch(/using world size/);
    expect(middle.stdout).toBe('');
    const it1 = parse(last.stdout).find((e) => e.type === 'iteration');
    if (it1?.type !== 'iteration') throw new Error('no iteration line from the last rank');
    expect(it1.rank).toBe(7);
    // B=2048, s=2048, l=70, h=14336, V=250880 on 384 GPUs gives 149.02 TFLOPs at 105.22 s (the real line at 12695).
    const seconds = (it1.iterationTimeMs ?? 0) / 1000;
    expect(seconds).toBeGreaterThan(105.22 * 1.5); // the first iteration of a start carries start-up overhead
    expect(Math.abs((it1.tflops ?? 0) - (149.02 * 105.22) / seconds)).toBeLessThan(0.02);
  });

  it('exits through the kill switch mid-run after saving, and at start-up without saving', async () => {
    const dir = scratch();
    const ks = join(dir, 'kill-switch');
    const gt = join(dir, 'truth.jsonl');
    const args = [
      ...base,
      '--train-iters',
      '1000',
      '--seconds-per-iteration',
      '0.02',
      '--save',
      join(dir, 'ck'),
      '--save-interval',
      '1000',
      '--kill-switch-path',
      ks,
      '--ground-truth',
      gt,
      '--eval-interval',
      '0',
    ];
    const run = startTrainer(args);
    await until(() => run.output().includes(' iteration        5/'));
    writeFileSync(ks, '');
    expect(await run.exited).toBe(0);
    const truth = groundTruth(gt);
    expect(comparable(parse(run.output()), truth)).toEqual(truth);
    expect(truth.slice(-2)).toMatchObject([{ type: 'checkpoint_saved' }, { type: 'exit', reason: 'kill_switch' }]);
    const again = runTrainer(args);
    expect(again.status).toBe(0);
    expect(again.stdout).not.toMatch(/saving checkpoint|iteration\s+\d+\//);
    expect(parse(again.stdout).filter((e) => e.type === 'exit')).toMatchObject([
      { reason: 'kill_switch', iteration: null },
    ]);
  });

  it('exits gracefully at the exit duration and at the exit interval', () => {
    const dir = scratch();
    const d = runTrainer([
      ...base,
      '--train-iters',
      '100',
      '--exit-duration-in-mins',
      '1',
      '--wall-clock-start',
      String(Date.now() / 1000 - 120),
      '--save',
      join(dir, 'a'),
    ]);
    expect(d.status).toBe(0);
    expect(parse(d.stdout).filter((e) => e.type === 'exit')).toMatchObject([
      { reason: 'duration_limit', iteration: 1 },
    ]);
    const i = runTrainer([...base, '--train-iters', '100', '--exit-interval', '7', '--save', join(dir, 'b')]);
    expect(parse(i.stdout).filter((e) => e.type === 'exit' || e.type === 'checkpoint_saved')).toMatchObject([
      { type: 'checkpoint_saved', iteration: 7 },
      { type: 'exit', reason: 'exit_interval', iteration: 7 },
    ]);
  });

  it.each([
    ['crash', 'cuda_error'],
    ['ecc', 'ecc_error'],
    ['oom', 'out_of_memory'],
  ])('fault %s prints real failure text that parses as %s and exits 1', (fault, kind) => {
    const dir = scratch();
    const gt = join(dir, 'truth.jsonl');
    const r = runTrainer(
      [...base, '--train-iters', '20', '--fault', fault, '--fault-at-iteration', '3', '--ground-truth', gt],
      { SLURMD_NODENAME: 'jean-zay-iam21' },
    );
    expect(r.status).toBe(1);
    const failures = parse(r.stdout)
      .filter((e) => e.type === 'failure')
      .sort((a, b) => a.offset - b.offset);
    expect(failures[0]).toMatchObject({ kind });
    const truth = groundTruth(gt);
    expect(comparable(parse(r.stdout), truth)).toEqual(truth);
    if (fault === 'oom') expect(r.stdout).not.toMatch(/ iteration /);
    else expect(truth.filter((t) => t.type === 'iteration').map((t) => t.iteration)).toEqual([1, 2]);
  });

  it('takes faults from a control file while it runs: slow, then hang (alive and silent)', async () => {
    const dir = scratch();
    const control = join(dir, 'control');
    const run = startTrainer([
      ...base,
      '--train-iters',
      '100000',
      '--seconds-per-iteration',
      '0.02',
      '--control-file',
      control,
      '--eval-interval',
      '0',
      '--reported-seconds-per-iteration',
      '10',
    ]);
    try {
      await until(() => run.output().includes(' iteration        3/'));
      writeFileSync(control, 'slow 5\n');
      await until(() => /elapsed time per iteration \(s\): 5\d\.\d\d/.test(run.output()));
      writeFileSync(control, 'hang\n');
      await new Promise((r) => setTimeout(r, 300));
      const before = run.output().length;
      await new Promise((r) => setTimeout(r, 700));
      expect(run.output().length).toBe(before);
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    const its = parse(run.output()).filter((e) => e.type === 'iteration');
    const times = its.map((e) => (e.type === 'iteration' ? (e.iterationTimeMs ?? 0) : 0));
    expect(Math.min(...times.slice(1, 3))).toBeLessThan(11_000);
    expect(times.at(-1)).toBeGreaterThan(45_000);
  });
});
