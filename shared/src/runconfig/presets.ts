// Built-in run configs. Every BLOOM value comes from bloom-training-setup.md (the tr11 script as it ran in June
// 2022 on 48 nodes, and the tr11f-6B3 script of §17); values the sources don't give are marked "assumed".
import type { RunConfigInput } from './schema.js';

const TR11_SCRATCH = '$six_ALL_CCFRSCRATCH/checkpoints/tr11-176B-ml';
const TR11_WORK = '$six_ALL_CCFRWORK/code/tr11-176B-ml';

/** BLOOM-176B, tr11-176B-ml as launched on 48 Jean Zay A100 nodes (MBS 2 as from 2022-03-14, save every 100). */
export const bloom176b: RunConfigInput = {
  name: 'tr11-176B-ml',
  description: 'BLOOM-176B (bigscience tr11-176B-ml) on 48 Jean Zay A100 nodes: TP 4 × PP 12 × DP 8',
  model: {
    numLayers: 70,
    hiddenSize: 14336,
    numAttentionHeads: 112,
    seqLength: 2048,
    maxPositionEmbeddings: 2048,
    positionEmbedding: 'alibi',
    vocabSize: 250680,
    padVocabSizeTo: 250880,
    activation: 'gelu',
    embedLayernorm: true,
    initMethodStd: 0.0048,
    ppPartitionMethod: 'type:transformer|embedding',
  },
  parallelism: { tensor: 4, pipeline: 12 },
  batch: { micro: 2, global: 2048, rampup: { start: 192, increment: 16, samples: 9_765_625 } },
  length: { trainSamples: 220_000_000, tokensTarget: 450_560_000_000 },
  optimizer: {
    type: 'adam',
    lr: 6e-5,
    minLr: 6e-6,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    clipGrad: 1.0,
    schedule: { decayStyle: 'cosine', warmupSamples: 183_105, decaySamples: 200_000_000 },
  },
  precision: { dtype: 'bf16', zeroStage: 0 },
  training: { seed: 42, activationCheckpointing: true, extraFlags: ['--abort-on-unmet-fused-kernel-constraints'] },
  checkpointing: { dir: `${TR11_SCRATCH}/checkpoints/main`, saveInterval: 100 },
  eval: { interval: 1000, iters: 1, groups: 29 },
  data: {
    trainSplitsFile: `${TR11_WORK}/train-splits.txt`,
    validSplitsFile: `${TR11_WORK}/valid-splits.txt`,
    tokenizer: { type: 'PretrainedFromHF', name: 'bigscience/tokenizer' },
    dataImpl: 'mmap',
    numWorkers: 2,
    validNumWorkers: 0,
  },
  logging: {
    interval: 1,
    mainLog: `${TR11_SCRATCH}/tr11-176B-ml-logs/logs/main/main_log.txt`,
    tensorboardDir: `${TR11_SCRATCH}/tr11-176B-ml-logs/tensorboard/main`,
    tensorboardQueueSize: 5,
  },
  killSwitchPath: `${TR11_WORK}/Megatron-DeepSpeed/kill-switch-tr11-176B-exp1`,
  exitDurationMins: 5990,
  launcher: {
    python: 'python',
    megatronDir: `${TR11_WORK}/Megatron-DeepSpeed`,
    envScript: '$six_ALL_CCFRWORK/start-tr11-176B-ml',
    rdzvPort: 6000,
    tee: 3,
    maxRestarts: 0,
    srunWait: 60,
    killOnBadExit: true,
  },
  env: {
    CUDA_LAUNCH_BLOCKING: '1',
    NCCL_ASYNC_ERROR_HANDLING: '1',
    TORCHELASTIC_ERROR_FILE: '/tmp/torch-elastic-error.json',
    HF_DATASETS_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
  },
  cluster: {
    profile: 'jean-zay-a100',
    partition: 'gpu_p5',
    account: 'six@a100',
    qos: 'qos_gpu-gc',
    constraint: 'a100',
    reservation: 'hug',
    timeLimit: '100:00:00',
    maxTimeLimit: '100:00:00',
    nodes: 48,
    gpusPerNode: 8,
    cpusPerNode: 64,
    gpuMemoryGiB: 80,
    hint: 'nomultithread',
    jobName: 'tr11-176B-ml',
    array: '1-3%1',
    output: '%x-%j.out',
    // SCRATCH: 400 TB = 363.8 TiB.
    storageQuotaTiB: 363.8,
  },
  planning: {
    assumedTflopsPerGpu: 150,
    checkpointsKept: 20,
    // 2.3 TB saved in ~40 s.
    checkpointWriteGBps: 57,
    slackMinutes: 5,
    maxHoursBetweenSaves: 4,
  },
};

const TR11F_SCRATCH = '$six_ALL_CCFRSCRATCH/checkpoints/tr11f-6B3-ml';
const TR11F_WORK = '$six_ALL_CCFRWORK/code/tr11f-6B3-ml';

/**
 * bloom-7b1 (tr11f-6B3) on 32 V100-32GB nodes in fp16, with the exit duration corrected to 1190 min for the 20 h
 * limit (the real script kept 5990, the bug this validator rejects).
 */
export const bloom7b1: RunConfigInput = {
  name: 'tr11f-6B3-ml',
  description: 'bloom-7b1 (bigscience tr11f-6B3-ml) on 32 Jean Zay V100-32GB nodes: TP 4 × PP 4 × DP 8, fp16',
  model: {
    numLayers: 30,
    hiddenSize: 4096,
    numAttentionHeads: 32,
    seqLength: 2048,
    maxPositionEmbeddings: 2048,
    positionEmbedding: 'alibi',
    vocabSize: 250680,
    padVocabSizeTo: 250880,
    activation: 'gelu',
    embedLayernorm: true,
    initMethodStd: 0.0048,
    ppPartitionMethod: 'type:transformer|embedding',
  },
  parallelism: { tensor: 4, pipeline: 4 },
  batch: { micro: 1, global: 512, rampup: { start: 192, increment: 32, samples: 9_765_625 } },
  length: { trainSamples: 220_000_000 },
  optimizer: {
    type: 'adam',
    lr: 1.2e-4,
    minLr: 1e-5,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    clipGrad: 1.0,
    schedule: { decayStyle: 'cosine', warmupSamples: 183_105, decaySamples: 200_000_000 },
  },
  precision: {
    dtype: 'fp16',
    zeroStage: 0,
    lossScale: { lossScale: 0, initialScalePower: 12, window: 500, hysteresis: 2, minLossScale: 1 },
  },
  training: { seed: 42, activationCheckpointing: true, extraFlags: ['--abort-on-unmet-fused-kernel-constraints'] },
  checkpointing: { dir: `${TR11F_SCRATCH}/checkpoints/main`, saveInterval: 250 },
  eval: { interval: 1000, iters: 1, groups: 29 },
  data: {
    trainSplitsFile: `${TR11F_WORK}/train-splits.txt`,
    validSplitsFile: `${TR11F_WORK}/valid-splits.txt`,
    tokenizer: { type: 'PretrainedFromHF', name: 'bigscience/tokenizer' },
    numWorkers: 2,
    validNumWorkers: 0,
  },
  logging: {
    interval: 1,
    mainLog: `${TR11F_SCRATCH}/tr11f-6B3-ml-logs/logs/main/main_log.txt`,
    tensorboardDir: `${TR11F_SCRATCH}/tr11f-6B3-ml-logs/tensorboard/main`,
  },
  killSwitchPath: `${TR11F_WORK}/Megatron-DeepSpeed/kill-switch-tr11f-6B3-ml`,
  exitDurationMins: 1190,
  launcher: { megatronDir: `${TR11F_WORK}/Megatron-DeepSpeed`, envScript: '$six_ALL_CCFRWORK/start-tr11f-6B3-ml' },
  env: {
    CUDA_LAUNCH_BLOCKING: '1',
    NCCL_ASYNC_ERROR_HANDLING: '1',
    TORCHELASTIC_ERROR_FILE: '/tmp/torch-elastic-error.json',
    HF_DATASETS_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
  },
  cluster: {
    profile: 'jean-zay-v100',
    partition: 'gpu_p13',
    account: 'six@v100',
    qos: 'qos_gpu-t3',
    constraint: 'v100-32g',
    timeLimit: '20:00:00',
    maxTimeLimit: '20:00:00',
    nodes: 32,
    gpusPerNode: 4,
    cpusPerNode: 40,
    gpuMemoryGiB: 32,
    hint: 'nomultithread',
    jobName: 'tr11f-6B3-ml',
    array: '1-10%1',
    output: '%x-%j.out',
  },
  // Assumed: the sources give no TFLOPs for the V100 runs.
  planning: {
    assumedTflopsPerGpu: 40,
    checkpointsKept: 20,
    checkpointWriteGBps: 20,
    slackMinutes: 5,
    maxHoursBetweenSaves: 4,
  },
};

/**
 * A tiny run for the fake trainer on the loopback dev cluster (2 nodes × 4 fake GPUs, partition `debug`):
 * 390 iterations at ~0.2 s (8 assumed TFLOPs), with a rampup, evals, saves, a kill switch and an exit duration.
 */
export const demo: RunConfigInput = {
  name: 'demo',
  description: 'Tiny GPT for the fake trainer: about 80 s on a laptop',
  model: {
    numLayers: 8,
    hiddenSize: 512,
    numAttentionHeads: 8,
    seqLength: 512,
    maxPositionEmbeddings: 512,
    positionEmbedding: 'alibi',
    vocabSize: 50257,
    padVocabSizeTo: 50432,
    activation: 'gelu',
    embedLayernorm: true,
    initMethodStd: 0.02,
  },
  parallelism: { tensor: 2, pipeline: 2 },
  batch: { micro: 4, global: 64, rampup: { start: 16, increment: 16, samples: 4000 } },
  length: { trainSamples: 19_200 },
  optimizer: {
    lr: 6e-4,
    minLr: 6e-5,
    beta1: 0.9,
    beta2: 0.95,
    weightDecay: 0.1,
    clipGrad: 1.0,
    schedule: { decayStyle: 'cosine', warmupSamples: 1600, decaySamples: 17_600 },
  },
  precision: { dtype: 'bf16', zeroStage: 0 },
  training: { seed: 42, activationCheckpointing: true, extraFlags: [] },
  checkpointing: { dir: 'runs/demo/checkpoints', saveInterval: 50 },
  eval: { interval: 100, iters: 2, groups: 2 },
  data: {
    blend: [{ weight: 1, path: 'data/demo_text_document' }],
    split: '949,50,1',
    tokenizer: { type: 'GPT2BPETokenizer', name: 'gpt2' },
    numWorkers: 0,
    validNumWorkers: 0,
  },
  logging: { interval: 1, mainLog: 'runs/demo/logs/main/main_log.txt', tensorboardDir: 'runs/demo/tensorboard' },
  killSwitchPath: 'runs/demo/kill-switch',
  exitDurationMins: 8,
  launcher: { megatronDir: '/opt/Megatron-DeepSpeed', rdzvPort: 29500 },
  env: { NCCL_ASYNC_ERROR_HANDLING: '1', CUDA_LAUNCH_BLOCKING: '1' },
  cluster: {
    profile: 'generic',
    partition: 'debug',
    timeLimit: '0:10:00',
    nodes: 2,
    gpusPerNode: 4,
    cpusPerNode: 4,
    gpuMemoryGiB: 80,
    jobName: 'trainboard-demo',
    output: '%x-%j.out',
  },
  planning: {
    assumedTflopsPerGpu: 8,
    checkpointsKept: 5,
    checkpointWriteGBps: 1,
    slackMinutes: 1,
    maxHoursBetweenSaves: 4,
  },
};

export const PRESETS = { 'bloom-176b': bloom176b, 'bloom-7b1': bloom7b1, demo } as const satisfies Record<
  string,
  RunConfigInput
>;
export type PresetName = keyof typeof PRESETS;

export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
