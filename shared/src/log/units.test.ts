// Unit tests of the parser's parts: numbers, byte offsets of glued and non-ASCII lines, the byte hot path
// against the string path, resume points, flush, JSON and the summary.
import { describe, expect, it } from 'vitest';
import type { IterationEvent, LogEvent } from './events.js';
import { eventFromJson, eventToJson } from './json.js';
import { parseIteration } from './iteration.js';
import { parseIterationBytes } from './iterationBytes.js';
import { parseNumber } from './numbers.js';
import { createLogParser } from './parser.js';
import { formatSummary, summarizeEvents, withStats } from './summary.js';
import { parseChunks, parseText, seededRandom } from '../testing/parseAll.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe(parseNumber.name, () => {
  const cases: Array<[string, number | undefined]> = [
    ['2.463556E+00', 2.463556],
    [' 9841584 ', 9841584],
    ['5.969E-05', 5.969e-5],
    ['0.0', 0],
    ['-1.5', -1.5],
    ['+3', 3],
    ['1e-08', 1e-8],
    ['3273877.676', 3273877.676],
    ['155652554752', 155652554752],
    ['1234567890123456789', Number('1234567890123456789')],
    ['1.5E+30', 1.5e30],
    ['NAN', NaN],
    ['nan', NaN],
    ['NaN', NaN],
    ['INF', Infinity],
    ['inf', Infinity],
    ['-INF', -Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['', undefined],
    ['  ', undefined],
    ['0x10', undefined],
    ['1.2.3', undefined],
    ['12abc', undefined],
    ['E5', undefined],
    ['.', undefined],
    ['-', undefined],
    ['nanx', undefined],
    ['1e', undefined],
  ];
  for (const [text, expected] of cases) {
    it(`parseNumber() reads ${JSON.stringify(text)} as ${expected}`, () => {
      expect(parseNumber(text, 0, text.length)).toBe(expected);
    });
  }
  it('parseNumber() equals Number() on random %.Nf / %.NE renderings', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 20000; i++) {
      const x = Math.exp((random() - 0.5) * 60) * (random() < 0.2 ? -1 : 1);
      const text =
        random() < 0.5 ? x.toFixed(Math.floor(random() * 7)) : x.toExponential(Math.floor(random() * 7)).toUpperCase();
      expect(parseNumber(text, 0, text.length)).toBe(Number(text));
    }
  });
});

describe('iteration parsing paths', () => {
  it('parseIterationBytes() and parseIteration() agree on random clean lines', () => {
    const random = seededRandom(11);
    const base = { offset: 5, line: 2, overhead: false };
    for (let i = 0; i < 3000; i++) {
      const pad = (v: number | string, w: number): string => String(v).padStart(w, ' ');
      const segments = [
        `consumed samples: ${pad(Math.floor(random() * 1e9), 12)}`,
        `elapsed time per iteration (${random() < 0.5 ? 's' : 'ms'}): ${(random() * 1000).toFixed(2)}`,
        `learning rate: ${(random() * 1e-4).toExponential(3).toUpperCase()}`,
        ...(random() < 0.7 ? [`lm loss: ${(random() * 10).toExponential(6).toUpperCase()}`] : []),
        ...(random() < 0.3 ? [`loss scale: ${(2 ** Math.floor(random() * 17)).toFixed(1)}`] : []),
        `grad norm: ${(random() * 1e6).toFixed(3)}`,
        `number of nan iterations: ${pad(0, 3)}`,
        `TFLOPs: ${(random() * 200).toFixed(2)}`,
      ];
      const prefix = random() < 0.7 ? `[default${Math.floor(random() * 8)}]:` : '';
      const text = `${prefix} iteration ${pad(Math.floor(random() * 2e5), 8)}/${pad(115311, 8)} | ${segments.join(' | ')} |`;
      const fromBytes = parseIterationBytes(encode(text), 0, text.length, base);
      const at = text.indexOf('iteration');
      const rank = prefix ? Number(prefix.slice(8, -2)) : null;
      const fromString = parseIteration(text, at, text.length, { ...base, rank, timestamp: null });
      expect(fromBytes).not.toBeNull();
      expect(fromBytes).toEqual(fromString);
    }
  });

  it('parseIterationBytes() leaves non-finite values, unknown labels and truncated lines to the string path', () => {
    const base = { offset: 0, line: 1, overhead: false };
    for (const text of [
      ' iteration 1/ 2 | grad norm: nan |',
      ' iteration 1/ 2 | foo: 1 |',
      ' iteration 1/ 2 | grad norm: 1.0',
      'iteration: 1/2 |',
    ]) {
      expect(parseIterationBytes(encode(text), 0, text.length, base)).toBeNull();
    }
  });
});

describe('createLogParser() framing', () => {
  it('gives exact byte offsets after multi-byte characters and invalid UTF-8', () => {
    const bytes = new Uint8Array([
      ...encode('é€😀\n'),
      0xff,
      0xfe,
      10,
      ...encode(' iteration 5/ 9 | lm loss: 1.0E+00 |\n'),
    ]);
    const { events, stats } = parseChunks(bytes);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'iteration', offset: 13, line: 3, iteration: 5, lmLoss: 1 });
    expect(stats).toMatchObject({ lines: 3, unknownLines: 2, bytes: bytes.length });
  });

  it('splits a glued line inside a non-ASCII line at the right byte offset', () => {
    const text = 'échec du shell 😀srun: error: node7: task 3: Exited with exit code 9\n';
    const { events } = parseText(text);
    const byteOffset = encode('échec du shell 😀').length;
    expect(events).toEqual([
      expect.objectContaining({
        type: 'failure',
        kind: 'task_exit',
        offset: byteOffset,
        line: 1,
        nodes: ['node7'],
        exitCode: 9,
      }),
    ]);
  });

  it('splits glued records at a rank prefix, a PULSE stamp and `| iteration`', () => {
    const text =
      ' iteration 1/ 9 | lm loss: 1.0E+00 | iteration 2/ 9 | lm loss: 2.0E+00 |' +
      "[2022-05-01 03:56:11] PULSE: job is running for 1:00 since x (1 on 'p' partition (n[1-2])" +
      '[default7]: iteration 3/ 9 | lm loss: 3.0E+00 |\n';
    const { events } = parseText(text);
    expect(events.map((e) => [e.type, e.offset, e.type === 'iteration' ? e.iteration : null])).toEqual([
      ['iteration', 0, 1],
      ['iteration', 36, 2],
      ['pulse', 72, null],
      ['iteration', text.indexOf('[default7]'), 3],
    ]);
  });

  it('holds a final line without newline until end(), and resumePoint points at it', () => {
    const parser = createLogParser();
    const first = parser.push(encode(' iteration 1/ 9 | lm loss: 1.0E+00 |\n iteration 2/ 9 | lm l'));
    expect(first.map((e) => (e as IterationEvent).iteration)).toEqual([1]);
    expect(parser.resumePoint).toMatchObject({ offset: 37, line: 2 });
    expect(parser.push(encode('oss: 2.0E+00 |'))).toEqual([]);
    const rest = parser.end();
    expect(rest).toEqual([expect.objectContaining({ iteration: 2, lmLoss: 2, offset: 37, line: 2 })]);
  });

  it('keeps an open traceback in resumePoint and emits it on flush() without ending the stream', () => {
    const parser = createLogParser({ startOffset: 1000, startLine: 50 });
    const input = encode(
      '[default1]:Traceback (most recent call last):\n[default1]:  File "x.py", line 1, in f\n' +
        '[default1]:RuntimeError: CUDA error: an illegal memory access was encountered\n[default7]: iteration 9/ 99 | lm loss: 1.0E+00 |\n',
    );
    const events = parser.push(input);
    expect(events.map((e) => e.type)).toEqual(['iteration']);
    expect(parser.resumePoint).toEqual({
      offset: 1000,
      line: 50,
      context: { lastIteration: null, overheadPending: false, afterExit: false, inStartup: false },
    });
    const flushed = parser.flush();
    expect(flushed).toEqual([
      expect.objectContaining({ type: 'failure', kind: 'cuda_error', rank: 1, lineCount: 3, offset: 1000, line: 50 }),
    ]);
    expect(parser.resumePoint).toMatchObject({ offset: 1000 + input.length, line: 54 });
  });

  it('closes a failure group after a quiet period of other writers', () => {
    const lines = ['[default1]:Traceback (most recent call last):', '[default1]:AssertionError: bad args'];
    for (let i = 1; i <= 250; i++) lines.push(`[default7]: iteration ${i}/ 999 | lm loss: 1.0E+00 |`);
    const parser = createLogParser();
    const events = parser.push(encode(lines.join('\n') + '\n'));
    const failure = events.find((e) => e.type === 'failure');
    expect(failure).toMatchObject({ kind: 'python_exception', message: 'AssertionError: bad args', lineCount: 2 });
    expect(parser.resumePoint.offset).toBe(encode(lines.join('\n') + '\n').length);
  });
});

describe('eventToJson() / eventFromJson()', () => {
  it('round-trips non-finite numbers as strings and keeps text fields as text', () => {
    const { events } = parseText(' iteration 1/ 9 | lm loss: INF | grad norm: nan | x: -inf |\nNaN\n');
    const event = events[0] as IterationEvent;
    const json = eventToJson(event);
    expect(json).toContain('"lmLoss":"Infinity"');
    expect(json).toContain('"gradNorm":"NaN"');
    expect(json).not.toContain('\n');
    expect(eventFromJson(json)).toEqual(event);
    const failure: LogEvent = {
      type: 'failure',
      offset: 0,
      line: 1,
      rank: null,
      kind: 'python_exception',
      message: 'NaN',
      nodes: [],
      globalRank: null,
      exitCode: null,
      lineCount: 1,
      shutdownNoise: false,
      duringStartup: false,
      lastIteration: null,
    };
    expect(eventFromJson(eventToJson(failure))).toEqual(failure);
    const start: LogEvent = {
      type: 'run_start',
      offset: 0,
      line: 1,
      rank: 0,
      config: { args: { adam_eps: 'NaN', lr: 'Infinity' }, worldSize: 8 },
    };
    expect(eventFromJson(eventToJson(start))).toEqual(start);
    const timer: LogEvent = { type: 'timer', offset: 0, line: 1, rank: 7, timers: { NaN: NaN, x: Infinity } };
    expect(eventFromJson(eventToJson(timer))).toEqual(timer);
  });

  it('eventFromJson() rejects non-events', () => {
    expect(() => eventFromJson('[1]')).toThrow(/not a log event/);
    expect(() => eventFromJson('{')).toThrow(SyntaxError);
  });
});

describe(summarizeEvents.name, () => {
  it('counts iterations, losses, checkpoints, failures by kind and exits', () => {
    const { events, stats } = parseText(
      [
        ' iteration 10/ 99 | lm loss: 2.0E+00 |',
        ' iteration 11/ 99 | grad norm: nan |',
        '  successfully saved checkpoint at iteration      11 to /c',
        '[exiting program after 5990.1 minutes] datetime: 2022-05-05 00:18:57 ',
        'srun: error: n1: task 0: Exited with exit code 1',
        'mystery line',
        '',
      ].join('\n'),
    );
    const summary = withStats(summarizeEvents(events), stats);
    expect(summary).toMatchObject({
      iterations: 2,
      firstIteration: 10,
      lastIteration: 11,
      lastLoss: 2,
      lastLossIteration: 10,
      missingLoss: 1,
      trainIters: 99,
      checkpointsSaved: 1,
      lastCheckpoint: 11,
      failures: 1,
      failuresByKind: { task_exit: 1 },
      shutdownNoise: 1,
      exits: { duration_limit: 1 },
      unknownLines: 1,
      lines: 6,
    });
    const text = formatSummary(summary);
    expect(text).toContain('iterations seen:   2 (10 … 11 of 99)');
    expect(text).toContain('last loss:         2 (iteration 10); 1 line(s) without a loss (NaN)');
    expect(text).toContain('failures:          task_exit 1 (1 after a clean exit)');
  });

  it('accumulates across batches', () => {
    const a = parseText(' iteration 1/ 9 | lm loss: 1.0E+00 |\n').events;
    const b = parseText(' iteration 2/ 9 | lm loss: 3.0E+00 |\n').events;
    expect(summarizeEvents(b, summarizeEvents(a))).toMatchObject({ iterations: 2, firstIteration: 1, lastLoss: 3 });
  });
});
