// The run config: one object that says everything a Megatron-DeepSpeed job on Slurm needs. It is the single source
// of truth for the sbatch script, the DeepSpeed JSON, the planner and the validator, and the web editor validates
// with this same schema. Field names follow Megatron's arguments (camelCased) so an expert recognises them.
import { z } from 'zod';
import {
  ACCOUNT_PATTERN,
  ARRAY_PATTERN,
  CONSTRAINT_PATTERN,
  DEPENDENCY_PATTERN,
  ENV_NAME_PATTERN,
  FLAG_PATTERN,
  HOSTLIST_PATTERN,
  IDENTIFIER_PATTERN,
  OUTPUT_PATTERN,
  TIME_LIMIT_PATTERN,
  nameString,
  pathString,
  patterned,
} from './patterns.js';

const positiveInt = () => z.number().int().positive();
const nonNegativeInt = () => z.number().int().nonnegative();
const positive = () => z.number().positive();

export const ModelSchema = z.strictObject({
  numLayers: positiveInt(),
  hiddenSize: positiveInt(),
  numAttentionHeads: positiveInt(),
  /** FFN inner size; Megatron's default is 4 × hidden. */
  ffnHiddenSize: positiveInt().optional(),
  seqLength: positiveInt(),
  maxPositionEmbeddings: positiveInt(),
  positionEmbedding: z.enum(['alibi', 'learned', 'rotary']).default('learned'),
  /** Size of the tokenizer's vocabulary (before padding). */
  vocabSize: positiveInt(),
  /** `--pad-vocab-size-to`: the padded vocabulary, which enters memory and the TFLOPs formula. */
  padVocabSizeTo: positiveInt().optional(),
  activation: z.enum(['gelu', 'swiglu']).default('gelu'),
  embedLayernorm: z.boolean().default(false),
  initMethodStd: positive().default(0.02),
  /** DeepSpeed pipeline partitioning (`--pp-partition-method`); counting embeddings as layers evens BLOOM's stages. */
  ppPartitionMethod: z.enum(['type:transformer', 'type:transformer|embedding']).default('type:transformer'),
});

export const ParallelismSchema = z.strictObject({
  tensor: positiveInt(),
  pipeline: positiveInt(),
});

export const RampupSchema = z.strictObject({
  start: positiveInt(),
  increment: positiveInt(),
  samples: positiveInt(),
});

export const BatchSchema = z.strictObject({
  micro: positiveInt(),
  global: positiveInt(),
  /** `--rampup-batch-size <start> <increment> <samples>`. */
  rampup: RampupSchema.optional(),
});

export const LengthSchema = z.strictObject({
  /** `--train-samples` (required with a rampup). Exactly one of trainSamples / trainIters. */
  trainSamples: positiveInt().optional(),
  /** `--train-iters`. */
  trainIters: positiveInt().optional(),
  /** Optional target in tokens, checked against samples × sequence length. */
  tokensTarget: positiveInt().optional(),
});

export const LrScheduleSchema = z.strictObject({
  decayStyle: z.enum(['cosine', 'linear', 'constant']),
  /** Sample-based schedule (`--lr-warmup-samples`, `--lr-decay-samples`), used with trainSamples. */
  warmupSamples: nonNegativeInt().optional(),
  decaySamples: positiveInt().optional(),
  /** Iteration-based schedule (`--lr-warmup-iters`, `--lr-decay-iters`), used with trainIters. */
  warmupIters: nonNegativeInt().optional(),
  decayIters: positiveInt().optional(),
});

export const OptimizerSchema = z.strictObject({
  type: z.literal('adam').default('adam'),
  lr: positive(),
  minLr: z.number().nonnegative(),
  beta1: z.number().gt(0).lt(1).default(0.9),
  beta2: z.number().gt(0).lt(1).default(0.999),
  eps: positive().default(1e-8),
  weightDecay: z.number().nonnegative().default(0.01),
  clipGrad: z.number().nonnegative().default(1.0),
  schedule: LrScheduleSchema,
});

export const LossScaleSchema = z.strictObject({
  /** 0 means dynamic loss scaling. */
  lossScale: z.number().nonnegative().default(0),
  initialScalePower: nonNegativeInt().default(12),
  window: positiveInt().default(500),
  hysteresis: positiveInt().default(2),
  minLossScale: positive().default(1),
});

export const PrecisionSchema = z.strictObject({
  dtype: z.enum(['bf16', 'fp16', 'fp32']),
  zeroStage: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]),
  /** DeepSpeed `fp16` section; required with fp16, meaningless with bf16. */
  lossScale: LossScaleSchema.optional(),
});

export const TrainingSchema = z.strictObject({
  seed: nonNegativeInt().default(42),
  /** `--checkpoint-activations` + DeepSpeed activation checkpointing (full recompute). */
  activationCheckpointing: z.boolean().default(true),
  /** Extra Megatron flags without values, e.g. `--abort-on-unmet-fused-kernel-constraints`. */
  extraFlags: z.array(patterned(FLAG_PATTERN, 'a `--flag` of lowercase letters, digits and `-`')).default([]),
});

export const CheckpointingSchema = z.strictObject({
  /** `--save`. */
  dir: pathString(),
  /** `--load`; defaults to `dir` so a resubmitted job resumes from its own saves. */
  load: pathString().optional(),
  saveInterval: positiveInt(),
});

export const EvalSchema = z.strictObject({
  interval: positiveInt(),
  iters: positiveInt(),
  /** Number of validation datasets evaluated each round (29 in tr11); drives the eval-cost estimate. */
  groups: positiveInt().default(1),
});

const BlendEntrySchema = z.strictObject({ weight: positive(), path: pathString() });

export const DataSchema = z.strictObject({
  /** `--data-path w1 p1 w2 p2 …` */
  blend: z.array(BlendEntrySchema).optional(),
  /** `--split`, e.g. `949,50,1` (with blend). */
  split: z
    .string()
    .regex(/^[0-9]+(?:,[0-9]+){0,2}$/, { message: 'must be like 949,50,1' })
    .optional(),
  /** bigscience fork: `--train-weighted-split-paths-path` / `--valid-weighted-split-paths-path`. */
  trainSplitsFile: pathString().optional(),
  validSplitsFile: pathString().optional(),
  tokenizer: z.strictObject({
    type: z.enum(['PretrainedFromHF', 'GPT2BPETokenizer']),
    name: patterned(IDENTIFIER_PATTERN, 'a tokenizer name or path without spaces or shell characters'),
  }),
  dataImpl: z.enum(['mmap', 'infer', 'lazy', 'cached']).default('mmap'),
  numWorkers: nonNegativeInt().default(2),
  validNumWorkers: nonNegativeInt().default(0),
});

export const LoggingSchema = z.strictObject({
  interval: positiveInt().default(1),
  /** The run's main log; the job appends everything srun prints to it with `tee -a`. */
  mainLog: pathString(),
  tensorboardDir: pathString().optional(),
  tensorboardQueueSize: positiveInt().default(5),
  logTimersToTensorboard: z.boolean().default(true),
  logBatchSizeToTensorboard: z.boolean().default(true),
  logValidationPplToTensorboard: z.boolean().default(true),
});

export const LauncherSchema = z.strictObject({
  /** Python executable on the compute nodes. */
  python: patterned(IDENTIFIER_PATTERN, 'an executable name or path without spaces or shell characters').default(
    'python',
  ),
  /** Directory holding pretrain_gpt.py (Megatron-DeepSpeed checkout). */
  megatronDir: pathString(),
  /** Sourced before launching (modules, conda env). */
  envScript: pathString().optional(),
  rdzvPort: z.number().int().min(1024).max(65535).default(6000),
  /** torchrun `--tee`: 3 copies stdout and stderr of every worker with a `[defaultN]:` prefix. */
  tee: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(3)]).default(3),
  maxRestarts: nonNegativeInt().default(0),
  /** srun `--wait`: seconds to wait for the other tasks once one ends. */
  srunWait: nonNegativeInt().default(60),
  /** srun `--kill-on-bad-exit=1`: end the step when any task fails. */
  killOnBadExit: z.boolean().default(true),
});

export const ClusterSchema = z.strictObject({
  /** Name of the profile in slurm-templates/profiles/ whose values this section was merged over. */
  profile: nameString().optional(),
  partition: nameString(),
  account: patterned(ACCOUNT_PATTERN, 'a Slurm account such as six@a100 (letters, digits, `._@-`)').optional(),
  qos: nameString().optional(),
  constraint: patterned(CONSTRAINT_PATTERN, 'feature names joined by & or |, e.g. a100').optional(),
  reservation: nameString().optional(),
  timeLimit: patterned(TIME_LIMIT_PATTERN, 'H:MM:SS or D-HH:MM:SS, e.g. 100:00:00 or 4-04:00:00'),
  /** Longest time limit the partition/QoS allows (qos_gpu-gc: 100 h). */
  maxTimeLimit: patterned(TIME_LIMIT_PATTERN, 'H:MM:SS or D-HH:MM:SS').optional(),
  nodes: positiveInt(),
  gpusPerNode: positiveInt(),
  cpusPerNode: positiveInt(),
  gpuMemoryGiB: positive(),
  hint: z.enum(['nomultithread', 'multithread']).optional(),
  exclude: patterned(HOSTLIST_PATTERN, 'a Slurm hostlist such as node[01-03],node07').optional(),
  jobName: nameString(),
  array: patterned(ARRAY_PATTERN, 'a Slurm array spec such as 1-3%1').optional(),
  dependency: patterned(DEPENDENCY_PATTERN, 'a Slurm dependency such as afterany:1234 or singleton').optional(),
  output: patterned(OUTPUT_PATTERN, 'a file pattern such as %x-%j.out').default('%x-%j.out'),
  /** Quota of the filesystem holding checkpoints, for the storage check. */
  storageQuotaTiB: positive().optional(),
});

export const PlanningSchema = z.strictObject({
  /** Assumed hardware TFLOPs per GPU (as Megatron prints them) for time estimates. */
  assumedTflopsPerGpu: positive(),
  /** Checkpoints kept on disk at once. */
  checkpointsKept: positiveInt().default(20),
  /** Aggregate write bandwidth to the checkpoint filesystem, GB/s (tr11: 2.3 TB in ~40 s). */
  checkpointWriteGBps: positive().default(50),
  /** Slack added to the exit-duration margin for set-up before Megatron's clock starts. */
  slackMinutes: z.number().nonnegative().default(5),
  /** Work lost per crash above which the save interval is flagged (tr11 accepted ~3 h). */
  maxHoursBetweenSaves: positive().default(4),
});

export const RunConfigSchema = z.strictObject({
  /** Run name: also the directory name of its outputs in the examples. */
  name: nameString(),
  description: z.string().max(500).optional(),
  model: ModelSchema,
  parallelism: ParallelismSchema,
  batch: BatchSchema,
  length: LengthSchema,
  optimizer: OptimizerSchema,
  precision: PrecisionSchema,
  training: TrainingSchema.default({ seed: 42, activationCheckpointing: true, extraFlags: [] }),
  checkpointing: CheckpointingSchema,
  eval: EvalSchema,
  data: DataSchema,
  logging: LoggingSchema,
  /** `--kill-switch-path`: touching this file makes Megatron save and exit. */
  killSwitchPath: pathString().optional(),
  /** `--exit-duration-in-mins`: graceful save-and-exit before the Slurm time limit. */
  exitDurationMins: positiveInt().optional(),
  launcher: LauncherSchema,
  /** Exported in the job before launching; values are shell-quoted, so any printable text is allowed. */
  env: z
    .record(
      patterned(ENV_NAME_PATTERN, 'an environment variable name (letters, digits, `_`)'),
      z.string().regex(/^[^\0]*$/, { message: 'must not contain NUL bytes' }),
    )
    .default({}),
  cluster: ClusterSchema,
  planning: PlanningSchema,
});

/** A validated run config with defaults applied. */
export type RunConfig = z.infer<typeof RunConfigSchema>;
/** What a user writes: defaults optional. */
export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type ClusterConfig = z.infer<typeof ClusterSchema>;
export type ModelConfig = z.infer<typeof ModelSchema>;

/** A cluster profile: cluster defaults (and env) that a config's `cluster` section is merged over. */
export const ClusterProfileSchema = z.strictObject({
  name: nameString(),
  description: z.string().max(500).optional(),
  cluster: ClusterSchema.partial(),
  env: z.record(patterned(ENV_NAME_PATTERN, 'an environment variable name'), z.string()).default({}),
});
export type ClusterProfile = z.infer<typeof ClusterProfileSchema>;
