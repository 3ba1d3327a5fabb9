import { describe, expect, it } from 'vitest';
import { PRESETS } from './presets.js';
import { RULES } from './rules/index.js';
import type { RunConfigInput } from './schema.js';
import { validateRunConfig } from './validate.js';
import type { ConfigIssue } from './issues.js';

type Input = RunConfigInput & Record<string, unknown>;

/** The demo preset: a config with no finding at all, the passing case of every rule. */
function demo(change: (c: Input) => void = () => {}): Input {
  const input = structuredClone(PRESETS.demo) as Input;
  change(input);
  return input;
}

/** For each rule: a change to the clean demo config that must trigger it, and the field it must name. */
const FAILING: Record<string, { change: (c: Input) => void; path: string; severity: ConfigIssue['severity'] }> = {
  'world-size-divisible': {
    change: (c) => {
      c.parallelism.pipeline = 3;
    },
    path: 'cluster.nodes',
    severity: 'error',
  },
  'tp-divides-heads': {
    change: (c) => {
      c.parallelism = { tensor: 4, pipeline: 1 };
      c.model.numAttentionHeads = 6;
      c.model.hiddenSize = 516;
    },
    path: 'parallelism.tensor',
    severity: 'error',
  },
  'hidden-divisible-by-heads': {
    change: (c) => {
      c.model.hiddenSize = 510;
    },
    path: 'model.hiddenSize',
    severity: 'error',
  },
  'tp-divides-ffn': {
    change: (c) => {
      c.model.ffnHiddenSize = 2049;
    },
    path: 'model.ffnHiddenSize',
    severity: 'error',
  },
  'tp-within-node': {
    change: (c) => {
      c.parallelism = { tensor: 8, pipeline: 1 };
    },
    path: 'parallelism.tensor',
    severity: 'warning',
  },
  'pp-within-layers': {
    change: (c) => {
      c.parallelism = { tensor: 1, pipeline: 8 };
      c.model.numLayers = 4;
    },
    path: 'parallelism.pipeline',
    severity: 'error',
  },
  'pp-uneven-stages': {
    change: (c) => {
      c.model.numLayers = 7;
    },
    path: 'parallelism.pipeline',
    severity: 'warning',
  },
  'vocab-padding': {
    change: (c) => {
      c.model.padVocabSizeTo = 50000;
    },
    path: 'model.padVocabSizeTo',
    severity: 'error',
  },
  'seq-within-positions': {
    change: (c) => {
      c.model.maxPositionEmbeddings = 256;
    },
    path: 'model.seqLength',
    severity: 'error',
  },
  'global-batch-divisible': {
    change: (c) => {
      delete c.batch.rampup;
      c.batch.global = 60;
    },
    path: 'batch.global',
    severity: 'error',
  },
  'rampup-shape': {
    change: (c) => {
      c.batch.rampup = { start: 100, increment: 4, samples: 4000 };
    },
    path: 'batch.rampup',
    severity: 'error',
  },
  'rampup-divisible': {
    change: (c) => {
      c.batch.rampup = { start: 12, increment: 4, samples: 4000 };
    },
    path: 'batch.rampup',
    severity: 'error',
  },
  'rampup-needs-samples': {
    change: (c) => {
      c.length = { trainIters: 300 };
      c.optimizer.schedule = { decayStyle: 'cosine', warmupIters: 10, decayIters: 250 };
    },
    path: 'length.trainIters',
    severity: 'error',
  },
  'train-length': {
    change: (c) => {
      c.length = { trainSamples: 19_200, trainIters: 300 };
    },
    path: 'length',
    severity: 'error',
  },
  'tokens-target': {
    change: (c) => {
      c.length.tokensTarget = 1e9;
    },
    path: 'length.tokensTarget',
    severity: 'warning',
  },
  'pipeline-bubble': {
    change: (c) => {
      c.batch.micro = 16;
      delete c.batch.rampup;
    },
    path: 'batch.micro',
    severity: 'warning',
  },
  'lr-schedule-units': {
    change: (c) => {
      c.optimizer.schedule.warmupIters = 10;
    },
    path: 'optimizer.schedule.warmupIters',
    severity: 'error',
  },
  'lr-warmup-within-train': {
    change: (c) => {
      c.optimizer.schedule.warmupSamples = 20_000;
    },
    path: 'optimizer.schedule.warmupSamples',
    severity: 'error',
  },
  'lr-decay-within-train': {
    change: (c) => {
      c.optimizer.schedule.decaySamples = 30_000;
    },
    path: 'optimizer.schedule.decaySamples',
    severity: 'warning',
  },
  'min-lr': {
    change: (c) => {
      c.optimizer.minLr = 1e-3;
    },
    path: 'optimizer.minLr',
    severity: 'error',
  },
  'bf16-zero-stage': {
    change: (c) => {
      c.precision.zeroStage = 1;
    },
    path: 'precision.zeroStage',
    severity: 'error',
  },
  'zero-vs-pipeline': {
    change: (c) => {
      c.precision = { dtype: 'fp16', zeroStage: 2, lossScale: {} };
    },
    path: 'precision.zeroStage',
    severity: 'error',
  },
  'fp16-loss-scale': {
    change: (c) => {
      c.precision = { dtype: 'fp16', zeroStage: 0 };
    },
    path: 'precision.lossScale',
    severity: 'error',
  },
  'fp32-costly': {
    change: (c) => {
      c.precision = { dtype: 'fp32', zeroStage: 0 };
    },
    path: 'precision.dtype',
    severity: 'warning',
  },
  'memory-fits': {
    change: (c) => {
      c.cluster.gpuMemoryGiB = 0.3;
    },
    path: 'cluster.gpuMemoryGiB',
    severity: 'error',
  },
  'save-equals-load': {
    change: (c) => {
      c.checkpointing.load = 'runs/other/checkpoints';
    },
    path: 'checkpointing.load',
    severity: 'warning',
  },
  'exit-duration': {
    change: (c) => {
      c.exitDurationMins = 10;
    },
    path: 'exitDurationMins',
    severity: 'error',
  },
  'time-limit-within-qos': {
    change: (c) => {
      c.cluster.maxTimeLimit = '0:05:00';
    },
    path: 'cluster.timeLimit',
    severity: 'error',
  },
  'save-interval': {
    change: (c) => {
      c.planning.maxHoursBetweenSaves = 0.001;
    },
    path: 'checkpointing.saveInterval',
    severity: 'warning',
  },
  'checkpoint-storage': {
    change: (c) => {
      c.cluster.storageQuotaTiB = 0.001;
    },
    path: 'planning.checkpointsKept',
    severity: 'error',
  },
  'eval-cost': {
    change: (c) => {
      c.eval.iters = 200;
    },
    path: 'eval.interval',
    severity: 'warning',
  },
  'eval-interval': {
    change: (c) => {
      c.eval.interval = 1000;
    },
    path: 'eval.interval',
    severity: 'warning',
  },
  'valid-workers': {
    change: (c) => {
      c.data.validNumWorkers = 2;
    },
    path: 'data.validNumWorkers',
    severity: 'warning',
  },
  'data-source': {
    change: (c) => {
      c.data.trainSplitsFile = 'splits/train.txt';
    },
    path: 'data',
    severity: 'error',
  },
  'cpu-workers': {
    change: (c) => {
      c.data.numWorkers = 2;
    },
    path: 'data.numWorkers',
    severity: 'warning',
  },
  'array-throttle': {
    change: (c) => {
      c.cluster.array = '1-3';
    },
    path: 'cluster.array',
    severity: 'error',
  },
  'kill-switch': {
    change: (c) => {
      delete c.killSwitchPath;
    },
    path: 'killSwitchPath',
    severity: 'warning',
  },
  'nccl-async-error-handling': {
    change: (c) => {
      c.env = {};
    },
    path: 'env.NCCL_ASYNC_ERROR_HANDLING',
    severity: 'warning',
  },
  'launcher-error-handling': {
    change: (c) => {
      c.launcher.killOnBadExit = false;
    },
    path: 'launcher.killOnBadExit',
    severity: 'warning',
  },
  'hint-nomultithread': {
    change: (c) => {
      c.cluster.profile = 'jean-zay-a100';
    },
    path: 'cluster.hint',
    severity: 'warning',
  },
};

describe(validateRunConfig.name, () => {
  it('finds nothing in the demo preset (the passing case of every rule)', () => {
    const result = validateRunConfig(demo());
    expect(result.issues).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('has a failing case for every registered rule, and no case for a rule that does not exist', () => {
    expect(Object.keys(FAILING).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it.each(Object.entries(FAILING))(
    'rule %s fires on its failing case with field, value, why and fix',
    (rule, { change, path, severity }) => {
      const result = validateRunConfig(demo(change));
      const found = result.issues.filter((i) => i.rule === rule);
      expect(found, JSON.stringify(result.issues, null, 1)).toHaveLength(1);
      const [issue] = found as [ConfigIssue];
      expect(issue).toMatchObject({ path, severity });
      expect(issue.why.length).toBeGreaterThan(10);
      expect(issue.fix.length).toBeGreaterThan(5);
      expect(result.ok).toBe(severity === 'warning' ? result.issues.every((i) => i.severity === 'warning') : false);
    },
  );

  it('accepts bloom-176b with only the exit-margin warning (10 min < iteration + eval + save + slack)', () => {
    const result = validateRunConfig(PRESETS['bloom-176b']);
    expect(result.ok).toBe(true);
    expect(result.issues.map((i) => `${i.severity}:${i.rule}`)).toEqual(['warning:exit-duration']);
  });

  it('accepts bloom-7b1 with no finding', () => {
    expect(validateRunConfig(PRESETS['bloom-7b1']).issues).toEqual([]);
  });

  it('rejects the small-BLOOM bug: a 20 h limit with the 100 h exit duration of 5990 min', () => {
    const result = validateRunConfig({ ...PRESETS['bloom-7b1'], exitDurationMins: 5990 });
    expect(result.ok).toBe(false);
    expect(result.issues[0]).toMatchObject({
      rule: 'exit-duration',
      severity: 'error',
      path: 'exitDurationMins',
      value: 5990,
    });
    expect(result.issues[0]?.fix).toMatch(/set exitDurationMins to 11\d\d/);
  });

  it('names the rampup iteration where micro × DP stops dividing the batch (bloom-176b with micro batch 4)', () => {
    const input = structuredClone(PRESETS['bloom-176b']) as Input;
    input.batch.micro = 4;
    const issue = validateRunConfig(input).issues.find((i) => i.rule === 'rampup-divisible');
    expect(issue?.why).toMatch(/at iteration 440 the rampup reaches global batch 208/);
  });

  it('reports schema errors with the field path and value, and does not plan', () => {
    const input = demo((c) => {
      c.cluster.nodes = -1;
      (c.model as Record<string, unknown>).numLayer = 3;
    });
    const result = validateRunConfig(input);
    expect(result.ok).toBe(false);
    expect(result.plan).toBeNull();
    expect(result.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'schema', path: 'cluster.nodes', value: -1 }),
        expect.objectContaining({ rule: 'schema', path: 'model', value: ['numLayer'] }),
      ]),
    );
  });

  it('does not plan (nor loop) when the rampup is malformed', () => {
    const result = validateRunConfig(
      demo((c) => {
        c.batch.rampup = { start: 1, increment: 1, samples: 1e12 };
      }),
    );
    expect(result.plan).toBeNull();
    expect(result.issues.map((i) => i.rule)).toContain('rampup-shape');
  });
});

describe('docs/RUN-CONFIG.md', () => {
  it('lists every rule id', async () => {
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(new URL('../../../docs/RUN-CONFIG.md', import.meta.url), 'utf8');
    for (const rule of RULES) expect(docs, rule.id).toContain(`| \`${rule.id}\` |`);
  });
});
