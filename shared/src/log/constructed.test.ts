// Cases the real fixtures don't cover, on the CONSTRUCTED lines of docs/constructed-examples.md (copied into
// tests/fixtures/logs/constructed/, invented values: see its README), plus a few real lines quoted in the spec.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FailureEvent, IterationEvent, LogEvent, RunStartEvent, ValidationEvent } from './events.js';
import { createLogParser } from './parser.js';
import { type ParseResult, byOffset, parseChunks, parseText } from '../testing/parseAll.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const CONSTRUCTED = resolve(repoRoot, 'tests/fixtures/logs/constructed');

function parseConstructed(name: string): ParseResult & { sorted: LogEvent[] } {
  const result = parseChunks(readFileSync(join(CONSTRUCTED, name)));
  expect(result.stats.internalErrors).toBe(0);
  return { ...result, sorted: byOffset(result.events) };
}
const ofType = <T extends LogEvent['type']>(events: LogEvent[], type: T): Extract<LogEvent, { type: T }>[] =>
  events.filter((e): e is Extract<LogEvent, { type: T }> => e.type === type);
const TR11_DIR = '/gpfsscratch/rech/six/commun/checkpoints/tr11-176B-ml/checkpoints/main';
const KILL_SWITCH = '/gpfswork/rech/six/commun/code/tr11-176B-ml/Megatron-DeepSpeed/kill-switch-tr11-176B-exp1';

describe('createLogParser() on constructed examples', () => {
  it('C1/C2: a NaN loss is a missing field (null); INF loss and nan/inf grad norms are kept as non-finite', () => {
    const { events } = parseConstructed('c01-c02-nan-inf-loss.log');
    const [nan, inf] = ofType(events, 'iteration');
    expect(nan).toMatchObject({
      iteration: 50001,
      lmLoss: null,
      truncated: false,
      consumedSamples: 86244272,
      iterationTimeMs: 105310,
    });
    expect(nan?.gradNorm).toBeNaN();
    expect(inf).toMatchObject({ iteration: 50002, lmLoss: Infinity, gradNorm: Infinity, tflops: 148.91 });
  });

  it('C3: flags the iterations after an eval and after a save as carrying overhead', () => {
    const { sorted } = parseConstructed('c03-overhead-after-eval-and-save.log');
    expect(sorted.map((e) => e.type)).toEqual([
      'iteration',
      'validation',
      'checkpoint_saved',
      'timer',
      'iteration',
      'iteration',
      'iteration',
      'checkpoint_saved',
      'timer',
      'iteration',
    ]);
    expect(ofType(sorted, 'iteration').map((e) => [e.iteration, e.overhead, e.iterationTimeMs])).toEqual([
      [46000, false, 105240],
      [46001, true, 865870],
      [46002, false, 105190],
      [46100, false, 105270],
      [46101, true, 145630],
    ]);
    expect(ofType(sorted, 'checkpoint_saved').map((e) => [e.iteration, e.rank, e.path])).toEqual([
      [46000, 0, TR11_DIR],
      [46100, 0, TR11_DIR],
    ]);
  });

  it('C4: one validation event per group of a 29-group round, NaN values, and the end-of-training form', () => {
    const { events, stats } = parseConstructed('c04-eval-round-29-groups.log');
    const v = ofType(events, 'validation');
    expect(v).toHaveLength(32);
    const round = v.slice(0, 29);
    expect(round.every((e) => e.iteration === 46000 && e.split === null && e.rank === 7)).toBe(true);
    expect(round.map((e) => e.group)).toEqual([
      'valid',
      'valid_ar',
      'valid_ca',
      'valid_code',
      'valid_en',
      'valid_es',
      'valid_eu',
      'valid_fr',
      'valid_id',
      'valid_indic-as',
      'valid_indic-bn',
      'valid_indic-gu',
      'valid_indic-hi',
      'valid_indic-kn',
      'valid_indic-ml',
      'valid_indic-mr',
      'valid_indic-ne',
      'valid_indic-or',
      'valid_indic-pa',
      'valid_indic-ta',
      'valid_indic-te',
      'valid_indic-ur',
      'valid_nigercongo-all',
      'valid_oscar-en',
      'valid_oscar-zh',
      'valid_pt',
      'valid_vi',
      'valid_zhs',
      'valid_zht',
    ]);
    expect(round[22]).toMatchObject({ group: 'valid_nigercongo-all', lmLoss: 1.302482, ppl: 3.678415 });
    expect(v[29]).toMatchObject({ group: 'valid_en', iteration: 52000, ppl: 485165200 });
    expect(v[29]?.lmLoss).toBeNaN();
    expect(v[30]).toEqual<ValidationEvent>({
      type: 'validation',
      offset: 9912,
      line: 92,
      rank: 7,
      iteration: null,
      group: 'valid',
      split: 'val data',
      lmLoss: 1.95312,
      ppl: 7.050651,
      extra: {},
      afterIteration: null,
    });
    expect(v[31]).toMatchObject({ group: 'valid_ar', split: 'val data', iteration: null });
    expect(stats).toMatchObject({ lines: 96, ignoredLines: 64, unknownLines: 0 }); // 64 dash lines
  });

  it('C5/C6: a save then the graceful duration exit', () => {
    const { sorted } = parseConstructed('c05-c06-save-and-duration-exit.log');
    expect(sorted.map((e) => e.type)).toEqual(['checkpoint_saved', 'timer', 'exit']);
    expect(sorted[0]).toMatchObject({ iteration: 49212, path: TR11_DIR, rank: 0, line: 2 });
    expect(sorted[1]).toMatchObject({ rank: 7, timers: { 'save-checkpoint': 41877.02 } });
    expect(sorted[2]).toEqual({
      type: 'exit',
      offset: 311,
      line: 4,
      rank: 0,
      reason: 'duration_limit',
      iteration: null,
      message: 'exiting program after 5990.271613478661 minutes',
      timestamp: Date.parse('2022-05-05T00:18:57Z'),
      durationMinutes: 5990.271613478661,
    });
  });

  it('C7: the kill switch mid-run and again right after the next start', () => {
    const { sorted } = parseConstructed('c07-kill-switch.log');
    expect(sorted.map((e) => e.type)).toEqual(['checkpoint_saved', 'timer', 'exit', 'run_start', 'exit']);
    const exits = ofType(sorted, 'exit');
    expect(exits.map((e) => [e.reason, e.timestamp])).toEqual([
      ['kill_switch', Date.parse('2022-05-05T10:02:11Z')],
      ['kill_switch', Date.parse('2022-05-05T10:09:48Z')],
    ]);
    expect(exits[0]?.message).toBe(`Detected kill switch at ${KILL_SWITCH}. Exiting`);
    expect(ofType(sorted, 'run_start')[0]?.config).toEqual({
      args: {},
      worldSize: 384,
      dataParallel: 8,
      tensorParallel: 4,
      pipelineParallel: 12,
    });
  });

  it('C8: the restart banner becomes one run_start with the config; the first iteration carries overhead', () => {
    const { sorted, stats } = parseConstructed('c08-restart-banner.log');
    expect(sorted.map((e) => e.type)).toEqual([
      'run_start',
      'datetime',
      'checkpoint_loaded',
      'timer',
      'datetime',
      'datetime',
      'timer',
      'datetime',
      'iteration',
    ]);
    const start = sorted[0] as RunStartEvent;
    expect(start).toMatchObject({ offset: 0, line: 1, rank: 0 });
    const { args, ...config } = start.config;
    expect(config).toEqual({
      worldSize: 384,
      tensorParallel: 4,
      pipelineParallel: 12,
      dataParallel: 8,
      microBatchSize: 2,
      globalBatchSize: 2048,
      rampupBatchSize: [192, 16, 9765625],
      trainIters: 115311,
      trainSamples: 220000000,
      seqLength: 2048,
      numLayers: 70,
      hiddenSize: 14336,
      numAttentionHeads: 112,
      paddedVocabSize: 250880,
    });
    expect(Object.keys(args)).toHaveLength(34); // every dump line
    expect(args).toMatchObject({
      train_iters: 'None',
      lr: '6e-05',
      kill_switch_path: KILL_SWITCH,
      rampup_batch_size: "['192', '16', '9_765_625']",
    });
    expect(sorted[1]).toMatchObject({
      type: 'datetime',
      message: 'after megatron is initialized',
      timestamp: Date.parse('2022-05-05T00:31:40Z'),
    });
    expect(sorted[2]).toMatchObject({ type: 'checkpoint_loaded', iteration: 49212, path: TR11_DIR });
    expect(sorted[3]).toMatchObject({ type: 'timer', timers: { 'load-checkpoint': 731562.18 } });
    expect(sorted[6]).toMatchObject({
      timers: { 'model-and-optimizer-setup': 1052277.41, 'train/valid/test-data-iterators-setup': 170842.96 },
    });
    expect(sorted[8]).toMatchObject({ iteration: 49213, overhead: true, iterationTimeMs: 187420 });
    expect(stats).toMatchObject({ lines: 50, unknownLines: 0 });
  });

  it('C9: PULSE variants with their job states and the ALERT', () => {
    const { events } = parseConstructed('c09-pulse-variants.log');
    expect(ofType(events, 'pulse').map((p) => [p.jobState, p.alert, p.jobId])).toEqual([
      ['PENDING', false, '1528874_[2-3%1]'],
      ['PENDING', false, '1531002_[1-3%1]'],
      ['PENDING', false, '1528874_[1-3%1]'],
      [null, true, null],
    ]);
  });

  it('C10: Slurm time-limit and scancel banners, each block one event', () => {
    const limit = parseConstructed('c10-time-limit.log').events;
    expect(limit).toHaveLength(1);
    expect(limit[0]).toMatchObject({
      type: 'failure',
      kind: 'time_limit',
      lineCount: 3,
      message: '*** JOB 1600001 ON jean-zay-iam01 CANCELLED AT 2022-05-09T14:02:11 DUE TO TIME LIMIT ***',
    });
    const cancel = parseConstructed('c10-scancel.log').events;
    expect(cancel).toHaveLength(1);
    expect(cancel[0]).toMatchObject({
      kind: 'cancelled',
      lineCount: 2,
      message: '*** STEP 1600002.0 ON jean-zay-iam01 CANCELLED AT 2022-05-10T09:15:40 ***',
    });
  });

  it('C11: the torchelastic agent lines, traceback and summary are one event with host, rank and exit code', () => {
    const { sorted } = parseConstructed('c11-torchelastic-summary.log');
    expect(sorted).toEqual<FailureEvent[]>([
      {
        type: 'failure',
        offset: 0,
        line: 1,
        rank: null,
        kind: 'task_exit',
        message: 'Signal 6 (SIGABRT) received by PID 2287148',
        nodes: ['jean-zay-iam21'],
        globalRank: 163,
        exitCode: -6,
        lineCount: 23,
        shutdownNoise: false,
        duringStartup: false,
        lastIteration: null,
      },
      {
        type: 'failure',
        offset: 1275,
        line: 24,
        rank: null,
        kind: 'task_exit',
        message: 'srun: error: jean-zay-iam21: task 20: Exited with exit code 1',
        nodes: ['jean-zay-iam21'],
        globalRank: null,
        exitCode: 1,
        lineCount: 1,
        shutdownNoise: false,
        duringStartup: false,
        lastIteration: null,
      },
    ]);
  });

  it('C12: an NCCL watchdog timeout', () => {
    const { events } = parseConstructed('c12-nccl-timeout.log');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'nccl_timeout', rank: 2, globalRank: 202, lineCount: 1 });
  });

  it('C13: two glued memory reports are split into two (ignored) records', () => {
    const { events, stats } = parseConstructed('c13-glued-memory-report.log');
    expect(events).toEqual([]);
    expect(stats).toMatchObject({ lines: 1, ignoredLines: 2, unknownLines: 0 });
  });

  it('C14: microsoft fork and NVIDIA Megatron-LM lines, unknown labels kept under extra', () => {
    const ms = parseConstructed('c14-microsoft-fork.log').events;
    expect(ms[0]).toMatchObject<Partial<IterationEvent>>({
      iteration: 1200,
      trainIters: 200000,
      consumedTokens: 1258291200,
      iterationTimeMs: 2045.3,
      lossScale: 65536,
      lmLoss: 3.412345,
      samplesPerSecond: 250.33,
      tflops: 123.45,
      extra: { 'actual seqlen': 2048, 'tokens per gpu per second (tgs)': 8010.561 },
    });
    expect(ms[1]).toMatchObject({
      type: 'validation',
      group: 'validation',
      iteration: 1200,
      lmLoss: 3.398765,
      ppl: 29.92712,
    });
    const nv = parseConstructed('c14-nvidia-megatron-lm.log').events;
    expect(nv[0]).toMatchObject<Partial<IterationEvent>>({
      iteration: 1200,
      consumedTokens: null,
      learningRate: 2.99734e-4,
      lossScale: 1,
      numZeros: null,
      timestamp: Date.parse('2025-03-02T10:15:27.481Z'),
      extra: { 'throughput per GPU (TFLOP/s/GPU)': 412.7 },
    });
    expect(nv[1]).toMatchObject({ type: 'validation', iteration: 1200 });
  });

  it('C15: OOM, bus error and segfault texts', () => {
    const { sorted } = parseConstructed('c15-oom-bus-segfault.log');
    expect(
      sorted.map((e) => [e.type === 'failure' && e.kind, e.rank, e.line, e.type === 'failure' && e.lineCount]),
    ).toEqual([
      ['out_of_memory', 5, 1, 1],
      ['bus_error', 2, 2, 2],
      ['segfault', null, 4, 1],
    ]);
    expect(sorted[2]).toMatchObject({ nodes: ['jean-zay-iam12'] });
  });

  it('C16: a peer’s start-up traceback inside rank 0’s banner does not split it: one run_start, emitted first', () => {
    // The fake trainer's 2-node job with a bad node (F2): the bad node's ECC traceback landed between the healthy
    // node's `using world size:` line and its arguments dump (both print `[default0]:`).
    const { events, stats } = parseConstructed('c16-peer-ecc-inside-banner.log');
    expect(stats.unknownLines).toBe(0);
    // Emission order (not only file order): the start comes before the failure that interrupted its banner.
    expect(events.map((e) => [e.type, e.line, e.type === 'failure' && e.kind])).toEqual([
      ['run_start', 1, false],
      ['failure', 2, 'ecc_error'],
      ['failure', 52, 'task_exit'],
    ]);
    const start = events[0] as RunStartEvent;
    const { args, ...config } = start.config;
    expect(config).toMatchObject({ worldSize: 16, dataParallel: 16, trainIters: 20, numMicroBatches: 1 });
    expect(Object.keys(args)).toHaveLength(33); // the dump after the traceback still belongs to this banner
    expect(events[1]).toMatchObject({ rank: 0, lineCount: 8, duringStartup: true, nodes: [] });
  });

  it('C16: a peer’s start-up traceback before rank 0’s banner stays a failure of its own, the banner one start', () => {
    const { sorted } = parseConstructed('c16-peer-ecc-before-banner.log');
    expect(sorted.map((e) => [e.type, e.line, e.type === 'failure' && e.kind])).toEqual([
      ['failure', 1, 'ecc_error'],
      ['run_start', 9, false],
      ['failure', 52, 'task_exit'],
    ]);
    expect(Object.keys((sorted[1] as RunStartEvent).config.args)).toHaveLength(33);
  });

  it('launcher text still ends an open banner; a rank failure in it waits for the run_start', () => {
    const world =
      '[default0]:using world size: 8, data-parallel-size: 8, tensor-model-parallel size: 1, pipeline-model-parallel size: 1\n';
    const traceback = '[default0]:Traceback (most recent call last):\n[default0]:  File "x.py", line 1, in <module>\n';
    const error = '[default0]:RuntimeError: CUDA error: an illegal memory access was encountered\n';
    const srun = 'srun: error: c1: task 0: Exited with exit code 1\n';
    const parser = createLogParser();
    // Nothing is emitted while the banner is open, not even the traceback that ended before the srun line…
    expect(parser.push(new TextEncoder().encode(world + traceback + error + '[default0]:> initializing\n'))).toEqual(
      [],
    );
    // …the srun line ends the banner: the run start, then the held failure; the srun group is still open.
    expect(parser.push(new TextEncoder().encode(srun)).map((e) => e.type)).toEqual(['run_start', 'failure']);
    expect(parser.end().map((e) => e.type === 'failure' && e.kind)).toEqual(['task_exit']);
  });
});

describe('createLogParser() on spec examples', () => {
  it('marks errors after a clean exit as shutdown noise (real text from Megatron-DeepSpeed issue #265)', () => {
    const { events } = parseText(
      [
        '[exiting program at iteration 27] datetime: 2022-03-18 11:31:21 ',
        "terminate called after throwing an instance of 'c10::CUDAError'",
        '  what():  CUDA error: driver shutting down',
        '',
      ].join('\n'),
    );
    expect(events.map((e) => e.type)).toEqual(['exit', 'failure']);
    expect(events[0]).toMatchObject({ reason: 'exit_interval', iteration: 27 });
    expect(events[1]).toMatchObject({
      kind: 'cuda_error',
      shutdownNoise: true,
      message: 'CUDA error: driver shutting down',
      lineCount: 2,
    });
  });

  it('resets shutdown noise at the next run start', () => {
    const { events } = parseText(
      [
        '[exiting program at iteration 27] datetime: 2022-03-18 11:31:21 ',
        'using world size: 8, data-parallel-size: 8, tensor-model-parallel size: 1, pipeline-model-parallel size: 1 ',
        'RuntimeError: CUDA error: out of memory',
        '',
      ].join('\n'),
    );
    expect(byOffset(events).map((e) => e.type)).toEqual(['exit', 'run_start', 'failure']);
    expect(events.find((e) => e.type === 'failure')).toMatchObject({
      kind: 'out_of_memory',
      shutdownNoise: false,
      duringStartup: true,
    });
  });

  it('classifies the NCCL network error (real text, bigscience jz/slurm/README.md) as nccl_error, one event', () => {
    const { events } = parseText(
      [
        'RuntimeError: NCCL error in: /opt/conda/conda-bld/pytorch_1616554793803/work/torch/lib/c10d/ProcessGroupNCCL.cpp:825, unhandled system error, NCCL version 2.7.8',
        'ncclSystemError: System call (socket, malloc, munmap, etc) failed.',
        'r11i6n2:486514:486651 [1] include/socket.h:403 NCCL WARN Connect to 10.148.3.247<56821> failed : Connection refused',
      ].join('\n'),
    );
    expect(byOffset(events).map((e) => e.type === 'failure' && [e.kind, e.lineCount, e.nodes])).toEqual([
      ['nccl_error', 2, []],
      ['nccl_error', 1, ['r11i6n2']],
    ]);
  });

  it('accepts the lm-loss key of mid-2021 logs, tabs, CRLF and the NVIDIA saved-checkpoint form', () => {
    const { events } = parseText(
      [
        ' iteration      100/    1000 | lm-loss: 3.5E+00 | grad norm: -INF | foo bar: 12 | note: text |\r',
        '  [2025-03-02 10:15:27.481516] successfully saved checkpoint from iteration    1200 to /ckpt [ t 1/8, p 1/1 ]\r',
        '',
      ].join('\n'),
    );
    expect(events[0]).toMatchObject({
      iteration: 100,
      lmLoss: 3.5,
      gradNorm: -Infinity,
      extra: { 'foo bar': 12 },
      truncated: false,
    });
    expect(events[1]).toEqual({
      type: 'checkpoint_saved',
      offset: 96,
      line: 2,
      rank: null,
      iteration: 1200,
      path: '/ckpt',
    });
  });

  it('does not count a "saving checkpoint" line as a saved checkpoint', () => {
    const { events } = parseText('saving checkpoint at iteration   33241 to /ckpt\n');
    expect(events).toEqual([]);
  });
});
