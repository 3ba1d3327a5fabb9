import { describe, expect, it } from 'vitest';
import { globalBatchAt, rampupProblem, rampupSchedule, trainLength } from './rampup.js';

const TR11_RAMPUP = { start: 192, increment: 16, samples: 9_765_625 };

describe(trainLength.name, () => {
  it('gives tr11 its printed train_iters 115311 and the full batch 2048 from iteration 12659', () => {
    const length = trainLength({ trainSamples: 220_000_000, globalBatch: 2048, rampup: TR11_RAMPUP });
    expect(length.trainIters).toBe(115_311);
    expect(length.rampupIterations).toBe(12_658);
    expect(length.fullBatchAtIteration).toBe(12_659);
    expect(length.consumedSamplesAtEnd).toBe(219_999_152);
    expect(length.steps).toHaveLength(116); // 192, 208, …, 2032: the full 2048 only comes after the rampup
    expect(length.steps.at(-1)).toMatchObject({ globalBatch: 2032, toIteration: 12_658 });
  });

  it('reproduces the consumed samples of the real line at iteration 12695', () => {
    const schedule = rampupSchedule(2048, TR11_RAMPUP);
    expect(schedule.consumedAfterRampup).toBe(9_765_808);
    expect(schedule.consumedAfterRampup + (12_695 - 12_658) * 2048).toBe(9_841_584);
  });

  it('reaches global batch 784 (the MBS 1 → 2 switch) first at iteration 7573', () => {
    const step = rampupSchedule(2048, TR11_RAMPUP).steps.find((s) => s.globalBatch === 784);
    expect(step?.fromIteration).toBe(7_573);
  });

  it.each([
    // [label, rampup, global batch, train_iters, full batch from] — bloom-training-setup.md §4 and §17
    ['pre-launch plan from 16', { start: 16, increment: 16, samples: 9_765_625 }, 2048, 128_728, null],
    ['tr11e-350M', { start: 192, increment: 32, samples: 9_765_625 }, 256, 868_457, 47_231],
    ['tr11d-760M', { start: 192, increment: 16, samples: 9_765_625 }, 256, 866_753, 45_526],
    ['tr11b-1B3', { start: 192, increment: 16, samples: 9_765_625 }, 512, 441_356, 30_744],
    ['tr11f-6B3', { start: 192, increment: 32, samples: 9_765_625 }, 512, 442_197, 31_584],
  ])('matches the derived train_iters of %s', (_label, rampup, globalBatch, trainIters, fullFrom) => {
    const length = trainLength({ trainSamples: 220_000_000, globalBatch, rampup });
    expect(length.trainIters).toBe(trainIters);
    if (fullFrom !== null) expect(length.fullBatchAtIteration).toBe(fullFrom);
  });

  it('without a rampup divides samples by the global batch and drops the remainder', () => {
    expect(trainLength({ trainSamples: 1000, globalBatch: 64 })).toMatchObject({
      trainIters: 15,
      fullBatchAtIteration: 1,
      consumedSamplesAtEnd: 960,
    });
  });

  it('takes train iterations as given', () => {
    expect(trainLength({ trainIters: 300, globalBatch: 64 })).toMatchObject({
      trainIters: 300,
      fullBatchAtIteration: 1,
    });
  });
});

describe(globalBatchAt.name, () => {
  it('uses the batch of the samples consumed before the iteration, and the full batch past the rampup', () => {
    expect(globalBatchAt(0, 2048, TR11_RAMPUP)).toBe(192);
    expect(globalBatchAt(84_186, 2048, TR11_RAMPUP)).toBe(192);
    expect(globalBatchAt(84_187, 2048, TR11_RAMPUP)).toBe(208);
    expect(globalBatchAt(9_765_625, 2048, TR11_RAMPUP)).toBe(2048);
    expect(globalBatchAt(9_765_626, 2048, TR11_RAMPUP)).toBe(2048);
  });
});

describe(rampupProblem.name, () => {
  it('accepts tr11 and rejects start > global, an increment not dividing the gap, and endless rampups', () => {
    expect(rampupProblem(2048, TR11_RAMPUP)).toBeNull();
    expect(rampupProblem(128, { start: 192, increment: 16, samples: 100 })).toMatch(/larger than the global batch/);
    expect(rampupProblem(2048, { start: 192, increment: 15, samples: 100 })).toMatch(/not divisible by the increment/);
    expect(rampupProblem(2048, { start: 1, increment: 1, samples: 1e12 })).toMatch(/more than/);
  });
});
