// Model arithmetic: parameter counts, how DeepSpeed's pipeline splits the layers into stages, and FLOPs per
// iteration with the exact formula Megatron uses for its printed TFLOPs (megatron-log-format.md §2.6).
import type { ModelConfig } from './schema.js';

/** The vocabulary actually allocated: `--pad-vocab-size-to`, else the tokenizer's size. */
export function paddedVocab(model: ModelConfig): number {
  return model.padVocabSizeTo ?? model.vocabSize;
}

export function ffnHiddenSize(model: ModelConfig): number {
  return model.ffnHiddenSize ?? 4 * model.hiddenSize;
}

/** Parameters of one transformer block: attention (QKV + dense), MLP, two LayerNorms, all with biases. */
export function paramsPerLayer(model: ModelConfig): number {
  const h = model.hiddenSize;
  const f = ffnHiddenSize(model);
  const attention = 4 * h * h + 4 * h;
  // GLU: the first projection emits 2f (gate and value), so it has twice the weights and biases.
  const mlp = model.activation === 'swiglu' ? 3 * h * f + 2 * f + h : 2 * h * f + f + h;
  return attention + mlp + 4 * h;
}

/** Word (and learned position) embeddings plus the embedding LayerNorm when present. */
export function embeddingParams(model: ModelConfig): number {
  const h = model.hiddenSize;
  const positions = model.positionEmbedding === 'learned' ? model.maxPositionEmbeddings * h : 0;
  return paddedVocab(model) * h + positions + (model.embedLayernorm ? 2 * h : 0);
}

/**
 * Total parameters with the output layer tied to the input embedding (as in GPT/BLOOM):
 * l·(12h² + 13h) + V·h + 4h for BLOOM = 176,247,271,424.
 */
export function parameterCount(model: ModelConfig): number {
  return model.numLayers * paramsPerLayer(model) + embeddingParams(model) + 2 * model.hiddenSize;
}

export interface PipelineStage {
  index: number;
  transformerBlocks: number;
  hasInputEmbedding: boolean;
  /** The last stage holds the tied output embedding, the final LayerNorm and the loss. */
  hasOutputEmbedding: boolean;
}

/** DeepSpeed's `partition_uniform`: the first `items mod parts` parts get one extra item. */
function partitionUniform(items: number, parts: number): number[] {
  const base = Math.floor(items / parts);
  const residual = items - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < residual ? 1 : 0));
}

/**
 * How layers land on pipeline stages. `type:transformer|embedding` counts both embeddings as layers, which is
 * how tr11 got 5 + 10·6 + 5 = 70 blocks on 12 stages.
 */
export function pipelineStages(model: ModelConfig, pipeline: number): PipelineStage[] {
  const countsEmbeddings = model.ppPartitionMethod === 'type:transformer|embedding';
  const items = model.numLayers + (countsEmbeddings ? 2 : 0);
  const sizes = partitionUniform(items, pipeline);
  const stages: PipelineStage[] = [];
  let cursor = 0; // index into [embedding?, block 1..L, embedding?]
  for (const [index, size] of sizes.entries()) {
    const first = cursor;
    const end = cursor + size;
    cursor = end;
    let blocks = size;
    if (countsEmbeddings) {
      if (first === 0 && size > 0) blocks -= 1;
      if (end === items && size > 0) blocks -= 1;
    }
    stages.push({
      index,
      transformerBlocks: Math.max(0, blocks),
      hasInputEmbedding: index === 0,
      hasOutputEmbedding: index === pipeline - 1,
    });
  }
  return stages;
}

/** Number of FLOP "passes": forward + 2×backward, plus one forward recompute with activation checkpointing. */
export function passFactor(activationCheckpointing: boolean): number {
  return activationCheckpointing ? 4 : 3;
}

/**
 * Megatron's FLOPs per iteration for a given global batch:
 * c · f · B · s · l · h² · (1 + s/(6h) + V/(16·l·h)), c = 24 for GeLU and 32 for GLU models.
 */
export function flopsPerIteration(model: ModelConfig, globalBatch: number, activationCheckpointing: boolean): number {
  const { seqLength: s, numLayers: l, hiddenSize: h } = model;
  const coefficient = model.activation === 'swiglu' ? 32 : 24;
  const v = paddedVocab(model);
  return (
    coefficient *
    passFactor(activationCheckpointing) *
    globalBatch *
    s *
    l *
    h *
    h *
    (1 + s / (6 * h) + v / (16 * l * h))
  );
}
