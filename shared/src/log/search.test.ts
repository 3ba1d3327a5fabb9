import { describe, expect, it } from 'vitest';
import { BackwardLineSearch, type LogSearchMatch, type LogSearchQuery } from './search.js';

const encoder = new TextEncoder();

/** The reference: one pass over the decoded lines, newest first (ASCII folding only, as the scanner does). */
function onePass(text: string, query: LogSearchQuery): LogSearchMatch[] {
  const foldAscii = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const out: LogSearchMatch[] = [];
  let offset = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const rankOk = query.rank === undefined || line.startsWith(`[default${query.rank}]:`);
    if (rankOk && foldAscii(line).includes(foldAscii(query.text))) out.push({ offset, line });
    offset += encoder.encode(raw).length + 1;
  }
  return out.reverse();
}

/** Scans `bytes[0, end)` backward in chunks of `chunkSize`. */
function scan(bytes: Uint8Array, query: LogSearchQuery, chunkSize: number, end = bytes.length): LogSearchMatch[] {
  const search = new BackwardLineSearch(query, end);
  const out: LogSearchMatch[] = [];
  for (let stop = end; stop > 0; stop -= chunkSize) {
    const start = Math.max(0, stop - chunkSize);
    out.push(...search.push(bytes.slice(start, stop), start));
  }
  expect(search.scannedFrom).toBe(0);
  return out;
}

const TEXT = [
  '[default0]:using world size: 8, data-parallel-size: 1',
  '[default0]: iteration        1/     100 | lm loss: 1.0E+01 |',
  '[default3]:RuntimeError: CUDA error: an illegal memory access was encountered',
  'srun: error: node12: task 3: Exited with exit code 1\r',
  '[default1]:cuda ERROR again, lower and upper case',
  '[default10]:CUDA error on rank ten (the rank 1 filter must not take it)',
  'saving checkpoint to /gpfs/ÉTÉ/données — cuda error in a non-ASCII line',
  '',
  '[default1]:ends without a newline: CUDA error',
].join('\n');
const BYTES = encoder.encode(TEXT);

describe('BackwardLineSearch', () => {
  const queries: LogSearchQuery[] = [
    { text: 'CUDA error' },
    { text: 'cuda error', rank: 1 },
    { text: 'error', rank: 3 },
    { text: 'données' },
    { text: 'exit code 1' },
    { text: '[default0]:' },
    { text: 'e' },
    { text: '.*(a+)+$' },
  ];

  it('finds the same lines with the same offsets as a one-pass search, for every chunk size from 1 byte', () => {
    for (const query of queries) {
      const expected = onePass(TEXT, query);
      for (let size = 1; size <= BYTES.length + 1; size++)
        expect(scan(BYTES, query, size), `${query.text} / ${size}`).toEqual(expected);
    }
    // The test text exercises what it claims to.
    expect(onePass(TEXT, { text: 'CUDA error' }).map((m) => m.offset)).toHaveLength(5);
    expect(onePass(TEXT, { text: 'exit code 1' })[0]?.line).toBe(
      'srun: error: node12: task 3: Exited with exit code 1',
    );
    expect(onePass(TEXT, { text: 'cuda error', rank: 1 })).toHaveLength(2);
  });

  it('matches literally: regex syntax and shell text are plain characters', () => {
    const text = "a+a+a+\nx.*(a+)+$y\nit's '; rm -rf / here\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    const bytes = encoder.encode(text);
    expect(scan(bytes, { text: '.*(a+)+$' }, 7)).toEqual([{ offset: 7, line: 'x.*(a+)+$y' }]);
    expect(scan(bytes, { text: "'; rm -rf /" }, 3)).toEqual([{ offset: 18, line: "it's '; rm -rf / here" }]);
    expect(scan(bytes, { text: 'a+' }, 5)).toEqual([
      { offset: 7, line: 'x.*(a+)+$y' },
      { offset: 0, line: 'a+a+a+' },
    ]);
  });

  it('treats the end offset as a line end, so a search resumed from scannedFrom never cuts or repeats a line', () => {
    // First request: only the last 60 bytes (the last line and part of the one before), then resume from where it stopped.
    const search = new BackwardLineSearch({ text: 'CUDA error' }, BYTES.length);
    const first = search.push(BYTES.slice(BYTES.length - 60), BYTES.length - 60);
    const resumeAt = search.scannedFrom;
    expect(first).toHaveLength(1);
    expect(resumeAt < BYTES.length - 45 && BYTES[resumeAt - 1] === 10).toBe(true);
    const rest = scan(BYTES, { text: 'CUDA error' }, 11, resumeAt);
    expect([...first, ...rest]).toEqual(onePass(TEXT, { text: 'CUDA error' }));
  });

  it('refuses an empty or multi-line query, and a chunk that is not the one just before', () => {
    expect(() => new BackwardLineSearch({ text: '' }, 10)).toThrow();
    expect(() => new BackwardLineSearch({ text: 'a\nb' }, 10)).toThrow();
    const search = new BackwardLineSearch({ text: 'x' }, 10);
    expect(() => search.push(new Uint8Array(3), 5)).toThrow(/does not end at 10/);
  });

  it('skips a line longer than the carry limit, never holding more than the limit, and reports where it was', () => {
    const limit = 64;
    const long = 'L'.repeat(1000) + 'needle';
    const text = `first needle\n${long}\nlast needle\n`;
    const bytes = encoder.encode(text);
    for (const chunkSize of [1, 7, 50, 100, 600]) {
      const search = new BackwardLineSearch({ text: 'needle' }, bytes.length, { maxCarryBytes: limit });
      const found: LogSearchMatch[] = [];
      for (let stop = bytes.length; stop > 0; stop -= chunkSize) {
        const start = Math.max(0, stop - chunkSize);
        found.push(...search.push(bytes.slice(start, stop), start));
        // What is held between chunks is bounded by the limit (plus its newline), whatever the line's length.
        expect(search.scannedFrom - start).toBeLessThanOrEqual(limit + 1);
      }
      expect(found).toEqual([
        { offset: 13 + long.length + 1, line: 'last needle' },
        { offset: 0, line: 'first needle' },
      ]);
      expect(search.longLines).toEqual([{ offset: 13, bytes: long.length }]);
      expect(search.scannedFrom).toBe(0);
      expect(search.insideLongLine).toBe(false);
    }
  });

  it('stops inside a long line with scannedFrom inside it, and a search continued from there skips only the rest', () => {
    const long = 'x'.repeat(500);
    const text = `a needle\n${long}\n`;
    const bytes = encoder.encode(text);
    const first = new BackwardLineSearch({ text: 'needle' }, bytes.length, { maxCarryBytes: 32 });
    for (let stop = bytes.length; stop > bytes.length - 200; stop -= 50)
      first.push(bytes.slice(stop - 50, stop), stop - 50);
    expect(first.insideLongLine).toBe(true);
    const resumeAt = first.scannedFrom;
    expect(resumeAt).toBe(bytes.length - 200);
    const rest = new BackwardLineSearch({ text: 'needle' }, resumeAt, { maxCarryBytes: 32 });
    const found: LogSearchMatch[] = [];
    for (let stop = resumeAt; stop > 0; stop -= 50)
      found.push(...rest.push(bytes.slice(Math.max(0, stop - 50), stop), Math.max(0, stop - 50)));
    expect(found).toEqual([{ offset: 0, line: 'a needle' }]);
    expect(rest.longLines).toEqual([{ offset: 9, bytes: resumeAt - 9 }]);
  });
});
