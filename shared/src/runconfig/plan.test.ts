import { describe, expect, it } from 'vitest';
import { planRun } from './plan.js';
import { PRESETS } from './presets.js';
import { RunConfigSchema } from './schema.js';
import type { RunConfigInput } from './schema.js';
import { flopsPerIteration, parameterCount, pipelineStages } from './model.js';

const bloom = RunConfigSchema.parse(PRESETS['bloom-176b']);
const TIB = 2 ** 40;

function configWith(change: (c: RunConfigInput) => void) {
  const input = structuredClone(PRESETS['bloom-176b']) as RunConfigInput;
  change(input);
  return RunConfigSchema.parse(input);
}

describe(planRun.name, () => {
  const plan = planRun(bloom);

  it('plans bloom-176b as tr11 ran: 384 GPUs, DP 8, train_iters 115311, full batch from 12659', () => {
    expect(plan).toMatchObject({
      worldSize: 384,
      dataParallel: 8,
      trainIters: 115_311,
      fullBatchAtIteration: 12_659,
      rampupIterations: 12_658,
      tokensPerIteration: 4_194_304,
      microBatchesPerStep: 128,
      paramCount: 176_247_271_424,
    });
    expect(plan.blocksPerStage).toEqual([5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5]);
  });

  it('places the LR milestones where bloom-training-setup.md §4 does', () => {
    expect(plan.warmupEndsAtIteration).toBe(910);
    expect(plan.decayEndsAtIteration).toBe(105_546);
  });

  it("uses Megatron's FLOPs formula: 105.22 s/iteration on 384 GPUs is the printed 149.02 TFLOPs", () => {
    const tflops = plan.flopsPerIteration / (105.22 * 384 * 1e12);
    expect(tflops.toFixed(2)).toBe('149.02');
    // Without activation checkpointing the factor is 3 instead of 4.
    expect(flopsPerIteration(bloom.model, 2048, false) / plan.flopsPerIteration).toBeCloseTo(0.75, 12);
  });

  it('derives time and throughput from the assumed TFLOPs (~3.4B tokens/day at 150)', () => {
    expect(plan.iterationSeconds).toBeCloseTo((105.22 * 149.02) / 150, 1);
    expect(plan.tokensPerDay / 1e9).toBeCloseTo(3.47, 2);
    expect(plan.computeDays).toBeGreaterThan(120);
    expect(plan.computeDays).toBeLessThan(plan.totalDays);
    expect(plan.iterationsPerJob).toBe(Math.floor((5990 * 60) / plan.iterationSeconds));
  });

  it('sizes a checkpoint at ~2.3 TB (bf16 weights + fp32 optimizer states) and the eval round at ~12 min', () => {
    expect(plan.checkpointBytes / TIB).toBeCloseTo(2.24, 2);
    expect(plan.checkpointStorageBytes).toBe(plan.checkpointBytes * 20);
    expect(plan.evalRoundSeconds / 60).toBeGreaterThan(11);
    expect(plan.evalRoundSeconds / 60).toBeLessThan(14);
  });

  it('estimates memory per GPU: fits 80 GB with recompute, not without', () => {
    const m = plan.memory;
    expect(plan.memoryPerGpuBytes).toBe(m.totalBytes);
    expect(m.totalBytes).toBeLessThan(m.gpuMemoryBytes);
    expect(m.activationsWithoutRecomputeBytes).toBeGreaterThan(m.gpuMemoryBytes);
    expect(m.weightsBytes).toBe(m.gradientsBytes);
    // bf16 optimizer states are sharded over DP 8: 12 bytes / 8 per parameter.
    expect(m.optimizerStatesBytes).toBe(Math.round((m.paramsOnGpu * 12) / 8));
    const noRecompute = planRun(
      configWith((c) => {
        c.training = { ...c.training, activationCheckpointing: false };
      }),
    );
    expect(noRecompute.memory.activationsBytes).toBe(noRecompute.memory.activationsWithoutRecomputeBytes);
    expect(noRecompute.memoryPerGpuBytes).toBeGreaterThan(m.gpuMemoryBytes);
  });

  it('shards gradients with ZeRO 2 and weights with ZeRO 3', () => {
    const base = planRun(
      configWith((c) => {
        c.precision = { dtype: 'fp16', zeroStage: 1, lossScale: {} };
        c.parallelism = { tensor: 4, pipeline: 1 };
      }),
    );
    const z2 = planRun(
      configWith((c) => {
        c.precision = { dtype: 'fp16', zeroStage: 2, lossScale: {} };
        c.parallelism = { tensor: 4, pipeline: 1 };
      }),
    );
    const z3 = planRun(
      configWith((c) => {
        c.precision = { dtype: 'fp16', zeroStage: 3, lossScale: {} };
        c.parallelism = { tensor: 4, pipeline: 1 };
      }),
    );
    expect(z2.memory.gradientsBytes).toBeLessThan(base.memory.gradientsBytes);
    expect(z2.memory.weightsBytes).toBe(base.memory.weightsBytes);
    expect(z3.memory.weightsBytes).toBeLessThan(z2.memory.weightsBytes);
  });

  it('reports the exit margin against the time limit', () => {
    expect(plan.timeLimitSeconds).toBe(100 * 3600);
    expect(plan.exitMarginSeconds).toBe(600);
    expect(plan.requiredExitMarginSeconds).toBeGreaterThan(plan.iterationSeconds + plan.evalRoundSeconds);
  });
});

describe(parameterCount.name, () => {
  it('counts bloom-7b1 as 7,069,016,064 and a learned-position, SwiGLU model differently', () => {
    const small = RunConfigSchema.parse(PRESETS['bloom-7b1']);
    expect(parameterCount(small.model)).toBe(7_069_016_064);
    const learned = { ...small.model, positionEmbedding: 'learned' as const };
    expect(parameterCount(learned) - parameterCount(small.model)).toBe(2048 * 4096);
    const glu = { ...small.model, activation: 'swiglu' as const };
    expect(parameterCount(glu)).toBeGreaterThan(parameterCount(small.model));
  });
});

describe(pipelineStages.name, () => {
  it('gives the first stages the extra block with type:transformer', () => {
    const model = { ...bloom.model, ppPartitionMethod: 'type:transformer' as const };
    expect(pipelineStages(model, 12).map((s) => s.transformerBlocks)).toEqual([6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 5]);
  });
});
