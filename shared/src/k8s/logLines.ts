// The lines of a Kubernetes pod log read with `timestamps=true`, and how to resume that stream exactly once.
//
// Why this shape (see docs/ARCHITECTURE.md, "Kubernetes pod logs"):
// - The kubelet prefixes every line with its RFC3339Nano timestamp (always 9 fractional digits, normally `Z`, but an
//   offset is legal), so timestamps are parsed into (seconds, nanoseconds) integers and compared as numbers, never
//   as strings and never through a JS Date (milliseconds would merge distinct lines).
// - A resumed request can only say `sinceTime`, and the apiserver cuts it to whole seconds; the kubelet then sends
//   every line at or after that second. The resume point is therefore the last committed line's timestamp plus how
//   many committed lines carry exactly that timestamp; the replay is skipped up to there (LogDeduper).
// - Only the first lines of a request can be a replay: after the resume point is passed every line the kubelet
//   sends is new, even one whose timestamp goes backwards (stdout and stderr are stamped by two writers).
// - Rotation drops the oldest lines first, so "our last line is gone from the replay" is the one sign that lines
//   we never saw may have been rotated away; it says "may", because how many (if any) cannot be known.
// - A line is bounded: past `maxTextBytes` only its first bytes are kept and the rest is counted, never held.

/** A kubelet timestamp: whole seconds since the epoch (UTC) and nanoseconds, both exact integers. */
export interface LogTs {
  sec: number;
  nsec: number;
}

const TS_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses RFC3339 / RFC3339Nano (1–9 fractional digits, `Z` or `±hh:mm`); null for anything else. */
export function parseLogTs(text: string): LogTs | null {
  const m = TS_RE.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 31 Feb over into March: the round trip tells a real date from a rolled one.
  if (new Date(ms).getUTCDate() !== d || y < 1970) return null;
  const zone = m[8] as string;
  let offsetSec = 0;
  if (zone !== 'Z') {
    const zh = Number(zone.slice(1, 3));
    const zm = Number(zone.slice(4, 6));
    if (zh > 23 || zm > 59) return null;
    offsetSec = (zh * 3600 + zm * 60) * (zone.startsWith('-') ? -1 : 1);
  }
  const frac = m[7] ?? '';
  return { sec: ms / 1000 - offsetSec, nsec: Number(frac.padEnd(9, '0')) };
}

/** Orders two timestamps at nanosecond precision: negative, 0 or positive. */
export function compareLogTs(a: LogTs, b: LogTs): number {
  return a.sec !== b.sec ? a.sec - b.sec : a.nsec - b.nsec;
}

/** Canonical UTC form with 9 fractional digits (what the kubelet writes): stored in cursors and messages. */
export function formatLogTs(ts: LogTs): string {
  const base = new Date(ts.sec * 1000).toISOString().slice(0, 19);
  return `${base}.${String(ts.nsec).padStart(9, '0')}Z`;
}

/** The whole second of `ts` in RFC3339 (`…:05Z`): the `sinceTime` the kubelet would use anyway. */
export function sinceTimeFor(ts: LogTs): string {
  return `${new Date(ts.sec * 1000).toISOString().slice(0, 19)}Z`;
}

/** One line of the stream, split from its timestamp prefix. */
export interface PodLogLine {
  /** The prefix, or null when the line had none that parses (it cannot be de-duplicated then). */
  ts: LogTs | null;
  /** The line after the prefix (without `\n`), at most `maxTextBytes` bytes of it. */
  text: Uint8Array;
  /** Bytes of the text as the kubelet sent it: more than `text.length` when it was cut. */
  length: number;
}

/** Longest timestamp prefix looked for (`2026-12-06T22:00:01.123456789+01:00 ` is 36 bytes). */
const PREFIX_MAX = 40;

/**
 * Splits the byte stream into lines on `\n` as bytes (a UTF-8 character may straddle two chunks; nothing is
 * decoded but the prefix). A line longer than the limit keeps only its first `maxTextBytes` of text; its other
 * bytes are counted and dropped as they arrive, so one 200 MB line costs no more memory than the limit.
 * The partial last line is held (bounded the same way) and only `end()` — the stream ended for good — returns it.
 */
export class PodLogSplitter {
  private parts: Uint8Array[] = [];
  private kept = 0;
  private total = 0;
  private readonly keepMax: number;

  constructor(readonly maxTextBytes: number) {
    this.keepMax = maxTextBytes + PREFIX_MAX;
  }

  /** Bytes held for the partial line: never more than maxTextBytes + the prefix. */
  get heldBytes(): number {
    return this.kept;
  }

  push(chunk: Uint8Array): PodLogLine[] {
    const out: PodLogLine[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      const nl = chunk.indexOf(10, pos);
      const end = nl === -1 ? chunk.length : nl;
      this.hold(chunk.subarray(pos, end));
      if (nl === -1) break;
      out.push(this.take());
      pos = nl + 1;
    }
    return out;
  }

  /** The stream ended for good: the last line without `\n`, if any. */
  end(): PodLogLine | null {
    return this.total > 0 ? this.take() : null;
  }

  private hold(bytes: Uint8Array): void {
    this.total += bytes.length;
    const room = this.keepMax - this.kept;
    if (room <= 0 || bytes.length === 0) return;
    const piece = bytes.subarray(0, room);
    this.parts.push(new Uint8Array(piece)); // a copy: the caller may reuse its buffer
    this.kept += piece.length;
  }

  private take(): PodLogLine {
    const line = new Uint8Array(this.kept);
    let at = 0;
    for (const p of this.parts) {
      line.set(p, at);
      at += p.length;
    }
    const total = this.total;
    this.parts = [];
    this.kept = 0;
    this.total = 0;
    return splitPrefix(line, total, this.maxTextBytes);
  }
}

/** `line` holds the first bytes of a line `total` bytes long: its prefix (if any) and its text, capped. */
function splitPrefix(line: Uint8Array, total: number, maxTextBytes: number): PodLogLine {
  const space = line.subarray(0, PREFIX_MAX).indexOf(32);
  const ts = space > 0 ? parseLogTs(String.fromCharCode(...line.subarray(0, space))) : null;
  const start = ts === null ? 0 : space + 1;
  const length = total - start;
  return { ts, text: line.subarray(start, start + Math.min(length, maxTextBytes)), length };
}

/** Where a pod log resumes: the last committed line's timestamp and how many committed lines carry exactly it. */
export interface LogResumePoint {
  lastTs: LogTs | null;
  atTs: number;
}

export const LOG_START: LogResumePoint = { lastTs: null, atTs: 0 };

/** Orders resume points: a later one has committed more of the stream. */
export function compareResumePoints(a: LogResumePoint, b: LogResumePoint): number {
  if (a.lastTs === null || b.lastTs === null) return (a.lastTs === null ? 0 : 1) - (b.lastTs === null ? 0 : 1);
  return compareLogTs(a.lastTs, b.lastTs) || a.atTs - b.atTs;
}

/** Lines we never saw may have been rotated away between `after` (our last line) and `before` (the first back). */
export interface LogGap {
  after: LogTs;
  before: LogTs;
  message: string;
}

export type LineVerdict = { keep: false } | { keep: true; gap: LogGap | null };

/**
 * Decides, line by line, what a request (started at `resume`) sends that was not committed yet.
 * Replay phase (only when resuming): lines before `lastTs` are skipped, the first `atTs` lines at `lastTs` are
 * skipped, and the first line past them ends the replay; if that line is strictly later than `lastTs` and fewer
 * than `atTs` lines at `lastTs` came back, rotation reached our stored lines and the verdict carries the gap, once.
 * Live phase: every line is kept. `state` is the resume point after the lines kept so far.
 */
export class LogDeduper {
  private last: LogTs | null;
  private count: number;
  private replaying: boolean;
  private seenAtLast = 0;

  constructor(
    resume: LogResumePoint,
    /** False when the caller already reported a gap for this resume (it jumped forward past one). */
    private readonly reportGaps = true,
  ) {
    this.last = resume.lastTs;
    this.count = resume.atTs;
    this.replaying = resume.lastTs !== null;
  }

  get state(): LogResumePoint {
    return { lastTs: this.last, atTs: this.count };
  }

  /** Still inside the replay of lines committed before this request. */
  get inReplay(): boolean {
    return this.replaying;
  }

  accept(ts: LogTs | null): LineVerdict {
    if (ts === null) return { keep: true, gap: null }; // no prefix: nothing to compare, never dropped
    if (this.replaying && this.last !== null) {
      const c = compareLogTs(ts, this.last);
      if (c < 0) return { keep: false };
      if (c === 0 && this.seenAtLast < this.count) {
        this.seenAtLast++;
        return { keep: false };
      }
      this.replaying = false;
      // Fewer lines at `lastTs` than we stored came back: rotation cut into them. Either our last line is gone, or
      // lines at that very timestamp that we never stored may have been skipped as ours: "may be missing" either way.
      const gap = c > 0 && this.seenAtLast < this.count && this.reportGaps ? gapBetween(this.last, ts) : null;
      this.advance(ts);
      return { keep: true, gap };
    }
    this.replaying = false;
    this.advance(ts);
    return { keep: true, gap: null };
  }

  private advance(ts: LogTs): void {
    if (this.last === null || compareLogTs(ts, this.last) > 0) {
      this.last = ts;
      this.count = 1;
    } else if (compareLogTs(ts, this.last) === 0) {
      this.count++;
    }
    // Earlier than the last line (another writer's stamp): kept, and a resume from here skips it as committed.
  }
}

/** The gap in words: what a reader of the run's events needs to know, and why it cannot be more exact. */
export function gapBetween(after: LogTs, before: LogTs): LogGap {
  return {
    after,
    before,
    message:
      `Kubernetes log gap: the kubelet rotated the pod log away while the stream was down; lines written between ` +
      `${formatLogTs(after)} and ${formatLogTs(before)} may be missing (the kubelet cannot say how many, if any).`,
  };
}
