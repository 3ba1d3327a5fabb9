// The planner: every value an expert derives by hand before submitting a Megatron-DeepSpeed job. Pure, so the CLI,
// the validator and the web editor show the same numbers.
import type { RunConfig } from './schema.js';
import { timeLimitSeconds } from './patterns.js';
import { iterationAtSamples, trainLength } from './rampup.js';
import type { RampupStep } from './rampup.js';
import { flopsPerIteration, parameterCount, passFactor, pipelineStages } from './model.js';
import { bytesPerParam, memoryPerGpu } from './memory.js';
import type { MemoryBreakdown } from './memory.js';

export interface RunPlan {
  worldSize: number;
  dataParallel: number;
  /** Megatron's `train_iters`, the denominator of every iteration line. */
  trainIters: number;
  /** First iteration printed with the full global batch (tr11: 12659). */
  fullBatchAtIteration: number;
  /** Iterations of the rampup phase; the last of them still runs with a smaller batch (tr11: 12658). */
  rampupIterations: number;
  rampupSteps: RampupStep[];
  consumedSamplesAtEnd: number;
  tokensPerIteration: number;
  totalTokens: number;
  microBatchesPerStep: number;
  /** Pipeline bubble fraction at the full batch: (PP − 1) / micro-batches per step. */
  pipelineBubble: number;
  paramCount: number;
  /** Transformer blocks per pipeline stage, first to last. */
  blocksPerStage: number[];
  memoryPerGpuBytes: number;
  memory: MemoryBreakdown;
  flopsPerIteration: number;
  assumedTflopsPerGpu: number;
  iterationSeconds: number;
  tokensPerDay: number;
  /** Compute time of the whole run (the rampup costs proportionally less per iteration). */
  computeDays: number;
  /** Compute plus eval rounds plus checkpoint saves. */
  totalDays: number;
  evalRoundSeconds: number;
  evalRounds: number;
  checkpointBytes: number;
  saveSeconds: number;
  checkpointsKept: number;
  checkpointStorageBytes: number;
  hoursBetweenSaves: number;
  timeLimitSeconds: number;
  /** Seconds between the graceful exit and the Slurm kill; null without an exit duration. */
  exitMarginSeconds: number | null;
  /** Margin needed to finish one iteration, an eval round and a save, plus slack. */
  requiredExitMarginSeconds: number;
  iterationsPerJob: number;
  jobsNeeded: number;
  warmupEndsAtIteration: number | null;
  decayEndsAtIteration: number | null;
}

const SECONDS_PER_DAY = 86_400;

/** Derives the plan of a validated config. Cheap except for the rampup simulation (one loop turn per rampup iteration). */
export function planRun(config: RunConfig): RunPlan {
  const { model, parallelism, batch, cluster, planning, optimizer } = config;
  const worldSize = cluster.nodes * cluster.gpusPerNode;
  const dataParallel = Math.max(1, Math.floor(worldSize / (parallelism.tensor * parallelism.pipeline)));
  const length = trainLength({
    trainSamples: config.length.trainSamples,
    trainIters: config.length.trainIters,
    globalBatch: batch.global,
    rampup: batch.rampup,
  });
  const microBatchesPerStep = Math.max(1, Math.floor(batch.global / (batch.micro * dataParallel)));
  const recompute = config.training.activationCheckpointing;
  const flops = flopsPerIteration(model, batch.global, recompute);
  const sustainedFlops = worldSize * planning.assumedTflopsPerGpu * 1e12;
  const iterationSeconds = flops / sustainedFlops;
  const tokensPerIteration = batch.global * model.seqLength;
  const paramCount = parameterCount(model);
  const memory = memoryPerGpu(config, microBatchesPerStep);

  // Eval is forward-only: one pass out of the `passFactor` a training iteration costs.
  const evalRoundSeconds = (config.eval.groups * config.eval.iters * iterationSeconds) / passFactor(recompute);
  const evalRounds = Math.floor(length.trainIters / config.eval.interval);
  const bytes = bytesPerParam(config.precision.dtype);
  const checkpointBytes = paramCount * (bytes.weights + bytes.optimizer);
  const saveSeconds = checkpointBytes / (planning.checkpointWriteGBps * 1e9);
  const saves = Math.floor(length.trainIters / config.checkpointing.saveInterval);
  const computeSeconds = ((flops / batch.global) * length.consumedSamplesAtEnd) / sustainedFlops;
  const totalSeconds = computeSeconds + evalRounds * evalRoundSeconds + saves * saveSeconds;

  const limit = timeLimitSeconds(cluster.timeLimit) ?? 0;
  const exitMarginSeconds = config.exitDurationMins === undefined ? null : limit - config.exitDurationMins * 60;
  const requiredExitMarginSeconds = iterationSeconds + evalRoundSeconds + saveSeconds + planning.slackMinutes * 60;
  const usableSeconds = config.exitDurationMins === undefined ? limit : Math.min(limit, config.exitDurationMins * 60);
  const iterationsPerJob = Math.max(0, Math.floor(usableSeconds / iterationSeconds));

  const { schedule } = optimizer;
  const milestone = (samples: number | undefined, iters: number | undefined): number | null => {
    if (iters !== undefined) return iters;
    if (samples === undefined) return null;
    return iterationAtSamples(samples, batch.global, length.steps);
  };

  return {
    worldSize,
    dataParallel,
    trainIters: length.trainIters,
    fullBatchAtIteration: length.fullBatchAtIteration,
    rampupIterations: length.rampupIterations,
    rampupSteps: length.steps,
    consumedSamplesAtEnd: length.consumedSamplesAtEnd,
    tokensPerIteration,
    totalTokens: length.consumedSamplesAtEnd * model.seqLength,
    microBatchesPerStep,
    pipelineBubble: (parallelism.pipeline - 1) / microBatchesPerStep,
    paramCount,
    blocksPerStage: pipelineStages(model, parallelism.pipeline).map((s) => s.transformerBlocks),
    memoryPerGpuBytes: memory.totalBytes,
    memory,
    flopsPerIteration: flops,
    assumedTflopsPerGpu: planning.assumedTflopsPerGpu,
    iterationSeconds,
    tokensPerDay: (tokensPerIteration / iterationSeconds) * SECONDS_PER_DAY,
    computeDays: computeSeconds / SECONDS_PER_DAY,
    totalDays: totalSeconds / SECONDS_PER_DAY,
    evalRoundSeconds,
    evalRounds,
    checkpointBytes,
    saveSeconds,
    checkpointsKept: planning.checkpointsKept,
    checkpointStorageBytes: checkpointBytes * planning.checkpointsKept,
    hoursBetweenSaves: (config.checkpointing.saveInterval * iterationSeconds) / 3600,
    timeLimitSeconds: limit,
    exitMarginSeconds,
    requiredExitMarginSeconds,
    iterationsPerJob,
    jobsNeeded: iterationsPerJob > 0 ? Math.ceil(length.trainIters / iterationsPerJob) : Number.POSITIVE_INFINITY,
    warmupEndsAtIteration: milestone(schedule.warmupSamples, schedule.warmupIters),
    decayEndsAtIteration: milestone(schedule.decaySamples, schedule.decayIters),
  };
}
