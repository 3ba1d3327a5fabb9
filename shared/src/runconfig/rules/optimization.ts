// Rules about the LR schedule, precision and memory.
import { finding, GIB, plannedRule, structuralRule } from './rule.js';
import type { Rule } from './rule.js';

export const optimizationRules: Rule[] = [
  structuralRule(
    'lr-schedule-units',
    'sample-based training uses sample-based warmup/decay, iteration-based training iteration-based ones',
    (c) => {
      const s = c.optimizer.schedule;
      const sampleBased = c.length.trainSamples !== undefined;
      const wrong = sampleBased
        ? (['warmupIters', 'decayIters'] as const).filter((k) => s[k] !== undefined)
        : (['warmupSamples', 'decaySamples'] as const).filter((k) => s[k] !== undefined);
      if (wrong.length === 0) return [];
      const [key] = wrong as [(typeof wrong)[number]];
      return [
        finding(
          'lr-schedule-units',
          'error',
          `optimizer.schedule.${key}`,
          s[key],
          `training is ${sampleBased ? 'sample' : 'iteration'}-based, and Megatron rejects ${sampleBased ? 'iteration' : 'sample'}-based LR warmup/decay with it`,
          sampleBased
            ? 'use optimizer.schedule.warmupSamples / decaySamples'
            : 'use optimizer.schedule.warmupIters / decayIters',
        ),
      ];
    },
  ),

  structuralRule('lr-warmup-within-train', 'LR warmup ends before the decay ends and before training ends', (c) => {
    const s = c.optimizer.schedule;
    const sampleBased = c.length.trainSamples !== undefined;
    const warmup = sampleBased ? s.warmupSamples : s.warmupIters;
    const decay = sampleBased ? s.decaySamples : s.decayIters;
    const total = sampleBased ? c.length.trainSamples : c.length.trainIters;
    const key = sampleBased ? 'warmupSamples' : 'warmupIters';
    if (warmup === undefined || total === undefined) return [];
    if (warmup >= total) {
      return [
        finding(
          'lr-warmup-within-train',
          'error',
          `optimizer.schedule.${key}`,
          warmup,
          `the warmup (${warmup}) never ends within the run (${total})`,
          `use a warmup of a few percent of the run, e.g. ${Math.round(total * 0.01)}`,
        ),
      ];
    }
    if (decay !== undefined && warmup >= decay) {
      return [
        finding(
          'lr-warmup-within-train',
          'error',
          `optimizer.schedule.${key}`,
          warmup,
          `the warmup (${warmup}) is not shorter than the decay (${decay}); Megatron asserts warmup < decay`,
          `shorten the warmup or lengthen the decay`,
        ),
      ];
    }
    return [];
  }),

  structuralRule(
    'lr-decay-within-train',
    'the LR decay ends within training (otherwise min-lr is never reached)',
    (c) => {
      const s = c.optimizer.schedule;
      const sampleBased = c.length.trainSamples !== undefined;
      const decay = sampleBased ? s.decaySamples : s.decayIters;
      const total = sampleBased ? c.length.trainSamples : c.length.trainIters;
      if (decay === undefined || total === undefined || decay <= total || s.decayStyle === 'constant') return [];
      return [
        finding(
          'lr-decay-within-train',
          'warning',
          `optimizer.schedule.${sampleBased ? 'decaySamples' : 'decayIters'}`,
          decay,
          `the decay (${decay}) is longer than training (${total}): the run stops before the LR reaches min-lr`,
          `set it to at most ${total} (tr11 decayed over 200M of 220M samples)`,
        ),
      ];
    },
  ),

  structuralRule('min-lr', 'min-lr ≤ lr', (c) => {
    if (c.optimizer.minLr <= c.optimizer.lr) return [];
    return [
      finding(
        'min-lr',
        'error',
        'optimizer.minLr',
        c.optimizer.minLr,
        `min-lr ${c.optimizer.minLr} is above the peak LR ${c.optimizer.lr}, so the "decay" would raise the LR`,
        `use a min-lr of about lr/10 (${c.optimizer.lr / 10})`,
      ),
    ];
  }),

  structuralRule(
    'bf16-zero-stage',
    'bf16 uses ZeRO stage 0 (the bf16 optimizer shards like stage 1 on its own)',
    (c) => {
      if (c.precision.dtype !== 'bf16' || c.precision.zeroStage === 0) return [];
      return [
        finding(
          'bf16-zero-stage',
          'error',
          'precision.zeroStage',
          c.precision.zeroStage,
          'in Megatron-DeepSpeed, bf16 runs DeepSpeed\'s BF16_Optimizer, which implements its own ZeRO-1 equivalent ("bf16 must use z0!")',
          'set precision.zeroStage to 0',
        ),
      ];
    },
  ),

  structuralRule('zero-vs-pipeline', 'ZeRO stage 2 or 3 is not combined with pipeline parallelism', (c) => {
    if (c.precision.zeroStage < 2 || c.parallelism.pipeline === 1) return [];
    return [
      finding(
        'zero-vs-pipeline',
        'error',
        'precision.zeroStage',
        c.precision.zeroStage,
        `DeepSpeed's pipeline engine rejects ZeRO stage ${c.precision.zeroStage} (gradient partitioning conflicts with pipelined gradient accumulation)`,
        'use ZeRO stage 0 or 1 with PP > 1, or PP 1 for ZeRO 2/3',
      ),
    ];
  }),

  structuralRule('fp16-loss-scale', 'fp16 has a loss-scale section; bf16/fp32 do not', (c) => {
    const { dtype, lossScale } = c.precision;
    if (dtype === 'fp16' && !lossScale) {
      return [
        finding(
          'fp16-loss-scale',
          'error',
          'precision.lossScale',
          lossScale,
          'fp16 without loss scaling underflows gradients; DeepSpeed needs its fp16 section',
          'add precision.lossScale: { lossScale: 0, initialScalePower: 12, window: 500, hysteresis: 2, minLossScale: 1 } (the small BLOOMs)',
        ),
      ];
    }
    if (dtype !== 'fp16' && lossScale) {
      return [
        finding(
          'fp16-loss-scale',
          'warning',
          'precision.lossScale',
          lossScale,
          `${dtype} has the range of fp32 and ignores loss scaling`,
          'remove precision.lossScale',
        ),
      ];
    }
    return [];
  }),

  structuralRule('fp32-costly', 'fp32 training is flagged (A100 tensor cores run bf16 ~16× faster than fp32)', (c) => {
    if (c.precision.dtype !== 'fp32') return [];
    return [
      finding(
        'fp32-costly',
        'warning',
        'precision.dtype',
        'fp32',
        'fp32 doubles memory per parameter and runs far below tensor-core throughput',
        'use bf16 on A100/H100, fp16 (with loss scaling) on V100',
      ),
    ];
  }),

  plannedRule(
    'memory-fits',
    'estimated memory of the heaviest stage fits the GPU (error above 100%, warning above 90%)',
    (c, plan) => {
      const m = plan.memory;
      const ratio = m.totalBytes / m.gpuMemoryBytes;
      if (ratio <= 0.9) return [];
      const parts = `weights ${(m.weightsBytes / GIB).toFixed(1)} + grads ${(m.gradientsBytes / GIB).toFixed(1)} + optimizer ${(m.optimizerStatesBytes / GIB).toFixed(1)} + activations ${(m.activationsBytes / GIB).toFixed(1)} GiB`;
      const fix =
        !c.training.activationCheckpointing && m.activationsWithRecomputeBytes < m.activationsWithoutRecomputeBytes
          ? 'enable training.activationCheckpointing, or raise TP/PP, or lower the micro batch'
          : 'raise TP or PP, lower the micro batch, or use more nodes (ZeRO-1 shards optimizer states over DP)';
      return [
        finding(
          'memory-fits',
          ratio > 1 ? 'error' : 'warning',
          'cluster.gpuMemoryGiB',
          c.cluster.gpuMemoryGiB,
          `stage ${m.stage} needs about ${(m.totalBytes / GIB).toFixed(1)} GiB per GPU (${parts}), ${(ratio * 100).toFixed(0)}% of ${c.cluster.gpuMemoryGiB} GiB${ratio > 1 ? ': it will OOM' : ', too little headroom for fragmentation and NCCL buffers'}`,
          fix,
        ),
      ];
    },
  ),
];
