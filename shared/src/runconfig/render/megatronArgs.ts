// The `pretrain_gpt.py` command line of a run config, as shell words for a bash array. Paths are referenced
// through the variables the script defines once (`"$CHECKPOINT_PATH"`), like a hand-written BLOOM script.
import type { RunConfig } from '../schema.js';
import { formatNumber, shellPath, shellQuote } from './shellWords.js';

/** One argument line: a flag and its (already shell-safe) words. */
export type ArgLine = readonly [flag: string, ...words: string[]];

/** Shell variables the templates define for path-valued settings, with their rendered values. */
export function pathVariables(config: RunConfig): Record<string, string> {
  const optional = (path: string | undefined) => (path === undefined ? "''" : shellPath(path));
  return {
    MEGATRON_DIR: shellPath(config.launcher.megatronDir),
    CHECKPOINT_PATH: shellPath(config.checkpointing.dir),
    LOAD_PATH: shellPath(config.checkpointing.load ?? config.checkpointing.dir),
    MAIN_LOG: shellPath(config.logging.mainLog),
    TENSORBOARD_PATH: optional(config.logging.tensorboardDir),
    KILL_SWITCH_PATH: optional(config.killSwitchPath),
  };
}

const n = formatNumber;

/** Megatron's arguments, grouped as the BLOOM scripts group them (model, optimizer, output, data). */
export function megatronArgs(config: RunConfig): ArgLine[] {
  const { model, batch, length, optimizer, precision, training, checkpointing, eval: ev, data, logging } = config;
  const s = optimizer.schedule;
  const lines: ArgLine[] = [
    ['--tensor-model-parallel-size', n(config.parallelism.tensor)],
    ['--pipeline-model-parallel-size', n(config.parallelism.pipeline)],
    ['--num-layers', n(model.numLayers)],
    ['--hidden-size', n(model.hiddenSize)],
    ...(model.ffnHiddenSize === undefined ? [] : [['--ffn-hidden-size', n(model.ffnHiddenSize)] as const]),
    ['--num-attention-heads', n(model.numAttentionHeads)],
    ['--seq-length', n(model.seqLength)],
    ['--max-position-embeddings', n(model.maxPositionEmbeddings)],
    ['--position-embedding-type', model.positionEmbedding],
    ...(model.activation === 'swiglu' ? [['--glu-activation', 'swiglu'] as const] : []),
    ...(model.embedLayernorm ? [['--embed-layernorm'] as const] : []),
    ['--pad-vocab-size-to', n(model.padVocabSizeTo ?? model.vocabSize)],
    ['--init-method-std', n(model.initMethodStd)],
    ['--pp-partition-method', shellQuote(model.ppPartitionMethod)],
    ['--micro-batch-size', n(batch.micro)],
    ['--global-batch-size', n(batch.global)],
    ...(batch.rampup
      ? [['--rampup-batch-size', n(batch.rampup.start), n(batch.rampup.increment), n(batch.rampup.samples)] as const]
      : []),
    ...(length.trainSamples !== undefined ? [['--train-samples', n(length.trainSamples)] as const] : []),
    ...(length.trainIters !== undefined ? [['--train-iters', n(length.trainIters)] as const] : []),
    ['--tokenizer-type', data.tokenizer.type],
    ['--tokenizer-name-or-path', shellQuote(data.tokenizer.name)],
    ['--optimizer', optimizer.type],
    ['--adam-beta1', n(optimizer.beta1)],
    ['--adam-beta2', n(optimizer.beta2)],
    ['--adam-eps', n(optimizer.eps)],
    ['--lr', n(optimizer.lr)],
    ['--min-lr', n(optimizer.minLr)],
    ['--lr-decay-style', s.decayStyle],
    ...(s.warmupSamples !== undefined ? [['--lr-warmup-samples', n(s.warmupSamples)] as const] : []),
    ...(s.decaySamples !== undefined ? [['--lr-decay-samples', n(s.decaySamples)] as const] : []),
    ...(s.warmupIters !== undefined ? [['--lr-warmup-iters', n(s.warmupIters)] as const] : []),
    ...(s.decayIters !== undefined ? [['--lr-decay-iters', n(s.decayIters)] as const] : []),
    ['--clip-grad', n(optimizer.clipGrad)],
    ['--weight-decay', n(optimizer.weightDecay)],
    ...(precision.dtype === 'fp32' ? [] : [[`--${precision.dtype}`] as const]),
    ['--seed', n(training.seed)],
    ...(training.activationCheckpointing ? [['--checkpoint-activations'] as const] : []),
    ...training.extraFlags.map((flag) => [shellQuote(flag)] as const),
    ['--log-interval', n(logging.interval)],
    ['--save-interval', n(checkpointing.saveInterval)],
    ['--eval-interval', n(ev.interval)],
    ['--eval-iters', n(ev.iters)],
    ...(logging.tensorboardDir === undefined
      ? []
      : [
          ['--tensorboard-dir', '"$TENSORBOARD_PATH"'] as const,
          ['--tensorboard-queue-size', n(logging.tensorboardQueueSize)] as const,
          ...(logging.logTimersToTensorboard ? [['--log-timers-to-tensorboard'] as const] : []),
          ...(logging.logBatchSizeToTensorboard ? [['--log-batch-size-to-tensorboard'] as const] : []),
          ...(logging.logValidationPplToTensorboard ? [['--log-validation-ppl-to-tensorboard'] as const] : []),
        ]),
    ['--save', '"$CHECKPOINT_PATH"'],
    ['--load', '"$LOAD_PATH"'],
    ...(data.blend ? [['--data-path', ...data.blend.flatMap((b) => [n(b.weight), shellPath(b.path)])] as const] : []),
    ...(data.split ? [['--split', shellQuote(data.split)] as const] : []),
    ...(data.trainSplitsFile ? [['--train-weighted-split-paths-path', shellPath(data.trainSplitsFile)] as const] : []),
    ...(data.validSplitsFile ? [['--valid-weighted-split-paths-path', shellPath(data.validSplitsFile)] as const] : []),
    ['--num-workers', n(data.numWorkers)],
    ['--valid-num-workers', n(data.validNumWorkers)],
    ['--data-impl', data.dataImpl],
    ['--distributed-backend', 'nccl'],
    ...(config.killSwitchPath === undefined ? [] : [['--kill-switch-path', '"$KILL_SWITCH_PATH"'] as const]),
    ...(config.exitDurationMins === undefined
      ? []
      : [['--exit-duration-in-mins', n(config.exitDurationMins)] as const]),
  ];
  return lines;
}

/** DeepSpeed's own arguments (the JSON config is written by the job to "$DS_CONFIG"). */
export function deepspeedArgs(config: RunConfig): ArgLine[] {
  return [
    ['--deepspeed'],
    ['--deepspeed_config', '"$DS_CONFIG"'],
    ['--zero-stage', n(config.precision.zeroStage)],
    ...(config.training.activationCheckpointing ? [['--deepspeed-activation-checkpointing'] as const] : []),
  ];
}

/** Lines for a bash array body, one argument group per line, indented like hand-written scripts. */
export function arrayBody(lines: readonly ArgLine[]): string {
  return lines.map((words) => `    ${words.join(' ')}`).join('\n');
}
