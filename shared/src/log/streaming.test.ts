// Streaming properties over every fixture (real and constructed): chunk boundaries change nothing, resuming from
// resumePoint reproduces the rest, and no input makes the parser throw.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LogEvent } from './events.js';
import { eventToJson } from './json.js';
import { createLogParser } from './parser.js';
import { byOffset, parseChunks, seededRandom } from '../testing/parseAll.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const REAL = resolve(repoRoot, '../shared/fixtures/megatron-logs');
const CONSTRUCTED = resolve(repoRoot, 'tests/fixtures/logs/constructed');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? listFiles(join(dir, d.name)) : d.name.endsWith('.md') ? [] : [join(dir, d.name)],
  );
}
const files = [...listFiles(REAL), ...listFiles(CONSTRUCTED)].map((path) => ({
  name: relative(resolve(repoRoot, '..'), path),
  bytes: new Uint8Array(readFileSync(path)),
}));

const key = (e: LogEvent): string => `${e.offset}:${e.type}`;

describe('createLogParser() streaming', () => {
  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  for (const { name, bytes } of files) {
    describe(name, () => {
      const whole = parseChunks(bytes);

      it('gives the whole-file events for a single cut at every byte position', () => {
        // Compared as JSON text (exact, NaN-safe via eventToJson) because deep-equal per cut is slow.
        const expected = JSON.stringify({ events: whole.events.map(eventToJson), stats: whole.stats });
        for (let cut = 0; cut <= bytes.length; cut++) {
          const r = parseChunks(bytes, [cut]);
          const actual = JSON.stringify({ events: r.events.map(eventToJson), stats: r.stats });
          if (actual !== expected) expect({ cut, actual }).toEqual({ cut, actual: expected });
        }
      }, 60_000);

      it('gives the whole-file events for random multi-cuts and for one-byte chunks', () => {
        const random = seededRandom(bytes.length);
        for (let round = 0; round < 60; round++) {
          const n = 1 + Math.floor(random() * 25);
          const cuts = Array.from({ length: n }, () => Math.floor(random() * (bytes.length + 1))).sort((a, b) => a - b);
          expect(parseChunks(bytes, cuts).events).toEqual(whole.events);
        }
        const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
        expect(parseChunks(bytes, everyByte).events).toEqual(whole.events);
      }, 60_000);

      it('reproduces the rest when a new parser starts from resumePoint, at ~400 positions', () => {
        const expected = byOffset(whole.events);
        const step = Math.max(1, Math.floor(bytes.length / 400));
        for (let cut = 0; cut <= bytes.length; cut += step) {
          const first = createLogParser();
          const before = first.push(bytes.subarray(0, cut));
          const rp = first.resumePoint;
          expect(rp.offset).toBeLessThanOrEqual(cut);
          const second = createLogParser({ startOffset: rp.offset, startLine: rp.line, context: rp.context });
          const after = [...second.push(bytes.subarray(rp.offset)), ...second.end()];
          // Nothing before the resume point is emitted again…
          expect(after.every((e) => e.offset >= rp.offset)).toBe(true);
          // …events re-emitted from the resume point are identical to the first emission…
          const again = new Map(after.map((e) => [key(e), e]));
          for (const e of before) if (again.has(key(e))) expect(again.get(key(e))).toEqual(e);
          // …and together they are exactly the whole-file events.
          const merged = new Map([...before, ...after].map((e) => [key(e), e]));
          expect(byOffset([...merged.values()])).toEqual(expected);
        }
      }, 60_000);
    });
  }
});

describe('createLogParser() on hostile input', () => {
  const alphabet = [
    '\n',
    '\r\n',
    ' ',
    '|',
    ':',
    '[',
    ']',
    '[default3]:',
    'iteration ',
    ' 12 ',
    '/',
    'nan',
    'INF',
    '-',
    'E+',
    '.',
    'lm loss: ',
    'Traceback (most recent call last):\n',
    '  File "x", line 1\n',
    'RuntimeError: CUDA error: x\n',
    'srun: error: n1: task 0: ',
    '***',
    'loss at iteration 5 | ',
    ' value: ',
    'using world size: ',
    '------------------------ arguments ------------------------\n',
    '  name ..... v\n',
    '[2022-05-01 03:56:11] PULSE: ',
    '] datetime: 2022-05-01 03:56:11',
    'terminate called after throwing\n',
    '\u00e9',
    '\u{1F600}',
    '\ufffd',
    'time (ms) | a: 1 |',
    'successfully saved checkpoint at iteration 7 to /x',
    '\t',
    '\0',
  ];

  it('never throws and reports no internal error on random bytes, cut anywhere', () => {
    const random = seededRandom(42);
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() * 3000);
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = random() < 0.05 ? 10 : Math.floor(random() * 256);
      const cuts = Array.from({ length: 5 }, () => Math.floor(random() * (length + 1))).sort((a, b) => a - b);
      const r = parseChunks(bytes, cuts);
      expect(r.stats.internalErrors).toBe(0);
      expect(r.stats.bytes).toBe(length);
      expect(r.events).toEqual(parseChunks(bytes).events);
    }
  });

  it('never throws on token soup built from record fragments, and chunking does not change the events', () => {
    const random = seededRandom(7);
    const encoder = new TextEncoder();
    for (let round = 0; round < 300; round++) {
      let text = '';
      const n = Math.floor(random() * 200);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      const bytes = encoder.encode(text);
      const whole = parseChunks(bytes);
      expect(whole.stats.internalErrors).toBe(0);
      const cut = Math.floor(random() * (bytes.length + 1));
      expect(parseChunks(bytes, [cut]).events).toEqual(whole.events);
    }
  });

  it('never throws on every fixture line truncated at every position or with a byte flipped', () => {
    const random = seededRandom(99);
    for (const { bytes } of files.slice(0, 40)) {
      for (let end = 0; end <= Math.min(bytes.length, 600); end++) {
        expect(parseChunks(bytes.subarray(0, end)).stats.internalErrors).toBe(0);
      }
      for (let round = 0; round < 50; round++) {
        const mutated = bytes.slice();
        mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        expect(parseChunks(mutated).stats.internalErrors).toBe(0);
      }
    }
  });
});
