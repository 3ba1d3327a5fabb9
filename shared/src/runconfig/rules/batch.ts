// Rules about the global batch, the rampup and the run length. The rampup trap: Megatron checks divisibility
// by micro × DP only when each new batch size is reached, possibly days into the run.
import { rampupProblem, rampupSchedule } from '../rampup.js';
import { finding, plannedRule, structuralRule } from './rule.js';
import type { Rule } from './rule.js';
import type { RunConfig } from '../schema.js';

function dataParallel(c: RunConfig): number {
  return Math.max(
    1,
    Math.floor((c.cluster.nodes * c.cluster.gpusPerNode) / (c.parallelism.tensor * c.parallelism.pipeline)),
  );
}

export const batchRules: Rule[] = [
  structuralRule('global-batch-divisible', 'global batch is divisible by micro batch × DP', (c) => {
    const unit = c.batch.micro * dataParallel(c);
    if (c.batch.global % unit === 0) return [];
    return [
      finding(
        'global-batch-divisible',
        'error',
        'batch.global',
        c.batch.global,
        `global batch ${c.batch.global} is not divisible by micro batch ${c.batch.micro} × DP ${dataParallel(c)} = ${unit}; Megatron asserts this at start-up`,
        `use a multiple of ${unit}, e.g. ${Math.max(unit, Math.round(c.batch.global / unit) * unit)}`,
      ),
    ];
  }),

  structuralRule(
    'rampup-shape',
    'rampup start ≤ global batch, (global − start) divisible by the increment, and a bounded rampup',
    (c) => {
      const { rampup } = c.batch;
      if (!rampup) return [];
      const problem = rampupProblem(c.batch.global, rampup);
      if (!problem) return [];
      return [
        finding(
          'rampup-shape',
          'error',
          'batch.rampup',
          rampup,
          `${problem} (start ${rampup.start}, increment ${rampup.increment}, global ${c.batch.global})`,
          'choose start < global and an increment dividing (global − start), e.g. tr11: start 192, increment 16 for global 2048',
        ),
      ];
    },
  ),

  structuralRule(
    'rampup-divisible',
    'every global batch reached during the rampup is divisible by micro batch × DP',
    (c) => {
      const { rampup } = c.batch;
      if (!rampup || rampupProblem(c.batch.global, rampup)) return [];
      const unit = c.batch.micro * dataParallel(c);
      const bad = rampupSchedule(c.batch.global, rampup).steps.find((s) => s.globalBatch % unit !== 0);
      if (!bad) return [];
      return [
        finding(
          'rampup-divisible',
          'error',
          'batch.rampup',
          rampup,
          `at iteration ${bad.fromIteration} the rampup reaches global batch ${bad.globalBatch}, which is not divisible by micro batch ${c.batch.micro} × DP ${dataParallel(c)} = ${unit}; Megatron would crash there, mid-run`,
          `make batch.rampup.start and batch.rampup.increment multiples of ${unit} (or lower the micro batch until the full batch)`,
        ),
      ];
    },
  ),

  structuralRule('rampup-needs-samples', 'a batch rampup requires sample-based training (length.trainSamples)', (c) => {
    if (!c.batch.rampup || c.length.trainSamples !== undefined) return [];
    return [
      finding(
        'rampup-needs-samples',
        'error',
        'length.trainIters',
        c.length.trainIters,
        'with --rampup-batch-size Megatron derives train_iters from --train-samples and rejects --train-iters',
        'replace length.trainIters with length.trainSamples (iterations × global batch), and use sample-based LR warmup/decay',
      ),
    ];
  }),

  structuralRule(
    'train-length',
    'exactly one of length.trainSamples and length.trainIters, giving at least one iteration',
    (c) => {
      const { trainSamples, trainIters } = c.length;
      if ((trainSamples === undefined) === (trainIters === undefined)) {
        return [
          finding(
            'train-length',
            'error',
            'length',
            c.length,
            trainSamples === undefined
              ? 'neither trainSamples nor trainIters is set'
              : 'both trainSamples and trainIters are set; Megatron accepts only one',
            'set exactly one: trainSamples (required with a rampup) or trainIters',
          ),
        ];
      }
      if (trainSamples !== undefined && trainSamples < c.batch.global) {
        return [
          finding(
            'train-length',
            'error',
            'length.trainSamples',
            trainSamples,
            `fewer samples than one global batch (${c.batch.global}) gives 0 iterations`,
            `use at least ${c.batch.global} samples`,
          ),
        ];
      }
      return [];
    },
  ),

  structuralRule('tokens-target', 'train samples × sequence length matches length.tokensTarget within 1%', (c) => {
    const { tokensTarget, trainSamples, trainIters } = c.length;
    if (tokensTarget === undefined) return [];
    const tokens = (trainSamples ?? (trainIters ?? 0) * c.batch.global) * c.model.seqLength;
    if (Math.abs(tokens - tokensTarget) <= tokensTarget * 0.01) return [];
    return [
      finding(
        'tokens-target',
        'warning',
        'length.tokensTarget',
        tokensTarget,
        `the configured length gives ${tokens.toLocaleString('en-US')} tokens, not the ${tokensTarget.toLocaleString('en-US')} targeted`,
        `set length.trainSamples to ${Math.round(tokensTarget / c.model.seqLength)}`,
      ),
    ];
  }),

  plannedRule(
    'pipeline-bubble',
    'micro-batches per step are plentiful: bubble (PP − 1)/m ≤ 25% at the full batch, m ≥ PP at the rampup start',
    (c, plan) => {
      const pp = c.parallelism.pipeline;
      if (pp === 1) return [];
      if (plan.pipelineBubble > 0.25) {
        return [
          finding(
            'pipeline-bubble',
            'warning',
            'batch.micro',
            c.batch.micro,
            `${plan.microBatchesPerStep} micro-batches per step for ${pp} stages: the pipeline idles ${(plan.pipelineBubble * 100).toFixed(0)}% of the time`,
            `lower the micro batch or PP, or raise the global batch, to get ≥ ${4 * (pp - 1)} micro-batches per step`,
          ),
        ];
      }
      const start = c.batch.rampup?.start;
      if (start !== undefined) {
        const atStart = Math.floor(start / (c.batch.micro * plan.dataParallel));
        if (atStart < pp) {
          return [
            finding(
              'pipeline-bubble',
              'warning',
              'batch.rampup.start',
              start,
              `the rampup starts with ${atStart} micro-batch(es) per step for ${pp} stages; tr11's GBS-16 start ran at 8 TFLOPs for days`,
              `start the rampup at ≥ ${pp * c.batch.micro * plan.dataParallel} or use micro batch 1 until the batch grows`,
            ),
          ];
        }
      }
      return [];
    },
  ),
];
