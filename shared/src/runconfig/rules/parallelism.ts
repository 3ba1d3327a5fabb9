// Rules about the model shape and how it is split over GPUs (Megatron asserts most of these at start-up, after the
// queue wait; we refuse them before submission).
import { ffnHiddenSize, pipelineStages } from '../model.js';
import { divisors, finding, structuralRule } from './rule.js';
import type { Rule } from './rule.js';

export const parallelismRules: Rule[] = [
  structuralRule(
    'world-size-divisible',
    'nodes × GPUs per node is divisible by TP × PP (DP is derived from it)',
    (c) => {
      const world = c.cluster.nodes * c.cluster.gpusPerNode;
      const modelParallel = c.parallelism.tensor * c.parallelism.pipeline;
      if (world % modelParallel === 0) return [];
      const perReplicaNodes = modelParallel / c.cluster.gpusPerNode;
      const fix = Number.isInteger(perReplicaNodes)
        ? `use a multiple of ${perReplicaNodes} nodes (one model replica = ${modelParallel} GPUs), e.g. ${Math.max(perReplicaNodes, Math.floor(c.cluster.nodes / perReplicaNodes) * perReplicaNodes)}`
        : `choose TP × PP dividing ${world}, or a node count making nodes × ${c.cluster.gpusPerNode} a multiple of ${modelParallel}`;
      return [
        finding(
          'world-size-divisible',
          'error',
          'cluster.nodes',
          c.cluster.nodes,
          `world size ${c.cluster.nodes} × ${c.cluster.gpusPerNode} = ${world} GPUs is not divisible by TP × PP = ${modelParallel}, so Megatron cannot form data-parallel groups`,
          fix,
        ),
      ];
    },
  ),

  structuralRule('tp-divides-heads', 'tensor parallel size divides the number of attention heads', (c) => {
    const { tensor } = c.parallelism;
    const heads = c.model.numAttentionHeads;
    if (heads % tensor === 0) return [];
    return [
      finding(
        'tp-divides-heads',
        'error',
        'parallelism.tensor',
        tensor,
        `${heads} attention heads cannot be split evenly over ${tensor} tensor-parallel ranks`,
        `use a TP that divides ${heads}: ${divisors(heads)
          .filter((d) => d <= c.cluster.gpusPerNode)
          .join(', ')}`,
      ),
    ];
  }),

  structuralRule('hidden-divisible-by-heads', 'hidden size is divisible by the number of heads', (c) => {
    const { hiddenSize, numAttentionHeads } = c.model;
    if (hiddenSize % numAttentionHeads === 0) return [];
    return [
      finding(
        'hidden-divisible-by-heads',
        'error',
        'model.hiddenSize',
        hiddenSize,
        `hidden size ${hiddenSize} is not a multiple of ${numAttentionHeads} heads, so the head dimension is not an integer`,
        `use a hidden size that is a multiple of ${numAttentionHeads} (e.g. ${Math.ceil(hiddenSize / numAttentionHeads) * numAttentionHeads}) or change the head count`,
      ),
    ];
  }),

  structuralRule('tp-divides-ffn', 'tensor parallel size divides the FFN hidden size', (c) => {
    const ffn = ffnHiddenSize(c.model);
    if (ffn % c.parallelism.tensor === 0) return [];
    return [
      finding(
        'tp-divides-ffn',
        'error',
        'model.ffnHiddenSize',
        ffn,
        `the FFN inner size ${ffn} is not divisible by TP ${c.parallelism.tensor}, so the column-parallel MLP cannot be split`,
        `use an FFN size that is a multiple of ${c.parallelism.tensor}`,
      ),
    ];
  }),

  structuralRule(
    'tp-within-node',
    'TP stays inside one node (TP ≤ GPUs per node and divides it); crossing nodes is legal but slow',
    (c) => {
      const { tensor } = c.parallelism;
      const gpus = c.cluster.gpusPerNode;
      if (tensor <= gpus && gpus % tensor === 0) return [];
      return [
        finding(
          'tp-within-node',
          'warning',
          'parallelism.tensor',
          tensor,
          `TP ${tensor} with ${gpus} GPUs per node puts tensor-parallel all-reduces (several per layer) on the inter-node network, which is an order of magnitude slower than NVLink`,
          `use a TP that divides ${gpus} (${divisors(gpus).join(', ')}) and raise PP instead`,
        ),
      ];
    },
  ),

  structuralRule('pp-within-layers', 'every pipeline stage gets at least one transformer block', (c) => {
    const stages = pipelineStages(c.model, c.parallelism.pipeline);
    const empty = stages.filter((s) => s.transformerBlocks === 0);
    if (empty.length === 0) return [];
    return [
      finding(
        'pp-within-layers',
        'error',
        'parallelism.pipeline',
        c.parallelism.pipeline,
        `${c.model.numLayers} layers over ${c.parallelism.pipeline} stages leaves ${empty.length} stage(s) without a transformer block`,
        `use PP ≤ ${c.model.numLayers}, ideally a divisor of the items being partitioned`,
      ),
    ];
  }),

  structuralRule(
    'pp-uneven-stages',
    'pipeline stages hold the same number of blocks (uneven stages are legal but the slowest sets the pace)',
    (c) => {
      const blocks = pipelineStages(c.model, c.parallelism.pipeline).map((s) => s.transformerBlocks);
      const max = Math.max(...blocks);
      const min = Math.min(...blocks);
      if (max === min || min === 0) return [];
      // Counting the embeddings as layers makes the end stages lighter on purpose (tr11's 5/6…6/5 split).
      if (
        c.model.ppPartitionMethod === 'type:transformer|embedding' &&
        (c.model.numLayers + 2) % c.parallelism.pipeline === 0
      )
        return [];
      const items = c.model.numLayers + (c.model.ppPartitionMethod === 'type:transformer|embedding' ? 2 : 0);
      return [
        finding(
          'pp-uneven-stages',
          'warning',
          'parallelism.pipeline',
          c.parallelism.pipeline,
          `stages get ${min}–${max} blocks (${blocks.join('/')}); every stage waits for the heaviest, wasting about ${(((max - min) / max) * 100).toFixed(0)}% on the lighter ones`,
          `use a PP dividing ${items} (${divisors(items)
            .filter((d) => d > 1)
            .slice(0, 8)
            .join(
              ', ',
            )}) or set model.ppPartitionMethod to 'type:transformer|embedding' when layers + 2 divides evenly`,
        ),
      ];
    },
  ),

  structuralRule(
    'vocab-padding',
    'padded vocabulary ≥ vocabulary, divisible by TP (error) and by 128 × TP for fast kernels (warning)',
    (c) => {
      const { vocabSize, padVocabSizeTo } = c.model;
      const tp = c.parallelism.tensor;
      const padded = padVocabSizeTo ?? vocabSize;
      const aligned = Math.ceil(vocabSize / (128 * tp)) * 128 * tp;
      if (padded < vocabSize) {
        return [
          finding(
            'vocab-padding',
            'error',
            'model.padVocabSizeTo',
            padded,
            `the padded vocabulary ${padded} is smaller than the tokenizer's ${vocabSize} tokens`,
            `set it to ${aligned}`,
          ),
        ];
      }
      if (padded % tp !== 0) {
        return [
          finding(
            'vocab-padding',
            'error',
            padVocabSizeTo === undefined ? 'model.vocabSize' : 'model.padVocabSizeTo',
            padded,
            `the embedding of ${padded} rows cannot be split over TP ${tp}`,
            `set model.padVocabSizeTo to ${aligned}`,
          ),
        ];
      }
      if (padded % (128 * tp) !== 0) {
        return [
          finding(
            'vocab-padding',
            'warning',
            padVocabSizeTo === undefined ? 'model.vocabSize' : 'model.padVocabSizeTo',
            padded,
            `${padded} is not a multiple of 128 × TP = ${128 * tp}; the embedding and logits GEMMs run on slower unaligned shapes`,
            `set model.padVocabSizeTo to ${aligned}`,
          ),
        ];
      }
      return [];
    },
  ),

  structuralRule(
    'seq-within-positions',
    'sequence length ≤ max position embeddings (Megatron asserts it, even with ALiBi)',
    (c) => {
      const { seqLength, maxPositionEmbeddings } = c.model;
      if (seqLength <= maxPositionEmbeddings) return [];
      return [
        finding(
          'seq-within-positions',
          'error',
          'model.seqLength',
          seqLength,
          `sequence length ${seqLength} exceeds max position embeddings ${maxPositionEmbeddings}`,
          `set model.maxPositionEmbeddings to at least ${seqLength} or shorten the sequence`,
        ),
      ];
    },
  ),
];
