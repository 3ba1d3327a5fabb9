// Byte chunks → physical lines with exact byte offsets and 1-based line numbers.
// Lines are found with Uint8Array.indexOf on the bytes. A byte-level hot path (iteration lines) may take a line
// before any decoding; other lines are decoded one by one. When a decoded line has as many UTF-16 units as it
// had bytes, every char index is a byte index (each byte became one char: ASCII, or a lone invalid byte turned
// into U+FFFD); otherwise the line's bytes are passed along so byte offsets inside it stay exact.

/**
 * Receives one line as `text[start, end)`. `text` may hold more lines (a decoded window), which saves a string
 * per line on the hot path. `bytes` is set when `text` is not byte-indexed (then start = 0, end = text.length).
 */
export type LineSink = (text: string, start: number, end: number, bytes: Uint8Array | null, offset: number, line: number) => void;

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

/**
 * Splits a byte stream into lines. A final line without `\n` stays pending until more bytes arrive or `end()`.
 */
export class LineFramer {
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Byte offset and line number of the next line to emit (the pending one, if any). */
  private nextOffset: number;
  private nextLine: number;

  constructor(
    startOffset: number,
    startLine: number,
    private readonly sink: LineSink,
    /** Optional byte-level hot path tried before decoding; returns true when it consumed the line. */
    private readonly fast: FastLineSink | null = null,
  ) {
    this.nextOffset = startOffset;
    this.nextLine = startLine;
  }

  /** Offset and line number where the held partial line (or the next line) starts. */
  get position(): { offset: number; line: number } {
    return { offset: this.nextOffset, line: this.nextLine };
  }

  get pendingBytes(): number {
    return this.pendingLength;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline === -1) {
      this.hold(chunk);
      return;
    }
    let from = 0;
    if (this.pendingLength > 0) {
      // Only the held line is joined with the chunk's head; the rest is parsed in place, without copying.
      const firstNewline = chunk.indexOf(10);
      const head = new Uint8Array(this.pendingLength + firstNewline + 1);
      let at = 0;
      for (const piece of this.pending) {
        head.set(piece, at);
        at += piece.length;
      }
      head.set(chunk.subarray(0, firstNewline + 1), at);
      this.pending = [];
      this.pendingLength = 0;
      this.emitRegion(head);
      from = firstNewline + 1;
    }
    if (from <= lastNewline) this.emitRegion(chunk.subarray(from, lastNewline + 1));
    if (lastNewline + 1 < chunk.length) this.hold(chunk.subarray(lastNewline + 1));
  }

  /** Emits the held partial line, if any, as a last line. */
  end(): void {
    if (this.pendingLength === 0) return;
    const region = new Uint8Array(this.pendingLength);
    let at = 0;
    for (const piece of this.pending) {
      region.set(piece, at);
      at += piece.length;
    }
    this.pending = [];
    this.pendingLength = 0;
    this.emitLine(region, 0, region.length);
  }

  private hold(bytes: Uint8Array): void {
    // Copy: the caller may reuse its buffer for the next read.
    this.pending.push(new Uint8Array(bytes));
    this.pendingLength += bytes.length;
  }

  /** `region` ends with `\n`. */
  private emitRegion(region: Uint8Array): void {
    let pos = 0;
    const fast = this.fast;
    while (pos < region.length) {
      const nl = region.indexOf(10, pos);
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
