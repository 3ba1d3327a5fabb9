// Run config → sbatch script text. Pure: the templates come in as strings (the server reads them from
// slurm-templates/), so the web editor could preview a script with the same code.
import type { RunPlan } from '../plan.js';
import { RunConfigSchema } from '../schema.js';
import type { RunConfig } from '../schema.js';
import { deepspeedConfigJson } from './deepspeedConfig.js';
import { arrayBody, deepspeedArgs, megatronArgs, pathVariables } from './megatronArgs.js';
import { formatNumber, RenderError, shellPath, shellQuote } from './shellWords.js';
import { renderTemplate } from './template.js';

export type TemplateName = 'megatron-deepspeed' | 'fake-trainer';
export const TEMPLATE_NAMES: readonly TemplateName[] = ['megatron-deepspeed', 'fake-trainer'];

export interface FakeTrainerOptions {
  /** Path of scripts/fake-trainer/pretrain_gpt.py on the cluster (TRAINBOARD_FAKE_TRAINER overrides it at run time). */
  fakeTrainerPath: string;
  /** Wall time the fake sleeps per iteration. */
  secondsPerIteration: number;
}

/** `#SBATCH` lines of the optional cluster settings, in the order sbatch man pages list them. */
function optionalDirectives(config: RunConfig): string {
  const c = config.cluster;
  const entries: [string, string | undefined][] = [
    ['account', c.account],
    ['qos', c.qos],
    ['constraint', c.constraint],
    ['reservation', c.reservation],
    ['hint', c.hint],
    ['exclude', c.exclude],
    ['array', c.array],
    ['dependency', c.dependency],
  ];
  return entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `#SBATCH --${k}=${v}`)
    .join('\n');
}

/** Comment lines that let a reviewer check the layout without running the planner. */
function planSummary(config: RunConfig, plan: RunPlan): string {
  const p = config.parallelism;
  return [
    `# layout: ${plan.worldSize} GPUs = TP ${p.tensor} x PP ${p.pipeline} x DP ${plan.dataParallel}; ${plan.paramCount.toLocaleString('en-US')} parameters`,
    `# train_iters ${plan.trainIters}; full global batch ${config.batch.global} from iteration ${plan.fullBatchAtIteration}; ~${plan.iterationSeconds.toFixed(1)} s/iteration at ${plan.assumedTflopsPerGpu} TFLOPs`,
  ].join('\n');
}

/**
 * The exports run with bash's trace off: the job runs under `set -x`, whose trace goes to the job's output (and so to
 * the log viewer), and env values can be secrets such as tokens. `{ set +x; } 2>/dev/null` hides even its own trace.
 */
function exports(env: Readonly<Record<string, string>>): string {
  const names = Object.keys(env).sort();
  if (names.length === 0) return '# (no environment variables set by the run config)';
  return [
    '# exported untraced: env values may be secrets, and the trace goes to the job output',
    '{ set +x; } 2>/dev/null',
    ...names.map((name) => `export ${name}=${shellQuote(env[name] as string)}`),
    'set -x',
  ].join('\n');
}

/** Values both templates share: the Slurm header and the run's paths. */
function commonValues(config: RunConfig, plan: RunPlan): Record<string, string> {
  const c = config.cluster;
  const paths = pathVariables(config);
  return {
    JOB_NAME: c.jobName,
    PARTITION: c.partition,
    NODES: formatNumber(c.nodes),
    CPUS_PER_TASK: formatNumber(c.cpusPerNode),
    GPUS_PER_NODE: formatNumber(c.gpusPerNode),
    TIME_LIMIT: c.timeLimit,
    OUTPUT: c.output,
    SBATCH_OPTIONAL: optionalDirectives(config),
    RUN_NAME: config.name,
    PLAN_SUMMARY: planSummary(config, plan),
    ENV_EXPORTS: exports(config.env),
    CHECKPOINT_PATH: paths.CHECKPOINT_PATH as string,
    LOAD_PATH: paths.LOAD_PATH as string,
    MAIN_LOG: paths.MAIN_LOG as string,
    TENSORBOARD_PATH: paths.TENSORBOARD_PATH as string,
    KILL_SWITCH_PATH: paths.KILL_SWITCH_PATH as string,
    SRUN_WAIT: formatNumber(config.launcher.srunWait),
    KILL_ON_BAD_EXIT: config.launcher.killOnBadExit ? '1' : '0',
  };
}

/** Placeholder values of the Megatron-DeepSpeed template. */
export function megatronTemplateValues(config: RunConfig, plan: RunPlan): Record<string, string> {
  const l = config.launcher;
  return {
    ...commonValues(config, plan),
    ENV_SETUP:
      l.envScript === undefined
        ? '# (no environment script: modules and Python env come from the submitting shell)'
        : `source ${shellPath(l.envScript)}`,
    MEGATRON_DIR: pathVariables(config).MEGATRON_DIR as string,
    PYTHON: shellQuote(l.python),
    RDZV_PORT: formatNumber(l.rdzvPort),
    MAX_RESTARTS: formatNumber(l.maxRestarts),
    TEE: formatNumber(l.tee),
    DEEPSPEED_CONFIG_JSON: deepspeedConfigJson(config).trimEnd(),
    PROGRAM_ARGS: arrayBody(megatronArgs(config)),
    DEEPSPEED_ARGS: arrayBody(deepspeedArgs(config)),
  };
}

/** Validation group names for the fake trainer: `valid` then `valid_2` … (tr11 had 29 groups). */
function validGroups(count: number): string {
  return ['valid', ...Array.from({ length: count - 1 }, (_, i) => `valid_${i + 2}`)].join(',');
}

/** Placeholder values of the fake-trainer template. */
export function fakeTrainerTemplateValues(
  config: RunConfig,
  plan: RunPlan,
  options: FakeTrainerOptions,
): Record<string, string> {
  if (!(options.secondsPerIteration > 0 && options.secondsPerIteration < 3600)) {
    throw new RenderError(
      `fake trainer seconds per iteration must be in (0, 3600), got ${options.secondsPerIteration}`,
    );
  }
  return {
    ...commonValues(config, plan),
    FAKE_TRAINER_PATH: shellPath(options.fakeTrainerPath),
    SECONDS_PER_ITERATION: formatNumber(options.secondsPerIteration),
    // Printed iteration times (and hence TFLOPs) follow the plan, whatever the fake sleeps.
    REPORTED_SECONDS_PER_ITERATION: formatNumber(Math.round(plan.iterationSeconds * 1000) / 1000),
    VALID_GROUPS: validGroups(config.eval.groups),
    PROGRAM_ARGS: arrayBody(megatronArgs(config)),
  };
}

export interface RenderedRun {
  /** File name → content: the sbatch script and the DeepSpeed config. */
  files: Record<string, string>;
  scriptName: string;
}

/** What a render uses for the fake trainer when the caller names none. */
export const DEFAULT_FAKE_TRAINER: FakeTrainerOptions = {
  fakeTrainerPath: 'scripts/fake-trainer/pretrain_gpt.py',
  secondsPerIteration: 0.2,
};

/**
 * Types don't validate: a config built in code must pass the same schema (names, patterns) as a file before any
 * renderer (sbatch script or Kubernetes manifest) turns it into something that runs.
 * @throws RenderError listing the schema's complaints.
 */
export function assertRenderable(config: RunConfig): void {
  const checked = RunConfigSchema.safeParse(config);
  if (!checked.success)
    throw new RenderError(
      `refusing to render an unvalidated config: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
}

/**
 * Renders one template for a validated config. Callers must have run validateRunConfig (the CLI refuses configs with
 * errors); the schema re-check here is a second wall against configs built in code.
 * @throws RenderError when a placeholder is missing/unused or a value did not pass validation.
 */
export function renderRun(
  config: RunConfig,
  plan: RunPlan,
  template: { name: TemplateName; text: string },
  fake: FakeTrainerOptions = DEFAULT_FAKE_TRAINER,
): RenderedRun {
  assertRenderable(config);
  const values =
    template.name === 'megatron-deepspeed'
      ? megatronTemplateValues(config, plan)
      : fakeTrainerTemplateValues(config, plan, fake);
  const script = renderTemplate(template.name, template.text, values);
  const scriptName =
    template.name === 'megatron-deepspeed' ? `${config.cluster.jobName}.slurm` : `${config.cluster.jobName}.fake.slurm`;
  return { scriptName, files: { [scriptName]: script, 'ds_config.json': deepspeedConfigJson(config) } };
}
