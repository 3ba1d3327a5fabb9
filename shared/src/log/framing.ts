// Byte chunks → physical lines with exact byte offsets and 1-based line numbers.
// Lines are found with Uint8Array.indexOf on the bytes. A byte-level hot path (iteration lines) may take a line
// before any decoding; other lines are decoded one by one. When a decoded line has as many UTF-16 units as it
// had bytes, every char index is a byte index (each byte became one char: ASCII, or a lone invalid byte turned
// into U+FFFD); otherwise the line's bytes are passed along so byte offsets inside it stay exact.

/**
 * Receives one line as `text[start, end)`. `text` may hold more lines (a decoded window), which saves a string
 * per line on the hot path. `bytes` is set when `text` is not byte-indexed (then start = 0, end = text.length).
 */
export type LineSink = (
  text: string,
  start: number,
  end: number,
  bytes: Uint8Array | null,
  offset: number,
  line: number,
) => void;

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes bytes one char per byte; used to locate ASCII markers at byte positions inside non-ASCII lines. */
export function decodeByteIndexed(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 4096)));
  }
  return out;
}

export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

/** Gets `bytes[start, end)` (no `\n`/`\r`) before decoding; returns true when it handled the line. */
export type FastLineSink = (bytes: Uint8Array, start: number, end: number, offset: number, line: number) => boolean;

/** Longest line the framer holds or parses (bytes before its `\n`, a `\r` included): LogParserOptions.maxLineBytes. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;
/** Bytes of an over-long line kept (decoded) so its event can show what the line was. */
export const LONG_LINE_HEAD_BYTES = 160;

/** Receives a line longer than the limit: its start, its length in bytes (without `\n`) and its first bytes. */
export type LongLineSink = (offset: number, line: number, length: number, head: string) => void;

/** An over-long line being skipped: where it started and its head, enough to resume inside it. */
export interface LongLineStart {
  offset: number;
  line: number;
  head: string;
}

/** The framing limits and the over-long line to resume inside, if the resume point is in one. */
export interface FramerLimits {
  maxLineBytes: number;
  onLongLine: LongLineSink;
  /** Resuming inside an over-long line (its start, from ParserContext.longLine): skip to its end first. */
  resumeInside?: LongLineStart | null;
}

/**
 * Splits a byte stream into lines. A final line without `\n` stays pending until more bytes arrive or `end()`.
 *
 * A line longer than `maxLineBytes` is never held or decoded (one 200 MB line, or a progress bar that never
 * prints `\n`, would otherwise take that much memory and more to decode): once it passes the limit only its head
 * and its length are kept, its bytes are skipped up to the next `\n`, and it goes to `onLongLine` at its end.
 * While inside it, `position` is the next byte to read (so a cursor advances through it) and `longLine` says
 * where it began: a framer created with `resumeInside` continues the skip and reports the same line. Lines
 * are judged by their full length wherever the chunks were cut, so chunking never changes what is reported.
 */
export class LineFramer {
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Byte offset and line number of the next line to emit (the pending or skipped one, if any). */
  private nextOffset: number;
  private nextLine: number;
  /** The over-long line being skipped: its head and how many of its bytes were seen. */
  private skipping: { head: string; seen: number } | null = null;
  private readonly maxLineBytes: number;
  /** Head bytes kept of an over-long line: never more than it is known to have when it passes the limit, so the
   * head does not depend on where the chunks were cut. */
  private readonly headBytes: number;
  private readonly onLongLine: LongLineSink;

  constructor(
    startOffset: number,
    startLine: number,
    private readonly sink: LineSink,
    /** Optional byte-level hot path tried before decoding; returns true when it consumed the line. */
    private readonly fast: FastLineSink | null = null,
    limits: FramerLimits = { maxLineBytes: DEFAULT_MAX_LINE_BYTES, onLongLine: () => undefined },
  ) {
    this.nextOffset = startOffset;
    this.nextLine = startLine;
    this.maxLineBytes = limits.maxLineBytes;
    this.headBytes = Math.min(LONG_LINE_HEAD_BYTES, limits.maxLineBytes + 1);
    this.onLongLine = limits.onLongLine;
    const inside = limits.resumeInside;
    if (inside && inside.offset <= startOffset && inside.line === startLine) {
      this.nextOffset = inside.offset;
      this.skipping = { head: inside.head, seen: startOffset - inside.offset };
    }
  }

  /** Offset and line number where the held partial line (or the next line) starts; inside an over-long line, the next byte to read. */
  get position(): { offset: number; line: number } {
    const inside = this.skipping === null ? 0 : this.skipping.seen;
    return { offset: this.nextOffset + inside, line: this.nextLine };
  }

  /** The over-long line being skipped (the resume point is inside it), or null. */
  get longLine(): LongLineStart | null {
    return this.skipping === null ? null : { offset: this.nextOffset, line: this.nextLine, head: this.skipping.head };
  }

  /** Bytes held for the partial line: never more than maxLineBytes. */
  get pendingBytes(): number {
    return this.pendingLength;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    let from = this.skipping === null ? 0 : this.skipTo(chunk);
    if (from === chunk.length) return;
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline < from) {
      this.hold(chunk.subarray(from));
      return;
    }
    if (this.pendingLength > 0) from = this.completeHeld(chunk);
    if (from <= lastNewline) this.emitRegion(chunk.subarray(from, lastNewline + 1));
    if (lastNewline + 1 < chunk.length) this.hold(chunk.subarray(lastNewline + 1));
  }

  /** Emits the held partial line (or the over-long line being skipped), if any, as a last line. */
  end(): void {
    if (this.skipping !== null) {
      this.endLongLine(this.skipping.seen, this.skipping.head, 0);
      return;
    }
    if (this.pendingLength === 0) return;
    const region = this.joinHeld(null);
    this.emitLine(region, 0, region.length);
  }

  /** Inside an over-long line: skips `chunk` up to its first `\n`. @returns the index after it (or the length). */
  private skipTo(chunk: Uint8Array): number {
    const skip = this.skipping as { head: string; seen: number };
    const nl = chunk.indexOf(10);
    if (nl === -1) {
      skip.seen += chunk.length;
      return chunk.length;
    }
    this.endLongLine(skip.seen + nl, skip.head, 1);
    return nl + 1;
  }

  /** The held line ends in `chunk` (at its first `\n`): emits it. @returns the index after that `\n`. */
  private completeHeld(chunk: Uint8Array): number {
    const firstNewline = chunk.indexOf(10);
    const length = this.pendingLength + firstNewline;
    if (length > this.maxLineBytes) {
      // Never joined: only its head is read.
      this.endLongLine(length, this.headOf(chunk.subarray(0, firstNewline)), 1);
      return firstNewline + 1;
    }
    // Only the held line is joined with the chunk's head; the rest is parsed in place, without copying.
    this.emitRegion(this.joinHeld(chunk.subarray(0, firstNewline + 1)));
    return firstNewline + 1;
  }

  /** The held pieces (and `tail`) as one array; clears what is held. */
  private joinHeld(tail: Uint8Array | null): Uint8Array {
    const region = new Uint8Array(this.pendingLength + (tail === null ? 0 : tail.length));
    let at = 0;
    for (const piece of this.pending) {
      region.set(piece, at);
      at += piece.length;
    }
    if (tail !== null) region.set(tail, at);
    this.pending = [];
    this.pendingLength = 0;
    return region;
  }

  /** The first `headBytes` of the held line followed by `more`, decoded. */
  private headOf(more: Uint8Array): string {
    const head = new Uint8Array(Math.min(this.headBytes, this.pendingLength + more.length));
    let at = 0;
    for (const piece of [...this.pending, more]) {
      if (at === head.length) break;
      const take = Math.min(piece.length, head.length - at);
      head.set(piece.subarray(0, take), at);
      at += take;
    }
    return utf8.decode(head);
  }

  /** Holds a partial line (no `\n` in `bytes`), or starts skipping it once it is longer than the limit. */
  private hold(bytes: Uint8Array): void {
    const length = this.pendingLength + bytes.length;
    if (length > this.maxLineBytes) {
      this.skipping = { head: this.headOf(bytes), seen: length };
      this.pending = [];
      this.pendingLength = 0;
      return;
    }
    // Copy: the caller may reuse its buffer for the next read.
    this.pending.push(new Uint8Array(bytes));
    this.pendingLength = length;
  }

  /** Reports the over-long line at nextOffset and moves past it and its `\n` (`newline` 1, or 0 at the end). */
  private endLongLine(length: number, head: string, newline: 0 | 1): void {
    this.skipping = null;
    this.pending = [];
    this.pendingLength = 0;
    this.onLongLine(this.nextOffset, this.nextLine, length, head);
    this.nextOffset += length + newline;
    this.nextLine++;
  }

  /** `region` ends with `\n`. */
  private emitRegion(region: Uint8Array): void {
    let pos = 0;
    const fast = this.fast;
    while (pos < region.length) {
      const nl = region.indexOf(10, pos);
      if (nl - pos > this.maxLineBytes) {
        this.endLongLine(nl - pos, utf8.decode(region.subarray(pos, pos + this.headBytes)), 1);
        pos = nl + 1;
        continue;
      }
      if (fast !== null) {
        const contentEnd = nl > pos && region[nl - 1] === 13 ? nl - 1 : nl;
        if (fast(region, pos, contentEnd, this.nextOffset, this.nextLine)) {
          this.nextOffset += nl + 1 - pos;
          this.nextLine++;
          pos = nl + 1;
          continue;
        }
      }
      this.emitLine(region, pos, nl);
      this.nextOffset += 1;
      pos = nl + 1;
    }
  }

  /** Emits `region[start, end)` as one line (end excludes the `\n`) and advances the position past it. */
  private emitLine(region: Uint8Array, start: number, end: number): void {
    const lineLength = end - start;
    let contentEnd = end;
    if (contentEnd > start && region[contentEnd - 1] === 13) contentEnd--;
    const bytes = region.subarray(start, contentEnd);
    const text = utf8.decode(bytes);
    this.sink(text, 0, text.length, text.length === bytes.length ? null : bytes, this.nextOffset, this.nextLine);
    this.nextOffset += lineLength;
    this.nextLine++;
  }
}
