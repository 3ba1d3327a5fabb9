// Byte chunks → physical lines with exact byte offsets and 1-based line numbers.
// Speed matters here (a BLOOM log has millions of lines), so a whole run of complete lines is decoded at once;
// when the decoded text has as many UTF-16 units as there were bytes, every char index is a byte index
// (each byte became one char: ASCII or a lone invalid byte turned into U+FFFD) and lines are cut from the string.

/** One physical line, without its `\n` (and without a `\r` before it). */
export interface PhysicalLine {
  /** Decoded text (invalid UTF-8 becomes U+FFFD). */
  text: string;
  /**
   * The line's bytes when `text` is not byte-indexed (multi-byte characters); null when char index = byte index.
   * Glued-line splitting uses it to compute exact byte offsets.
   */
  bytes: Uint8Array | null;
  offset: number;
  line: number;
}

export type LineSink = (text: string, bytes: Uint8Array | null, offset: number, line: number) => void;

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

/**
 * Splits a byte stream into lines. A final line without `\n` stays pending until more bytes arrive or `end()`.
 */
export class LineFramer {
  private pending: Uint8Array[] = [];
  private pendingLength = 0;
  /** Byte offset and line number of the next line to emit (the pending one, if any). */
  private nextOffset: number;
  private nextLine: number;

  constructor(startOffset: number, startLine: number, private readonly sink: LineSink) {
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
    let region: Uint8Array;
    if (this.pendingLength > 0) {
      region = new Uint8Array(this.pendingLength + lastNewline + 1);
      let at = 0;
      for (const piece of this.pending) {
        region.set(piece, at);
        at += piece.length;
      }
      region.set(chunk.subarray(0, lastNewline + 1), at);
      this.pending = [];
      this.pendingLength = 0;
    } else {
      region = chunk.subarray(0, lastNewline + 1);
    }
    this.emitRegion(region);
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
    const text = utf8.decode(region);
    if (text.length === region.length) {
      let pos = 0;
      const base = this.nextOffset;
      let line = this.nextLine;
      const n = text.length;
      while (pos < n) {
        const nl = text.indexOf('\n', pos);
        let end = nl;
        if (end > pos && text.charCodeAt(end - 1) === 13) end--;
        this.sink(pos === 0 && end === n - 1 ? text.slice(0, end) : text.slice(pos, end), null, base + pos, line);
        line++;
        pos = nl + 1;
      }
      this.nextOffset = base + n;
      this.nextLine = line;
      return;
    }
    let pos = 0;
    while (pos < region.length) {
      const nl = region.indexOf(10, pos);
      this.emitLine(region, pos, nl);
      pos = nl + 1;
      this.nextOffset += 1;
    }
  }

  /** Emits `region[start, end)` as one line (end excludes the `\n`) and advances the position past it. */
  private emitLine(region: Uint8Array, start: number, end: number): void {
    const lineLength = end - start;
    let contentEnd = end;
    if (contentEnd > start && region[contentEnd - 1] === 13) contentEnd--;
    const bytes = region.subarray(start, contentEnd);
    const text = utf8.decode(bytes);
    this.sink(text, text.length === bytes.length ? null : bytes, this.nextOffset, this.nextLine);
    this.nextOffset += lineLength;
    this.nextLine++;
  }
}
