// One request's worth of a pod log, turned into rows through the one ingest path, exactly once.
//
// The kept lines (timestamp prefix removed, de-duplicated by LogDeduper) form a byte stream of their own: each
// line's text and a `\n`. That stream is what the parser reads, so its byte offsets are the rows' `byte_offset`
// and `log_sources.byte_offset` is the parser's resume point in it, exactly as for a file. A file can be re-read
// from any byte; a pod log only from a timestamp. So the stream cursor (log_sources.stream_cursor) records, in the
// same transaction as the rows:
// - `resume`: the de-duplication state just before the line at the parser's resume point (where the next request
//   starts: sinceTime = that line's second, the overlap skipped by LogDeduper);
// - `fed`: how far lines were handed to the parser (offset, line, state). The parser's resume point lags behind
//   it while a multi-line record (a traceback) is open; those lines are read again, land at the same offsets
//   (so their rows are the same rows) and `fed` checks that they did;
// - `instance`: whose log it is (pod uid + restart count) and `ended`: that instance's log was read to its end.
// If lines between the resume point and `fed` cannot come back (rotated away), reading goes on at `fed.offset`
// with the de-duplication state of `fed`: no offset is ever used for two different lines, so no row is doubled
// and no later row is dropped as a duplicate.
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  LOG_START,
  LogDeduper,
  PodLogSplitter,
  compareResumePoints,
  formatLogTs,
  parseLogTs,
  sinceTimeFor,
  type LogResumePoint,
  type PodLogLine,
} from '@trainboard/shared/k8s/logLines';
import type { LeaderInstance } from '@trainboard/shared/k8s/leaderPod';
import { DEFAULT_MAX_LINE_BYTES } from '@trainboard/shared/log/framing';
import type { LogEvent, LogGapEvent, LogParser, ParserContext } from '@trainboard/shared/log/events';
import { createLogParser } from '@trainboard/shared/log/parser';
import type { OpenDatabase } from '../db/client.js';
import { createStreamCursorRepo } from '../db/streamCursor.repo.js';
import { createIngestWriter, readCursor, type IngestWriter } from '../ingest/ingestWriter.js';

const TsText = z.string().refine((s) => parseLogTs(s) !== null, 'not an RFC3339 timestamp');
const PointSchema = z.object({ lastTs: TsText.nullable(), atTs: z.number().int().nonnegative() });

/** log_sources.stream_cursor of a pod log source (validated when read: it crosses a process boundary). */
export const PodLogCursorSchema = z.object({
  v: z.literal(1),
  instance: z.object({ pod: z.string(), uid: z.string(), restartCount: z.number().int().nonnegative() }).nullable(),
  resume: PointSchema,
  fed: PointSchema.extend({ offset: z.number().int().nonnegative(), line: z.number().int().positive() }),
  ended: z.boolean(),
});
export type PodLogCursor = z.infer<typeof PodLogCursorSchema>;
export type PodInstance = NonNullable<PodLogCursor['instance']>;

const toPoint = (p: LogResumePoint) => ({ lastTs: p.lastTs && formatLogTs(p.lastTs), atTs: p.atTs });
const fromPoint = (p: { lastTs: string | null; atTs: number }): LogResumePoint => ({
  lastTs: p.lastTs === null ? null : parseLogTs(p.lastTs),
  atTs: p.atTs,
});

/** The stored cursor of a source, or the start (nothing read) when none is stored yet. */
export function loadPodLogCursor(conn: OpenDatabase, sourceId: number): PodLogCursor {
  const raw = createStreamCursorRepo(conn.sqlite).read(sourceId);
  if (raw !== null) return PodLogCursorSchema.parse(raw);
  const at = readCursor(conn.sqlite, sourceId);
  return {
    v: 1,
    instance: null,
    resume: toPoint(LOG_START),
    fed: { offset: at.offset, line: at.line, ...toPoint(LOG_START) },
    ended: false,
  };
}

export interface ReaderDeps {
  conn: OpenDatabase;
  log: Logger;
  runId: number;
  sourceId: number;
  /** Longest line parsed (bytes); longer ones become line_too_long events with their full length. */
  maxLineBytes?: number;
  onCommitted: (resumeOffset: number) => void;
  /**
   * Lines stamped before this second were written before anyone watched (a log followed for the first time):
   * `onBacklog` gets the offset after the last of them, so what they show is taken as old news, not as live.
   */
  backlog?: { beforeSec: number; onBacklog: (endOffset: number) => void };
}

/** The line a gap puts in the parsed stream (the parser counts it as an unknown line; the event says the rest). */
const GAP_MARKER = new TextEncoder().encode('[trainboard] Kubernetes log gap: lines may be missing here');

/** A line handed to the parser: where it starts and the de-duplication state just before it. */
interface Mark {
  offset: number;
  state: LogResumePoint;
}

export class PodLogReader {
  private parser: LogParser;
  private deduper: LogDeduper;
  private readonly splitter: PodLogSplitter;
  private readonly writer: IngestWriter;
  private readonly commitTx: (events: readonly LogEvent[], cursor: PodLogCursor) => void;
  private instance: PodInstance | null;
  private fedEnd: { offset: number; line: number; state: LogResumePoint };
  private pos: number;
  private line: number;
  private marks: Mark[] = [];
  private events: LogEvent[] = [];
  private kept = false;
  private backlogEnd = 0;
  private backlogReported = 0;
  private readonly maxLineBytes: number;
  /** Events emitted since the last commit or group flush: the quiet timer closes open groups only then. */
  unflushed = false;
  lastData = Date.now();

  constructor(
    private readonly deps: ReaderDeps,
    cursor: PodLogCursor,
  ) {
    const at = readCursor(deps.conn.sqlite, deps.sourceId);
    this.maxLineBytes = deps.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.parser = this.parserAt(at.offset, at.line, at.context);
    this.pos = at.offset;
    this.line = at.line;
    this.deduper = new LogDeduper(fromPoint(cursor.resume));
    this.fedEnd = { offset: cursor.fed.offset, line: cursor.fed.line, state: fromPoint(cursor.fed) };
    this.instance = cursor.instance;
    // One byte over the parser's limit is kept, so the parser itself reports the line as too long.
    this.splitter = new PodLogSplitter(this.maxLineBytes + 1);
    this.writer = createIngestWriter(
      deps.conn.sqlite,
      { runId: deps.runId, logSourceId: deps.sourceId },
      { timeSource: 'arrival' },
    );
    const cursors = createStreamCursorRepo(deps.conn.sqlite);
    // better-sqlite3 nests the writer's own transaction as a savepoint: rows, byte cursor and stream cursor commit
    // together or not at all.
    this.commitTx = deps.conn.sqlite.transaction((events: readonly LogEvent[], cursor: PodLogCursor) => {
      this.writer.commit(events, this.parser.resumePoint, this.pos);
      cursors.write(deps.sourceId, cursor);
    });
  }

  /** sinceTime for the request that continues this cursor (null: from the first line). */
  get sinceTime(): string | null {
    const { lastTs } = this.deduper.state;
    return lastTs === null ? null : sinceTimeFor(lastTs);
  }

  /** Bytes held for a partial line (bounded by the line limit). */
  get heldBytes(): number {
    return this.splitter.heldBytes;
  }

  /** A chunk of the response: complete lines are de-duplicated, parsed and committed; a partial one is held. */
  push(chunk: Uint8Array): void {
    this.lastData = Date.now();
    for (const line of this.splitter.push(chunk)) this.feed(line);
    if (this.kept || this.events.length > 0) this.commit(false);
  }

  /** The instance's log was read to its end: its last line (even without `\n`) counts, open groups close. */
  endInstance(): void {
    const last = this.splitter.end();
    if (last) this.feed(last);
    this.settleBeforeNewLines();
    this.events.push(...this.parser.flush());
    this.commit(true);
  }

  /** Closes open multi-line groups (the parser has no clock) and commits what that emits. */
  flushGroups(): void {
    this.unflushed = false;
    this.events.push(...this.parser.flush());
    if (this.events.length > 0) this.commit(false);
  }

  /** Starts reading `next` from its first line, after the previous instance ended (`loss`: what could not be read). */
  startInstance(next: LeaderInstance, loss: string | null): void {
    this.settleBeforeNewLines();
    this.instance = { pod: next.pod, uid: next.uid, restartCount: next.restartCount };
    this.deduper = new LogDeduper(LOG_START);
    this.fedEnd = { offset: this.pos, line: this.line, state: LOG_START };
    if (loss) this.noteLoss(loss, null, null, this.deduper.state);
    this.commit(false);
  }

  /** Records that lines may be missing here (an instance whose log could not be read to its end), and ends it. */
  endInstanceWithLoss(message: string): void {
    this.settleBeforeNewLines();
    this.events.push(...this.parser.flush());
    const last = this.deduper.state.lastTs;
    this.noteLoss(message, last && formatLogTs(last), null, this.deduper.state);
    this.commit(true);
  }

  private feed(line: PodLogLine): void {
    let before = this.deduper.state;
    let verdict = this.deduper.accept(line.ts);
    if (!verdict.keep) return;
    const gap = verdict.gap;
    const pastFed = this.pos < this.fedEnd.offset && compareResumePoints(before, this.fedEnd.state) >= 0;
    if ((gap || pastFed) && this.pos < this.fedEnd.offset) {
      if (!gap) this.deps.log.warn({ at: this.pos, fed: this.fedEnd.offset }, 'pod log re-read did not line up');
      this.jumpToFedEnd();
      before = this.deduper.state;
      verdict = this.deduper.accept(line.ts);
    }
    if (gap) {
      const words = { after: formatLogTs(gap.after), before: formatLogTs(gap.before) };
      this.deps.log.warn(words, 'pod log lines may be missing');
      this.noteLoss(gap.message, words.after, words.before, before);
    }
    if (!verdict.keep) return;
    this.handOver(line.text, before, line.length);
    if (line.ts !== null && this.deps.backlog && line.ts.sec < this.deps.backlog.beforeSec) this.backlogEnd = this.pos;
  }

  /**
   * Gives one line to the parser at the current offset; `before` is the de-duplication state to resume from if the
   * parser's resume point stops at this line. `length`: the line's real length when `text` holds only its start.
   */
  private handOver(text: Uint8Array, before: LogResumePoint, length = text.length): void {
    this.marks.push({ offset: this.pos, state: before });
    const bytes = new Uint8Array(text.length + 1);
    bytes.set(text);
    bytes[text.length] = 10;
    for (const ev of this.parser.push(bytes)) {
      // The parser saw the first bytes only: the line's own length is what a reader must learn.
      if (ev.type === 'line_too_long' && ev.offset === this.pos) ev.length = length;
      this.events.push(ev);
    }
    this.pos += bytes.length;
    this.line++;
    this.kept = true;
    this.unflushed = true;
  }

  /**
   * Lines that were handed over before were not all handed over again (the instance ended, or its log is gone):
   * whatever comes next must start after them, or it would take their offsets.
   */
  private settleBeforeNewLines(): void {
    if (this.pos >= this.fedEnd.offset) return;
    this.deps.log.warn({ at: this.pos, fed: this.fedEnd.offset }, 'pod log: lines read before did not come back');
    this.jumpToFedEnd();
  }

  /** The lines up to `fed` cannot all come back: continue after them, skipping what was already handed over. */
  private jumpToFedEnd(): void {
    const context = this.parser.resumePoint.context;
    this.parser = this.parserAt(this.fedEnd.offset, this.fedEnd.line, context);
    this.pos = this.fedEnd.offset;
    this.line = this.fedEnd.line;
    this.marks = [];
    this.deduper = new LogDeduper(this.fedEnd.state, false);
  }

  /**
   * Stores a log_gap event, and a marker line in the parsed stream at its offset: each gap then has an offset of
   * its own (rows are unique per offset and type, so two gaps at one offset would be one), and anything after it
   * comes after it. Found again after a crash, it lands on the same offset and is stored once.
   */
  private noteLoss(message: string, after: string | null, before: string | null, resumeState: LogResumePoint): void {
    const ev: LogGapEvent = { type: 'log_gap', offset: this.pos, line: this.line, rank: null, message, after, before };
    this.events.push(ev);
    this.handOver(GAP_MARKER, resumeState);
  }

  private parserAt(offset: number, line: number, context: ParserContext | null): LogParser {
    return createLogParser({
      startOffset: offset,
      startLine: line,
      maxLineBytes: this.maxLineBytes,
      ...(context ? { context } : {}),
    });
  }

  /** Rows, the parser's resume point and the stream cursor, in one transaction. */
  private commit(ended: boolean): void {
    const rp = this.parser.resumePoint;
    const atResume =
      rp.offset === this.pos ? this.deduper.state : this.marks.find((m) => m.offset === rp.offset)?.state;
    if (!atResume) throw new Error(`pod log: no stream position for the parser's resume offset ${rp.offset}`);
    // While lines handed over before are handed over again, `fed` stays where it was: it is the bound a jump
    // after lost lines must go to.
    if (this.pos >= this.fedEnd.offset) this.fedEnd = { offset: this.pos, line: this.line, state: this.deduper.state };
    const fed = this.fedEnd;
    const cursor: PodLogCursor = {
      v: 1,
      instance: this.instance,
      resume: toPoint(atResume),
      fed: { offset: fed.offset, line: fed.line, ...toPoint(fed.state) },
      ended,
    };
    const events = this.events;
    this.events = [];
    this.commitTx(events, cursor);
    this.marks = this.marks.filter((m) => m.offset >= rp.offset);
    this.kept = false;
    // Before onCommitted: the rows just committed are judged (live or old news) as soon as it is called.
    if (this.backlogEnd > this.backlogReported) {
      this.backlogReported = this.backlogEnd;
      this.deps.backlog?.onBacklog(this.backlogEnd);
    }
    this.deps.onCommitted(rp.offset);
  }
}
