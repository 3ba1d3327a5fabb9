// Megatron's batch-size rampup, reproduced operation for operation from the bigscience fork
// (megatron/microbatches.py `RampupBatchsizeNumMicroBatches.update` and training.py `update_train_iters`), so that
// `train_iters` and the full-batch iteration come out exactly as Megatron prints them (tr11: 115311).

export interface Rampup {
  start: number;
  increment: number;
  samples: number;
}

/**
 * The global batch Megatron uses for an iteration, given the samples consumed before it.
 * Python's `int(consumed / samples_per_increment)` on doubles is `Math.trunc` on doubles here.
 */
export function globalBatchAt(consumedSamples: number, globalBatch: number, rampup: Rampup | undefined): number {
  if (!rampup || consumedSamples > rampup.samples) return globalBatch;
  const increments = (globalBatch - rampup.start) / rampup.increment;
  const samplesPerIncrement = rampup.samples / increments;
  const steps = Math.trunc(consumedSamples / samplesPerIncrement);
  return rampup.start + steps * rampup.increment;
}

/** One run of constant batch size within the rampup: iterations `fromIteration`..`toIteration` (1-based). */
export interface RampupStep {
  globalBatch: number;
  fromIteration: number;
  toIteration: number;
  /** Samples consumed before `fromIteration`. */
  consumedBefore: number;
}

export interface RampupSchedule {
  /** Iterations of the rampup phase (Megatron's loop while consumed ≤ rampup samples). */
  rampupIterations: number;
  /** Samples consumed at the end of the rampup phase. */
  consumedAfterRampup: number;
  /** Distinct batch sizes in iteration order. */
  steps: RampupStep[];
}

export const MAX_RAMPUP_ITERATIONS = 20_000_000;

/** Refuses rampups that Megatron would reject or that would loop forever. */
export function rampupProblem(globalBatch: number, rampup: Rampup): string | null {
  if (rampup.start > globalBatch) return 'rampup start is larger than the global batch';
  if ((globalBatch - rampup.start) % rampup.increment !== 0)
    return '(global − start) is not divisible by the increment';
  if (rampup.start === globalBatch) return 'rampup start equals the global batch, so there is nothing to ramp';
  // The simulation costs one loop turn per rampup iteration; refuse absurd ones instead of hanging.
  if (rampup.samples / rampup.start > MAX_RAMPUP_ITERATIONS)
    return `the rampup would last more than ${MAX_RAMPUP_ITERATIONS} iterations`;
  return null;
}

/**
 * Simulates the rampup phase exactly like `update_train_iters`. Cost: one loop turn per rampup iteration
 * (12,658 for tr11). Callers must check `rampupProblem` first.
 */
export function rampupSchedule(globalBatch: number, rampup: Rampup): RampupSchedule {
  const steps: RampupStep[] = [];
  let consumed = 0;
  let iterations = 0;
  while (consumed <= rampup.samples) {
    const batch = globalBatchAt(consumed, globalBatch, rampup);
    const last = steps[steps.length - 1];
    if (last && last.globalBatch === batch) last.toIteration = iterations + 1;
    else
      steps.push({
        globalBatch: batch,
        fromIteration: iterations + 1,
        toIteration: iterations + 1,
        consumedBefore: consumed,
      });
    consumed += batch;
    iterations += 1;
  }
  return { rampupIterations: iterations, consumedAfterRampup: consumed, steps };
}

export interface TrainLength {
  trainIters: number;
  /** First iteration (1-based) that runs with the full global batch. */
  fullBatchAtIteration: number;
  /** Iterations of the rampup phase (0 without a rampup): the last one still runs with a smaller batch. */
  rampupIterations: number;
  /** Samples consumed when the last iteration ends. */
  consumedSamplesAtEnd: number;
  steps: RampupStep[];
}

/**
 * `train_iters` as Megatron derives it: from `--train-iters` directly, or from `--train-samples` (with or
 * without a rampup; the remainder that does not fill a full batch is dropped).
 */
export function trainLength(args: {
  trainSamples?: number;
  trainIters?: number;
  globalBatch: number;
  rampup?: Rampup;
}): TrainLength {
  const { globalBatch, rampup } = args;
  if (args.trainIters !== undefined && !rampup) {
    return {
      trainIters: args.trainIters,
      fullBatchAtIteration: 1,
      rampupIterations: 0,
      consumedSamplesAtEnd: args.trainIters * globalBatch,
      steps: [],
    };
  }
  const trainSamples = args.trainSamples ?? 0;
  if (!rampup) {
    const trainIters = Math.floor(trainSamples / globalBatch);
    return {
      trainIters,
      fullBatchAtIteration: 1,
      rampupIterations: 0,
      consumedSamplesAtEnd: trainIters * globalBatch,
      steps: [],
    };
  }
  const schedule = rampupSchedule(globalBatch, rampup);
  const constantIters = Math.floor((trainSamples - schedule.consumedAfterRampup) / globalBatch);
  return {
    trainIters: schedule.rampupIterations + constantIters,
    fullBatchAtIteration: schedule.rampupIterations + 1,
    rampupIterations: schedule.rampupIterations,
    consumedSamplesAtEnd: schedule.consumedAfterRampup + constantIters * globalBatch,
    steps: schedule.steps,
  };
}

/** First iteration (1-based) at whose end at least `samples` are consumed (LR warmup/decay milestones). */
export function iterationAtSamples(samples: number, globalBatch: number, schedule: RampupStep[]): number {
  for (const step of schedule) {
    const span = (step.toIteration - step.fromIteration + 1) * step.globalBatch;
    if (samples <= step.consumedBefore + span) {
      return step.fromIteration + Math.max(0, Math.ceil((samples - step.consumedBefore) / step.globalBatch) - 1);
    }
  }
  const last = schedule[schedule.length - 1];
  const consumed = last ? last.consumedBefore + (last.toIteration - last.fromIteration + 1) * last.globalBatch : 0;
  const base = last ? last.toIteration : 0;
  return base + Math.max(1, Math.ceil((samples - consumed) / globalBatch));
}
