// `trainboard plan CONFIG|--preset NAME [--json]`: the derived values of a run (layout, train_iters, memory, time).
import { parseCommandArgs } from '../args.js';
import type { RunConfig, RunPlan } from '@trainboard/shared/runconfig/index';
import type { CliIo } from '../args.js';
import { loadFromArgs, printIssues } from '../cliSource.js';

const USAGE = `usage: trainboard plan CONFIG | --preset NAME [--json]

Prints the derived values of a run config: world size, DP, train_iters (Megatron's rampup arithmetic), the
iteration with the full global batch, tokens, parameters, memory per GPU, FLOPs and time at the assumed TFLOPs.
--json prints one stable object (numbers in base units: bytes, seconds, days). Exit 1 if the config has errors.
`;

/** The JSON shape of `plan --json`: the plan (rampup steps summarised) plus the run's identity. */
export function toPlanJson(config: RunConfig, plan: RunPlan): Record<string, unknown> {
  const { rampupSteps, ...rest } = plan;
  return {
    name: config.name,
    ...rest,
    rampupStepCount: rampupSteps.length,
    // JSON has no Infinity: a run that cannot fit one iteration in a job needs "no number" of jobs.
    jobsNeeded: Number.isFinite(plan.jobsNeeded) ? plan.jobsNeeded : null,
  };
}

const GIB = 2 ** 30;
const TIB = 2 ** 40;
const int = (n: number) => n.toLocaleString('en-US');

function toText(config: RunConfig, plan: RunPlan): string {
  const m = plan.memory;
  const p = config.parallelism;
  const rows: [string, string][] = [
    ['run', config.name],
    [
      'layout',
      `${plan.worldSize} GPUs = TP ${p.tensor} × PP ${p.pipeline} × DP ${plan.dataParallel} (blocks per stage ${plan.blocksPerStage.join('/')})`,
    ],
    ['parameters', int(plan.paramCount)],
    ['train_iters', int(plan.trainIters)],
    [
      'full global batch',
      plan.rampupIterations > 0
        ? `${config.batch.global} from iteration ${int(plan.fullBatchAtIteration)} (rampup: ${int(plan.rampupIterations)} iterations, ${plan.rampupSteps.length} batch sizes)`
        : `${config.batch.global} from iteration 1`,
    ],
    ['tokens', `${int(plan.tokensPerIteration)} per iteration, ${int(plan.totalTokens)} in total`],
    ['micro-batches/step', `${plan.microBatchesPerStep} (pipeline bubble ${(plan.pipelineBubble * 100).toFixed(1)}%)`],
    [
      'LR milestones',
      `warmup ends at iteration ${plan.warmupEndsAtIteration ?? '-'}, decay ends at ${plan.decayEndsAtIteration ?? '-'}`,
    ],
    [
      'memory per GPU',
      `${(m.totalBytes / GIB).toFixed(1)} of ${(m.gpuMemoryBytes / GIB).toFixed(0)} GiB on stage ${m.stage}: weights ${(m.weightsBytes / GIB).toFixed(1)}, grads ${(m.gradientsBytes / GIB).toFixed(1)}, optimizer ${(m.optimizerStatesBytes / GIB).toFixed(1)}, activations ${(m.activationsBytes / GIB).toFixed(1)} (with recompute ${(m.activationsWithRecomputeBytes / GIB).toFixed(1)}, without ${(m.activationsWithoutRecomputeBytes / GIB).toFixed(1)})`,
    ],
    ['FLOPs/iteration', plan.flopsPerIteration.toExponential(3)],
    [
      `at ${plan.assumedTflopsPerGpu} TFLOPs/GPU`,
      `${plan.iterationSeconds.toFixed(2)} s/iteration, ${(plan.tokensPerDay / 1e9).toFixed(2)}B tokens/day, ${plan.computeDays.toFixed(1)} days of compute, ${plan.totalDays.toFixed(1)} with evals and saves`,
    ],
    ['per job', `${int(plan.iterationsPerJob)} iterations; ${plan.jobsNeeded} jobs of ${config.cluster.timeLimit}`],
    [
      'exit margin',
      plan.exitMarginSeconds === null
        ? 'no exit duration'
        : `${(plan.exitMarginSeconds / 60).toFixed(1)} min (needs ${(plan.requiredExitMarginSeconds / 60).toFixed(1)} min)`,
    ],
    ['eval', `${plan.evalRounds} rounds of ~${(plan.evalRoundSeconds / 60).toFixed(1)} min`],
    [
      'checkpoints',
      `${(plan.checkpointBytes / TIB).toFixed(2)} TiB each, ~${plan.saveSeconds.toFixed(0)} s to save, every ${plan.hoursBetweenSaves.toFixed(1)} h; ${plan.checkpointsKept} kept = ${(plan.checkpointStorageBytes / TIB).toFixed(1)} TiB`,
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs({ name: 'plan', usage: USAGE }, argv, io, {
    preset: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  });
  if (typeof parsed === 'number') return parsed;
  const result = await loadFromArgs(parsed.positionals, parsed.values.preset, io, 'plan');
  if (!result) return 2;
  if (!result.ok || !('plan' in result) || !result.plan || !result.config) {
    printIssues(result.issues, io.stderr);
    io.stderr.write('trainboard plan: the config has errors (see above); fix them to get a plan\n');
    return 1;
  }
  if (parsed.values.json) {
    io.stdout.write(`${JSON.stringify(toPlanJson(result.config, result.plan), null, 2)}\n`);
  } else {
    io.stdout.write(`${toText(result.config, result.plan)}\n`);
    if (result.issues.length > 0) {
      io.stdout.write('\n');
      printIssues(result.issues, io.stdout);
    }
  }
  return 0;
}
