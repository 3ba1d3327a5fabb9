// Memory per GPU, estimated for the heaviest pipeline stage. Static memory follows mixed-precision Adam (ZeRO paper:
// 2 + 2 + 12 bytes per parameter); activations follow Korthikanti et al. 2022 ("Reducing Activation Recomputation
// in Large Transformer Models", tensor parallel without sequence parallel). It is an estimate: allocator
// fragmentation, NCCL buffers and the CUDA context are not counted, which is why the check keeps 10% headroom.
import type { RunConfig } from './schema.js';
import { embeddingParams, paddedVocab, paramsPerLayer, pipelineStages } from './model.js';

export interface MemoryBreakdown {
  stage: number;
  paramsOnGpu: number;
  weightsBytes: number;
  gradientsBytes: number;
  optimizerStatesBytes: number;
  /** Activations held with the configured activation checkpointing setting. */
  activationsBytes: number;
  activationsWithRecomputeBytes: number;
  activationsWithoutRecomputeBytes: number;
  totalBytes: number;
  gpuMemoryBytes: number;
}

const GIB = 2 ** 30;

/** Bytes per parameter of the training weights, and of fp32 master weights + Adam moments. */
export function bytesPerParam(dtype: RunConfig['precision']['dtype']): { weights: number; optimizer: number } {
  return dtype === 'fp32' ? { weights: 4, optimizer: 8 } : { weights: 2, optimizer: 12 };
}

/** Per-layer activation bytes of one micro-batch, without recompute (Korthikanti eq. 2 with TP). */
function layerActivationBytes(config: RunConfig): number {
  const { seqLength: s, hiddenSize: h, numAttentionHeads: a } = config.model;
  const b = config.batch.micro;
  const t = config.parallelism.tensor;
  return s * b * h * (10 + 24 / t + (5 * a * s) / (h * t));
}

/**
 * Memory of every pipeline stage; the result is the stage with the largest total.
 * @param microBatchesPerStep micro-batches per step at the full batch (1F1B keeps up to PP − stage of them in flight).
 */
export function memoryPerGpu(config: RunConfig, microBatchesPerStep: number): MemoryBreakdown {
  const { model, parallelism, precision, cluster } = config;
  const tp = parallelism.tensor;
  const dp = Math.max(1, Math.floor((cluster.nodes * cluster.gpusPerNode) / (tp * parallelism.pipeline)));
  const bytes = bytesPerParam(precision.dtype);
  // bf16 in this stack uses DeepSpeed's BF16_Optimizer, which shards optimizer states like ZeRO-1.
  const shardOptimizer = precision.zeroStage >= 1 || precision.dtype === 'bf16';
  const perLayerParams = paramsPerLayer(model);
  const layerActivations = layerActivationBytes(config);
  const storedInputBytes = 2 * model.seqLength * config.batch.micro * model.hiddenSize;
  const logitsBytes = (4 * model.seqLength * config.batch.micro * paddedVocab(model)) / tp;

  let heaviest: MemoryBreakdown | null = null;
  for (const stage of pipelineStages(model, parallelism.pipeline)) {
    const embedding = embeddingParams(model);
    const params =
      (stage.transformerBlocks * perLayerParams +
        (stage.hasInputEmbedding ? embedding : 0) +
        (stage.hasOutputEmbedding ? paddedVocab(model) * model.hiddenSize + 2 * model.hiddenSize : 0)) /
      tp;
    const weightsBytes = (params * bytes.weights) / (precision.zeroStage === 3 ? dp : 1);
    const gradientsBytes = (params * bytes.weights) / (precision.zeroStage >= 2 ? dp : 1);
    const optimizerStatesBytes = (params * bytes.optimizer) / (shardOptimizer ? dp : 1);
    const inFlight = Math.min(parallelism.pipeline - stage.index, microBatchesPerStep);
    const lossBytes = stage.hasOutputEmbedding ? logitsBytes : 0;
    const withoutRecompute = stage.transformerBlocks * inFlight * layerActivations + lossBytes;
    // Full recompute keeps each block's input and rebuilds one block's activations at a time.
    const withRecompute =
      stage.transformerBlocks * inFlight * storedInputBytes +
      (stage.transformerBlocks > 0 ? layerActivations : 0) +
      lossBytes;
    const activationsBytes = config.training.activationCheckpointing ? withRecompute : withoutRecompute;
    const totalBytes = weightsBytes + gradientsBytes + optimizerStatesBytes + activationsBytes;
    if (!heaviest || totalBytes > heaviest.totalBytes) {
      heaviest = {
        stage: stage.index,
        paramsOnGpu: Math.round(params),
        weightsBytes: Math.round(weightsBytes),
        gradientsBytes: Math.round(gradientsBytes),
        optimizerStatesBytes: Math.round(optimizerStatesBytes),
        activationsBytes: Math.round(activationsBytes),
        activationsWithRecomputeBytes: Math.round(withRecompute),
        activationsWithoutRecomputeBytes: Math.round(withoutRecompute),
        totalBytes: Math.round(totalBytes),
        gpuMemoryBytes: Math.round(cluster.gpuMemoryGiB * GIB),
      };
    }
  }
  // pipelineStages always returns `pipeline` ≥ 1 stages.
  return heaviest as MemoryBreakdown;
}
