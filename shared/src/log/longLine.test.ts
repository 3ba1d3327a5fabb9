// Lines longer than the limit: reported as line_too_long, never held, skipped to their `\n`, and the lines after
// them parsed at their exact offsets, wherever the chunks are cut and wherever a resumed parser starts.
import { describe, expect, it } from 'vitest';
import type { LineTooLongEvent, LogEvent } from './events.js';
import { eventToJson } from './json.js';
import { createLogParser } from './parser.js';
import { formatSummary, summarizeEvents, withStats } from './summary.js';
import { byOffset, parseChunks, seededRandom } from '../testing/parseAll.js';

const ITERATION = (n: number) =>
  ` iteration ${n}/ 1000 | consumed samples: ${n * 16} | elapsed time per iteration (ms): 1000.0 | learning rate: 6.000E-05 | global batch size: 16 | lm loss: 5.0 | loss scale: 4096.0 | grad norm: 1.5 | number of skipped iterations: 0 | number of nan iterations: 0 |`;

/** A log with iteration lines (longer than LIMIT, so the cap here must be larger) and over-long lines of every kind. */
function constructed(): { text: string; limit: number } {
  const limit = 320; // iteration lines (~260 bytes) stay under it; the filler lines pass it
  const filler = (c: string, n: number) => c.repeat(n);
  const text = [
    ITERATION(1),
    `[default3]: tensor([${filler('0.1, ', 200)}])`, // prefixed: its rank is kept
    ITERATION(2),
    filler('y', limit), // exactly the limit: parsed (unknown), not reported
    filler('z', limit + 1), // one byte over
    `${filler('\u00e9', 400)}\r`, // multi-byte, with `\r\n`
    ITERATION(3),
    'Traceback (most recent call last):',
    `  ${filler('w', 1000)}`, // inside an open failure group
    'RuntimeError: CUDA error: an illegal memory access was encountered',
    ITERATION(4),
    filler('q', 2000), // the last line, without a newline
  ].join('\n');
  return { text, limit };
}

const tooLong = (events: readonly LogEvent[]) =>
  events.filter((e): e is LineTooLongEvent => e.type === 'line_too_long');
const asJson = (events: readonly LogEvent[]) => events.map(eventToJson);

describe('lines over maxLineBytes', () => {
  const { text, limit } = constructed();
  const bytes = new TextEncoder().encode(text);
  const whole = parseChunks(bytes, [], { maxLineBytes: limit });

  it('are reported with their offset, line, exact length, head and rank; the lines after them parse at exact offsets', () => {
    const lines = text.split('\n');
    const offsetOf = (i: number) =>
      new TextEncoder().encode(
        lines
          .slice(0, i)
          .map((l) => `${l}\n`)
          .join(''),
      ).length;
    const lengthOf = (i: number) => new TextEncoder().encode(lines[i]).length;
    expect(tooLong(whole.events).map((e) => [e.line, e.offset, e.length, e.rank, e.limit])).toEqual([
      [2, offsetOf(1), lengthOf(1), 3, limit],
      [5, offsetOf(4), limit + 1, null, limit],
      [6, offsetOf(5), 801, null, limit],
      [9, offsetOf(8), 1002, null, limit],
      [12, offsetOf(11), 2000, null, limit],
    ]);
    expect(tooLong(whole.events)[0]?.head).toBe(`[default3]: tensor([${'0.1, '.repeat(200)}`.slice(0, 160));
    expect(tooLong(whole.events)[2]?.head).toBe('\u00e9'.repeat(80));
    const iterations = whole.events.filter((e) => e.type === 'iteration');
    expect(iterations.map((e) => [e.iteration, e.line, e.offset])).toEqual([
      [1, 1, 0],
      [2, 3, offsetOf(2)],
      [3, 7, offsetOf(6)],
      [4, 11, offsetOf(10)],
    ]);
    // The group around an over-long line still closes as one failure.
    expect(whole.events.filter((e) => e.type === 'failure').map((e) => e.line)).toEqual([8]);
    expect(whole.stats.lines).toBe(12);
    expect(whole.stats.internalErrors).toBe(0);
    expect(formatSummary(withStats(summarizeEvents(whole.events), whole.stats))).toMatch(
      /^lines: +12 \(1 unknown, 5 too long to parse\)$/m,
    );
  });

  it('never holds more than the limit, for a single cut at every byte position, and the events do not change', () => {
    const expected = asJson(whole.events);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = createLogParser({ maxLineBytes: limit });
      const events = [...parser.push(bytes.subarray(0, cut))];
      expect(parser.heldBytes).toBeLessThanOrEqual(limit);
      events.push(...parser.push(bytes.subarray(cut)), ...parser.end());
      const actual = asJson(events);
      if (actual.join('\n') !== expected.join('\n')) expect({ cut, actual }).toEqual({ cut, actual: expected });
    }
  });

  it('gives the same events for random multi-cuts and one-byte chunks', () => {
    const random = seededRandom(2026);
    for (let round = 0; round < 100; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(random() * 30) }, () =>
        Math.floor(random() * (bytes.length + 1)),
      ).sort((a, b) => a - b);
      expect(asJson(parseChunks(bytes, cuts, { maxLineBytes: limit }).events)).toEqual(asJson(whole.events));
    }
    const everyByte = Array.from({ length: bytes.length }, (_, i) => i);
    expect(asJson(parseChunks(bytes, everyByte, { maxLineBytes: limit }).events)).toEqual(asJson(whole.events));
  });

  it('resumes from resumePoint at every byte, inside an over-long line too, losing and doubling nothing', () => {
    const expected = asJson(byOffset(whole.events));
    const key = (e: LogEvent) => `${e.offset}:${e.type}`;
    let inside = 0;
    for (let cut = 0; cut <= bytes.length; cut++) {
      const first = createLogParser({ maxLineBytes: limit });
      const before = first.push(bytes.subarray(0, cut));
      const rp = first.resumePoint;
      expect(rp.offset).toBeLessThanOrEqual(cut);
      if (rp.context.longLine) {
        inside++;
        // The cursor moves on inside the line: nothing of it is read again.
        expect(rp.offset).toBe(cut);
        expect(rp.line).toBe(rp.context.longLine.line);
      }
      const second = createLogParser({
        startOffset: rp.offset,
        startLine: rp.line,
        context: rp.context,
        maxLineBytes: limit,
      });
      const after = [...second.push(bytes.subarray(rp.offset)), ...second.end()];
      const firstKeys = new Set(before.map(key));
      // Only the over-long line the resume point is inside may start before it, and it was not emitted before.
      for (const e of after.filter((e) => e.offset < rp.offset)) {
        expect(e.type).toBe('line_too_long');
        expect(e.offset).toBe(rp.context.longLine?.offset);
        expect(firstKeys.has(key(e))).toBe(false);
      }
      const merged = new Map([...before, ...after].map((e) => [key(e), e]));
      const actual = asJson(byOffset([...merged.values()]));
      if (actual.join('\n') !== expected.join('\n')) expect({ cut, actual }).toEqual({ cut, actual: expected });
    }
    // Every cut past the limit inside a long line (up to its `\n`), except in line 9: the failure group open
    // around it holds the resume point at the group's start.
    expect(inside).toBe(
      tooLong(whole.events)
        .filter((e) => e.line !== 9)
        .reduce((n, e) => n + e.length - limit, 0),
    );
  });
});

describe('a 200 MB line fed in chunks (default limit, 1 MiB)', () => {
  const MiB = 1 << 20;
  const head = '[default0]: tensor([';
  const lineLength = 200 * MiB;
  // One reused buffer of filler: the caller may reuse its buffer, so the parser must copy what it keeps.
  const filler = new Uint8Array(MiB + 7).fill(0x31);
  const encoder = new TextEncoder();
  const after = encoder.encode(`]\n${ITERATION(7)}\n`);

  /** Feeds the long line from byte `from` of it on, in chunks of MiB + 7, checking the held bytes after each. */
  function feed(parser: ReturnType<typeof createLogParser>, from: number, onChunk: () => void): LogEvent[] {
    const events: LogEvent[] = [];
    let at = from;
    if (at === 0) {
      events.push(...parser.push(encoder.encode(head)));
      at = head.length;
    }
    const fillerEnd = lineLength - 1; // the `]` ends the line
    while (at < fillerEnd) {
      const n = Math.min(filler.length, fillerEnd - at);
      events.push(...parser.push(filler.subarray(0, n)));
      at += n;
      onChunk();
    }
    events.push(...parser.push(after), ...parser.end());
    return events;
  }

  it('holds at most 1 MiB, reports the line with its exact length, and parses the next line at its exact offset', () => {
    const parser = createLogParser();
    let maxHeld = 0;
    const events = feed(parser, 0, () => {
      maxHeld = Math.max(maxHeld, parser.heldBytes);
    });
    expect(maxHeld).toBeLessThanOrEqual(MiB);
    expect(events.map((e) => [e.type, e.offset, e.line])).toEqual([
      ['line_too_long', 0, 1],
      ['iteration', lineLength + 1, 2],
    ]);
    expect(events[0]).toMatchObject({ length: lineLength, limit: MiB, rank: 0 });
    expect((events[0] as LineTooLongEvent).head).toBe(`${head}${'1'.repeat(160 - head.length)}`);
    expect(parser.resumePoint.offset).toBe(lineLength + 1 + after.length - 2);
  });

  it('resumes from a cursor 100 MB inside the line and reports the same line, then the next one', () => {
    const first = createLogParser();
    let at = 0;
    first.push(encoder.encode(head));
    at += head.length;
    while (at < 100 * MiB) {
      first.push(filler);
      at += filler.length;
    }
    const rp = first.resumePoint;
    expect(rp.offset).toBe(at);
    expect(rp.context.longLine).toEqual({ offset: 0, line: 1, head: `${head}${'1'.repeat(160 - head.length)}` });
    expect(JSON.parse(JSON.stringify(rp.context))).toEqual(rp.context); // stored as JSON with the cursor
    const second = createLogParser({ startOffset: rp.offset, startLine: rp.line, context: rp.context });
    const events = feed(second, rp.offset, () => expect(second.heldBytes).toBeLessThanOrEqual(MiB));
    expect(events.map((e) => [e.type, e.offset, e.line])).toEqual([
      ['line_too_long', 0, 1],
      ['iteration', lineLength + 1, 2],
    ]);
    expect(events[0]).toMatchObject({ length: lineLength, rank: 0 });
  });
});
