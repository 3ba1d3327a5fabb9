// Searching a log backward, chunk by chunk, for lines holding a literal text (ASCII letters folded, so `cuda error`
// finds `CUDA error`). The server reads a huge log from its end in chunks of a few MiB and feeds them here newest
// first; the scanner keeps the partial line at each chunk's start (its beginning is in the next, older chunk) as a
// carry, so a line crossing a chunk boundary is matched once, with its exact byte offset. The query is a literal,
// never a regular expression: no user text can make the search slow (no ReDoS), and the cost is linear in the bytes.
//
// Non-ASCII characters in the query match byte for byte (case-sensitive): folding them would need the lines decoded,
// and Megatron-DeepSpeed logs are ASCII but for the odd path or dataset name.
import { decodeUtf8 } from './framing.js';

export interface LogSearchMatch {
  /** Byte offset of the matching line's first byte. */
  offset: number;
  /** The line, decoded, without its `\n` or `\r\n`. */
  line: string;
}

export interface LogSearchQuery {
  /** Literal text to find (no `\n` or `\r`); ASCII letters match either case. */
  text: string;
  /** Only lines from this rank's output: lines starting with `[default<rank>]:`. */
  rank?: number;
}

const NL = 10;
const CR = 13;
/**
 * The longest partial line the scanner holds while looking for its start. A longer line (no `\n` in 1 MiB) is not
 * searched but reported in `longLines` and skipped: holding and re-copying it whole made one 200 MB line cost
 * gigabytes and minutes. Megatron-DeepSpeed lines are under a few KiB; the arguments banner is one line per argument.
 */
export const MAX_CARRY_BYTES = 1024 * 1024;

/** A line too long to be searched, skipped whole. */
export interface LongLine {
  /** Byte offset of its first byte. */
  offset: number;
  /** Its length in bytes, up to the search's end or its `\n` (excluded). */
  bytes: number;
}

const fold = new Uint8Array(256);
for (let b = 0; b < 256; b++) fold[b] = b >= 65 && b <= 90 ? b + 32 : b;

/**
 * Case-folded (ASCII) literal search over bytes: Boyer-Moore-Horspool with the "fast loop" of Hume and Sunday
 * (skip on the window's last byte until it is the needle's last byte, then compare), linear and usually sub-linear.
 */
class FoldedNeedle {
  readonly bytes: Uint8Array;
  /** How far the window may move when its last byte is b; 0 for the needle's last byte (either case). */
  private readonly skip = new Int32Array(256);
  /** How far it moves after a failed comparison (the needle's last byte earlier in the needle, or its length). */
  private readonly afterMismatch: number;

  constructor(text: string) {
    const raw = new TextEncoder().encode(text);
    this.bytes = raw.map((b) => fold[b] as number);
    const n = this.bytes.length;
    this.skip.fill(n);
    for (let j = 0; j < n - 1; j++) this.setSkip(this.bytes[j] as number, n - 1 - j);
    const lastByte = this.bytes[n - 1] as number;
    this.afterMismatch = this.skip[lastByte] as number;
    this.setSkip(lastByte, 0);
  }

  private setSkip(b: number, by: number): void {
    this.skip[b] = by;
    if (b >= 97 && b <= 122) this.skip[b - 32] = by; // the upper-case byte folds to the same one
  }

  /** First index in `hay[from, to)` where the needle starts, or -1. */
  indexIn(hay: Uint8Array, from: number, to: number): number {
    const needle = this.bytes;
    const skip = this.skip;
    const last = needle.length - 1;
    let i = from;
    while (i + last < to) {
      let k = skip[hay[i + last] as number] as number;
      while (k !== 0) {
        i += k;
        if (i + last >= to) return -1;
        k = skip[hay[i + last] as number] as number;
      }
      let j = last - 1;
      while (j >= 0 && fold[hay[i + j] as number] === needle[j]) j--;
      if (j < 0) return i;
      i += this.afterMismatch;
    }
    return -1;
  }
}

/**
 * Feeds a log's bytes from a given end offset backward. Each `push` takes the chunk just before the previous one
 * (the first chunk ends at the search's end offset) and returns the lines it completed that match, newest first.
 * The end offset is taken as a line end: searching again from `scannedFrom` never cuts a line.
 */
export class BackwardLineSearch {
  private readonly needle: FoldedNeedle;
  private readonly prefix: Uint8Array | null;
  private readonly maxCarry: number;
  private carry: Uint8Array = new Uint8Array(0);
  private nextEnd: number;
  /** Set while skipping a line longer than the carry limit: where that line ends (its `\n`, or the search end). */
  private longLineEnd: number | null = null;
  /** Lines skipped as too long whose start was found, newest first. */
  readonly longLines: LongLine[] = [];

  constructor(query: LogSearchQuery, end: number, opts: { maxCarryBytes?: number } = {}) {
    if (query.text.length === 0 || /[\r\n]/.test(query.text))
      throw new Error('the search text must be non-empty and on one line');
    this.needle = new FoldedNeedle(query.text);
    this.prefix = query.rank === undefined ? null : new TextEncoder().encode(`[default${query.rank}]:`);
    this.maxCarry = opts.maxCarryBytes ?? MAX_CARRY_BYTES;
    this.nextEnd = end;
  }

  /**
   * Offset from which every line to the end has been searched or skipped as too long: a line start (0 when the whole
   * range is done), or, while inside a too-long line, the first byte of it read so far, so that a search continued
   * from here skips the rest of that line instead of reading it again. The partial line kept as carry starts before it.
   */
  get scannedFrom(): number {
    return this.nextEnd + this.carry.length;
  }

  /** True while the scan is inside a line longer than the carry limit whose start is not found yet. */
  get insideLongLine(): boolean {
    return this.longLineEnd !== null;
  }

  /** The part of a too-long line skipped so far, while its start is not found yet (offset = scannedFrom). */
  get skippedPart(): LongLine | null {
    return this.longLineEnd === null ? null : { offset: this.nextEnd, bytes: this.longLineEnd - this.nextEnd };
  }

  /** `chunk` holds the bytes `[start, start + chunk.length)`, ending where the previous chunk began. */
  push(chunk: Uint8Array, start: number): LogSearchMatch[] {
    if (start + chunk.length !== this.nextEnd)
      throw new Error(`chunk [${start}, ${start + chunk.length}) does not end at ${this.nextEnd}`);
    this.nextEnd = start;
    let data = chunk;
    if (this.longLineEnd !== null) {
      // Inside a too-long line: its start is just after the last `\n` of this chunk (or the file start).
      const nl = chunk.lastIndexOf(NL);
      if (nl < 0 && start > 0) return [];
      const lineStart = nl + 1;
      this.longLines.push({ offset: start + lineStart, bytes: this.longLineEnd - (start + lineStart) });
      this.longLineEnd = null;
      data = chunk.subarray(0, lineStart);
    } else if (this.carry.length > 0) {
      data = new Uint8Array(chunk.length + this.carry.length);
      data.set(chunk, 0);
      data.set(this.carry, chunk.length);
    }
    this.carry = new Uint8Array(0);
    // Lines are complete from the first line start inside the chunk; before it is the next carry.
    let from = 0;
    if (start > 0) {
      const nl = data.indexOf(NL);
      const partial = nl < 0 ? data.length : nl;
      if (partial > this.maxCarry) {
        // The line is longer than may be held: skip it. Only its end is known; its start is in an older chunk.
        this.longLineEnd = start + partial;
        if (nl < 0) return [];
      } else if (nl < 0) {
        this.carry = data;
        return [];
      } else this.carry = data.slice(0, nl + 1);
      from = nl + 1;
    }
    return this.matchesIn(data, from, start).reverse();
  }

  private matchesIn(data: Uint8Array, from: number, base: number): LogSearchMatch[] {
    const found: LogSearchMatch[] = [];
    let at = from;
    while (at < data.length) {
      const hit = this.needle.indexIn(data, at, data.length);
      if (hit < 0) break;
      const lineStart = Math.max(from, data.lastIndexOf(NL, hit) + 1);
      const nl = data.indexOf(NL, hit);
      const lineEnd = nl < 0 ? data.length : nl;
      if (this.prefix === null || startsWith(data, lineStart, this.prefix)) {
        const textEnd = lineEnd > lineStart && data[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
        found.push({ offset: base + lineStart, line: decodeUtf8(data.subarray(lineStart, textEnd)) });
      }
      at = lineEnd + 1;
    }
    return found;
  }
}

function startsWith(data: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > data.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[at + i] !== prefix[i]) return false;
  return true;
}
