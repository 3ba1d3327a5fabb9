// Every real fixture in ../shared/fixtures/megatron-logs, parsed whole, with the events asserted against values
// read off the files by hand (megatron-log-format.md §13 says what each one is for).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FailureEvent, IterationEvent, LogEvent, PulseEvent, ValidationEvent } from './events.js';
import { type ParseResult, byOffset, parseChunks } from '../testing/parseAll.js';
import { FIXTURES, listFixtures } from '../testing/realFixtures.node.js';

function parseFixture(name: string): ParseResult {
  const result = parseChunks(readFileSync(join(FIXTURES, name)));
  expect(result.stats.internalErrors).toBe(0);
  return result;
}

const ofType = <T extends LogEvent['type']>(events: LogEvent[], type: T): Extract<LogEvent, { type: T }>[] =>
  events.filter((e): e is Extract<LogEvent, { type: T }> => e.type === type);
const types = (events: LogEvent[]): string[] => byOffset(events).map((e) => e.type);

/** The full tr11 line shape with no loss scale; values given per fixture. */
function tr11(
  iteration: number,
  samples: number,
  tokens: number,
  timeMs: number,
  lr: number,
  loss: number,
  gradNorm: number,
  sps: number,
  tflops: number,
): Partial<IterationEvent> {
  return {
    type: 'iteration',
    rank: 7,
    iteration,
    trainIters: 115311,
    consumedSamples: samples,
    consumedTokens: tokens,
    iterationTimeMs: timeMs,
    learningRate: lr,
    globalBatchSize: 2048,
    lmLoss: loss,
    lossScale: null,
    gradNorm,
    numZeros: 0,
    skippedIterations: 0,
    nanIterations: 0,
    samplesPerSecond: sps,
    tflops,
    extra: {},
    timestamp: null,
    truncated: false,
  };
}

/** The 2021 `(ms)` shape: no tokens, no samples/s, no TFLOPs, fp16 loss scale, no prefix. */
function ms2021(
  iteration: number,
  total: number,
  samples: number,
  timeMs: number,
  lr: number,
  gbs: number,
  loss: number | null,
  lossScale: number,
  gradNorm: number,
): Partial<IterationEvent> {
  return {
    type: 'iteration',
    rank: null,
    iteration,
    trainIters: total,
    consumedSamples: samples,
    consumedTokens: null,
    iterationTimeMs: timeMs,
    learningRate: lr,
    globalBatchSize: gbs,
    lmLoss: loss,
    lossScale,
    gradNorm,
    numZeros: 0,
    skippedIterations: 0,
    nanIterations: 0,
    samplesPerSecond: null,
    tflops: null,
    extra: {},
    truncated: false,
  };
}

const expectations: Record<string, (r: ParseResult) => void> = {
  'tr11-176B/iter-12695-full-gbs-2022-03-18.log': ({ events, stats }) => {
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      ...tr11(12695, 9841584, 20155564032, 105220, 5.969e-5, 2.463556, 0.174, 19.463, 149.02),
      offset: 0,
      line: 1,
      overhead: false,
    });
    expect(stats).toMatchObject({ lines: 1, unknownLines: 0 });
  },
  'tr11-176B/eval-hang-45000-with-pulse-2022-05-01.log': ({ events, stats }) => {
    expect(types(events)).toEqual(['iteration', 'validation', 'pulse', 'pulse', 'pulse', 'pulse', 'pulse', 'pulse']);
    expect(events[0]).toMatchObject(
      tr11(45000, 76002224, 155652554752, 111000, 4.298e-5, 2.113567, 0.139, 18.451, 141.26),
    );
    expect(events[1]).toEqual<ValidationEvent>({
      type: 'validation',
      offset: 479,
      line: 3,
      rank: 7,
      iteration: 45000,
      group: 'valid',
      split: null,
      lmLoss: 2.327091,
      ppl: 10.24808,
      extra: {},
      afterIteration: 45000,
    });
    const pulses = ofType(events, 'pulse');
    expect(pulses.map((p) => p.timestamp)).toEqual(
      ['03:56:11', '03:56:11', '04:56:13', '04:56:13', '05:56:18', '05:56:18'].map((t) =>
        Date.parse(`2022-05-01T${t}Z`),
      ),
    );
    expect(pulses.map((p) => p.jobState)).toEqual(['PENDING', 'RUNNING', 'PENDING', 'RUNNING', 'PENDING', 'RUNNING']);
    expect(pulses[1]).toMatchObject<Partial<PulseEvent>>({
      line: 6,
      rank: null,
      alert: false,
      jobId: '1528763',
      partition: 'gpu_p5',
      nodeList: 'jean-zay-iam[01-34,36-49]',
      message:
        "tr11-176B-ml is running for 1-07:27:33 since 2022-04-29T20:28:38 (1528763 on 'gpu_p5' partition (jean-zay-iam[01-34,36-49])",
    });
    expect(pulses[0]).toMatchObject({ jobId: '1528874_[1-3%1]', nodeList: null });
    expect(stats).toMatchObject({ lines: 10, unknownLines: 0, ignoredLines: 2 });
  },
  'tr11-176B/gpu-crash-cuda-unknown-error-2022-03-21.log': ({ events }) => {
    expect(events).toEqual<FailureEvent[]>([
      {
        type: 'failure',
        offset: 0,
        line: 1,
        rank: 3,
        kind: 'cuda_error',
        message: 'CUDA error: unknown error',
        nodes: [],
        globalRank: null,
        exitCode: null,
        lineCount: 10,
        shutdownNoise: false,
        duringStartup: false,
        lastIteration: null,
      },
    ]);
  },
  'tr11-176B/throughput-drop-42780-42784-2022-04-28.wrapped.log': ({ events, stats }) => {
    // Wrapped doc copy: each record is cut over 3 lines. We keep what the first fragment proves and flag it
    // truncated; the fragments are unknown lines (no re-joining, nothing made up).
    const its = ofType(events, 'iteration');
    expect(events).toHaveLength(5);
    expect(its.map((e) => [e.iteration, e.line, e.consumedSamples, e.consumedTokens, e.iterationTimeMs])).toEqual([
      [42780, 1, 71455664, 146341199872, 105160],
      [42781, 4, 71457712, 146345394176, 105170],
      [42782, 7, 71459760, 146349588480, 106250],
      [42783, 10, 71461808, 146353782784, 110170],
      [42784, 13, 71463856, 146357977088, 111140],
    ]);
    for (const e of its)
      expect(e).toMatchObject({ truncated: true, lmLoss: null, tflops: null, learningRate: null, rank: 7 });
    expect(stats).toMatchObject({ lines: 15, unknownLines: 10 });
  },
  'tr11-176B/epoch1-end-iter-85376.wrapped.log': ({ events, stats }) => {
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'iteration',
      iteration: 85376,
      trainIters: 115311,
      consumedSamples: 158692272,
      consumedTokens: 325001773056,
      iterationTimeMs: null,
      lmLoss: null,
      truncated: true,
    });
    expect(stats).toMatchObject({ lines: 3, unknownLines: 2 });
  },
  'tr11-176B/prelim-rampup-gbs16-iter-3707.log': ({ events }) => {
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'iteration',
      rank: null,
      iteration: 3707,
      trainIters: 128728,
      consumedSamples: 59312,
      consumedTokens: 121470976,
      iterationTimeMs: 15230,
      learningRate: 1.944e-5,
      globalBatchSize: 16,
      lmLoss: 5.396257,
      gradNorm: 0.765,
      samplesPerSecond: 1.051,
      tflops: 8.04,
      lossScale: null,
    });
  },
  'tr11-176B/watchdog-alert-line.log': ({ events }) => {
    expect(events).toEqual([
      {
        type: 'pulse',
        offset: 0,
        line: 1,
        rank: null,
        timestamp: null,
        alert: true,
        jobState: null,
        jobId: null,
        partition: null,
        nodeList: null,
        message: '***ALERT: tr11-176B-ml is not RUNNING or SCHEDULED! Alert someone at Eng WG***',
      },
    ]);
  },
  'bigscience-earlier/tr1-13B-2021-lm-loss-spike-29020-29090-ms-format.log': ({ events, stats }) => {
    const its = ofType(events, 'iteration');
    expect(events).toHaveLength(8);
    expect(its.map((e) => e.iteration)).toEqual([29020, 29030, 29040, 29050, 29060, 29070, 29080, 29090]);
    expect(its.map((e) => e.lmLoss)).toEqual([
      2.775923, 2.772822, 2.768131, 7.343709, 8.715872, 7.654131, 7.19247, 6.849044,
    ]);
    expect(its.map((e) => e.lossScale)).toEqual([32768, 32768, 65536, 8192, 4096, 4096, 4096, 4096]);
    expect(its[0]).toMatchObject(ms2021(29020, 311541, 10698064, 22306.6, 9.85e-5, 1024, 2.775923, 32768, 0));
    expect(its[7]).toMatchObject(ms2021(29090, 311541, 10769744, 22119.2, 9.848e-5, 1024, 6.849044, 4096, 0));
    expect(stats).toMatchObject({ lines: 15, unknownLines: 0, ignoredLines: 7 }); // 7 bare `time (ms)`
  },
  'bigscience-earlier/tr1-13B-2021-08-08-checkpoint-save-exit-20h-and-watchdog-alerts.log': ({ events, stats }) => {
    expect(types(events)).toEqual(['iteration', 'checkpoint_saved', 'timer', 'exit', 'pulse', 'pulse', 'pulse']);
    expect(events[0]).toMatchObject(ms2021(33240, 311541, 15019344, 23491.4, 9.702e-5, 1024, 2.722675, 32768, 0));
    expect(events[1]).toEqual({
      type: 'checkpoint_saved',
      offset: 621,
      line: 5,
      rank: null,
      iteration: 33241,
      path: '/gpfsscratch/rech/six/commun/checkpoints/tr1-13B/checkpoints',
    });
    expect(events[2]).toEqual({
      type: 'timer',
      offset: 738,
      line: 6,
      rank: null,
      timers: { 'save-checkpoint': 57514.53 },
    });
    expect(events[3]).toEqual({
      type: 'exit',
      offset: 776,
      line: 7,
      rank: null,
      reason: 'duration_limit',
      iteration: 33240,
      message: 'exiting program after 1190.0357275923093 minutes',
      timestamp: Date.parse('2021-08-08T01:00:51Z'),
      durationMinutes: 1190.0357275923093,
    });
    const pulses = ofType(events, 'pulse');
    expect(pulses.map((p) => [p.alert, p.jobState, p.timestamp])).toEqual([
      [true, null, Date.parse('2021-08-08T01:49:40Z')],
      [true, null, Date.parse('2021-08-08T02:49:44Z')],
      [false, 'PENDING', Date.parse('2021-08-08T03:56:54Z')],
    ]);
    expect(pulses[2]).toMatchObject({ jobId: '682842_[1-5%1]', partition: 'gpu_p13' });
    expect(stats).toMatchObject({ lines: 10, unknownLines: 0, ignoredLines: 3 });
  },
  'bigscience-earlier/tr1-13B-2021-ecc-uncorrectable-crash.log': ({ events }) => {
    expect(types(events)).toEqual(['iteration', 'failure']);
    expect(events[0]).toMatchObject(
      ms2021(43680, 311541, 25709904, 25593.4, 9.135e-5, 1024, 2.635663, 131072, 17224.723),
    );
    // The traceback and the C++ abort that follows it are one event; ECC outranks the generic CUDA error.
    expect(events[1]).toEqual<FailureEvent>({
      type: 'failure',
      offset: 325,
      line: 3,
      rank: null,
      kind: 'ecc_error',
      message:
        'RuntimeError: transform: failed to synchronize: cudaErrorECCUncorrectable: uncorrectable ECC error encountered',
      nodes: [],
      globalRank: null,
      exitCode: null,
      lineCount: 40,
      shutdownNoise: false,
      duringStartup: false,
      lastIteration: 43680,
    });
  },
  'bigscience-earlier/tr1-13B-2021-08-12-restart-on-bad-node-cuda-oom.log': ({ events, stats }) => {
    expect(events).toEqual<FailureEvent[]>([
      {
        type: 'failure',
        offset: 818,
        line: 11,
        rank: null,
        kind: 'out_of_memory',
        message: 'RuntimeError: CUDA error: out of memory',
        nodes: [],
        globalRank: null,
        exitCode: null,
        lineCount: 12,
        shutdownNoise: false,
        duringStartup: true,
        lastIteration: null,
      },
    ]);
    expect(stats).toMatchObject({ lines: 22, unknownLines: 0 });
  },
  'bigscience-earlier/tr8-104B-2021-validation-7000-and-spike.log': ({ events, stats }) => {
    expect(types(events)).toEqual(['iteration', 'validation', 'iteration', 'iteration']);
    const its = ofType(events, 'iteration');
    expect(its.map((e) => [e.iteration, e.lmLoss, e.iterationTimeMs, e.gradNorm, e.overhead])).toEqual([
      [7000, 6.444662, 18706.1, 98258.265, false],
      [7010, 11.42026, 19904, 219645.978, true], // carries the eval at 7000
      [7220, 7.155109, 18333.4, 16921.991, false],
    ]);
    expect(ofType(events, 'validation')[0]).toMatchObject({
      group: 'validation',
      iteration: 7000,
      lmLoss: 7.1742,
      ppl: 1305.315,
      rank: null,
      line: 3,
    });
    expect(stats).toMatchObject({ lines: 8, unknownLines: 1 }); // the author's ` [...]`
  },
  'bigscience-earlier/tr8-104B-2021-spike-8738-8743.log': ({ events }) => {
    const its = ofType(events, 'iteration');
    expect(events).toHaveLength(6);
    expect(its.map((e) => e.gradNorm)).toEqual([
      231817.368, 89608.482, 1490753.218, 3273877.676, 1839649.51, 1369067.435,
    ]);
    expect(its.map((e) => e.lmLoss)).toEqual([3.317482, 3.417051, 3.68295, 7.267764, 4.130868, 7.596509]);
    expect(its[0]).toMatchObject(ms2021(8738, 159576, 488048, 61947.6, 6e-5, 176, 3.317482, 65536, 231817.368));
  },
  'bigscience-earlier/tr8-104B-2021-divergence-9027-lm-loss-field-missing.log': ({ events }) => {
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject(ms2021(9026, 159576, 540464, 62075.5, 6e-5, 192, 7.02458, 16384, 20609.78));
    expect(events[1]).toMatchObject(ms2021(9027, 159576, 540656, 63274.6, 6e-5, 192, null, 8192, 20609.78));
  },
  'jz-m4-2023/m4-2023-03-06-node-failure-iam37-step-cancelled.log': ({ events, stats }) => {
    // The M4 `iteration:` and validation lines are not Megatron records.
    expect(events).toEqual<FailureEvent[]>([
      {
        type: 'failure',
        offset: 854,
        line: 5,
        rank: null,
        kind: 'node_failure',
        message: 'srun: error: Node failure on jean-zay-iam37',
        nodes: ['jean-zay-iam37'],
        globalRank: null,
        exitCode: null,
        lineCount: 3,
        shutdownNoise: false,
        duringStartup: false,
        lastIteration: null,
      },
    ]);
    expect(stats).toMatchObject({ lines: 7, unknownLines: 4 });
  },
  'jz-m4-2023/m4-2023-pyspy-srun-overlap-terminated.log': ({ events, stats }) => {
    // Line 1 is a command echo glued to srun's error: split at `srun: `, offset inside the line.
    expect(events).toEqual<FailureEvent[]>([
      {
        type: 'failure',
        offset: 252,
        line: 1,
        rank: null,
        kind: 'task_exit',
        message: 'srun: error: jean-zay-iam33: task 3: Exited with exit code 123',
        nodes: [
          'jean-zay-iam33',
          'jean-zay-iam06',
          'jean-zay-iam31',
          'jean-zay-iam39',
          'jean-zay-iam32',
          'jean-zay-iam50',
          'jean-zay-iam51',
          'jean-zay-iam52',
        ],
        globalRank: null,
        exitCode: 123,
        lineCount: 9,
        shutdownNoise: false,
        duringStartup: false,
        lastIteration: null,
      },
    ]);
    expect(stats).toMatchObject({ lines: 9, unknownLines: 1 });
  },
};

// Feb 2022 benchmarks: iteration 2 of 95367, `loss scale:` printed for fp16 and (still) bf16.
const prequel: Array<[string, number, number, number, number, number, number]> = [
  // file, time ms, loss, loss scale, grad norm, samples/s, TFLOPs
  ['fp16-1node-20B', 769990, 63.84045, 4096, 15906.21, 2.66, 108.47],
  ['fp16-10nodes-200B', 844810, 63.73861, 4096, 34132.119, 2.424, 98.87],
  ['fp16-20nodes-200B', 430210, 63.73876, 4096, 34027.311, 4.761, 97.07],
  ['bf16-1node-20B', 777090, 63.81926, 1, 2.763, 2.635, 107.48],
  ['bf16-10nodes-200B', 853810, 63.69443, 1, 4.461, 2.399, 97.82],
  ['bf16-20nodes-200B', 434140, 63.69444, 1, 6.314, 4.717, 96.19],
];
for (const [name, timeMs, loss, lossScale, gradNorm, sps, tflops] of prequel) {
  expectations[`tr11-176B/prequel-2022-02-17-${name}-iter2.log`] = ({ events }) => {
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'iteration',
      rank: null,
      iteration: 2,
      trainIters: 95367,
      consumedSamples: 4096,
      consumedTokens: 8388608,
      iterationTimeMs: timeMs,
      learningRate: 3.787e-6,
      globalBatchSize: 2048,
      lmLoss: loss,
      lossScale,
      gradNorm,
      samplesPerSecond: sps,
      tflops,
      truncated: false,
      extra: {},
    });
  };
}

// Post-reshape iterations (2022-07): [iteration, time ms, loss, TFLOPs] per line; the first one is slower.
const reshape: Record<string, Array<[number, number, number, number]>> = {
  'reshape-24n-tp4-pp12-mbs1-iter-94768.log': [[94768, 234720, 1.943954, 133.61]],
  'reshape-24n-tp4-pp12-mbs2-iter-94768-94769.log': [
    [94768, 215820, 1.943883, 145.31],
    [94769, 215990, 1.934365, 145.19],
  ],
  'reshape-24n-tp4-pp24-mbs1.log': [
    [94768, 261080, 1.954172, 120.12],
    [94769, 220730, 1.944833, 142.08],
    [94770, 220300, 1.946273, 142.35],
  ],
  'reshape-24n-tp2-pp24-mbs1.log': [
    [94768, 221870, 1.94582, 141.34],
    [94769, 199820, 1.936358, 156.95],
  ],
  'reshape-36n-tp4-pp36-mbs1.log': [
    [94768, 219170, 1.963261, 95.39],
    [94769, 155710, 1.953643, 134.26],
  ],
  'reshape-36n-tp2-pp36-mbs1.log': [
    [94768, 178440, 1.963201, 117.17],
    [94769, 141940, 1.953437, 147.29],
    [94770, 141220, 1.954596, 148.04],
  ],
  'reshape-36n-tp1-pp72-mbs1.log': [
    [94768, 168970, 2.0429, 123.73],
    [94769, 140370, 2.004192, 148.94],
    [94770, 141690, 2.000182, 147.55],
  ],
};
for (const [name, rows] of Object.entries(reshape)) {
  expectations[`tr11-176B/${name}`] = ({ events, stats }) => {
    const its = ofType(events, 'iteration');
    expect(events).toHaveLength(rows.length);
    expect(its.map((e) => [e.iteration, e.iterationTimeMs, e.lmLoss, e.tflops])).toEqual(rows);
    for (const e of its)
      expect(e).toMatchObject({ rank: 7, trainIters: 115311, globalBatchSize: 2048, truncated: false });
    expect(its[0]?.consumedSamples).toBe(177927088);
    expect(stats.unknownLines).toBe(name.includes('mbs2') ? 1 : 0); // the author's `after restart` note
  };
}

// Not log text (py-spy dumps, sinfo, /usr/bin/time -v): nothing may be mistaken for a record.
for (const name of listFixtures().filter((f) => f.endsWith('.txt'))) {
  expectations[name] = ({ events, stats }) => {
    expect(events).toEqual([]);
    const nonEmpty = readFileSync(join(FIXTURES, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '').length;
    expect(stats.unknownLines).toBe(nonEmpty);
  };
}

describe('createLogParser() on the real fixtures', () => {
  it('has an expectation for every fixture file', () => {
    expect(listFixtures().sort()).toEqual(Object.keys(expectations).sort());
  });
  for (const [name, check] of Object.entries(expectations)) {
    it(`parses ${name}`, () => check(parseFixture(name)));
  }
});
