// Test helpers (pure; imported by tests only): run the parser over bytes cut into chunks.

import type { LogEvent, LogParserOptions, ParserStats } from '../log/events.js';
import { createLogParser } from '../log/parser.js';

export interface ParseResult {
  events: LogEvent[];
  stats: ParserStats;
}

/** Parses `bytes` fed as chunks cut at `cuts` (sorted byte positions), then ends the stream. */
export function parseChunks(bytes: Uint8Array, cuts: readonly number[] = [], opts?: LogParserOptions): ParseResult {
  const parser = createLogParser(opts);
  const events: LogEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    events.push(...parser.push(bytes.subarray(from, cut)));
    from = cut;
  }
  events.push(...parser.end());
  return { events, stats: parser.stats };
}

export function parseText(text: string, opts?: LogParserOptions): ParseResult {
  return parseChunks(new TextEncoder().encode(text), [], opts);
}

/** Events in file order (grouped events are emitted when they close; see events.ts). */
export function byOffset(events: readonly LogEvent[]): LogEvent[] {
  return [...events].sort((a, b) => a.offset - b.offset || a.type.localeCompare(b.type));
}

/** A seeded PRNG (mulberry32) so random tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
