// The streaming Megatron-DeepSpeed log parser: bytes in, typed events out (contract in events.ts, formats in
// ../shared/docs/megatron-log-format.md). Framing, prefixes, glued lines and each record kind live in their own
// modules; this file routes records and keeps the little state that flags need (overhead, shutdown noise,
// start-up), the open failure groups and the open banner.

import type {
  ExitEvent,
  IterationEvent,
  LineTooLongEvent,
  LogEvent,
  LogParser,
  LogParserOptions,
  ParserContext,
  ParserStats,
  ResumePoint,
  RunStartEvent,
  TimerEvent,
} from './events.js';
import { BANNER_MAX_LINES, BannerCollector, ARGUMENTS_START, isWorldSizeLine } from './banner.js';
import { isCheckpointSaving, parseCheckpointLoaded, parseCheckpointSaved } from './checkpoint.js';
import { classifyLine } from './classify.js';
import { readDateTime } from './datetime.js';
import { FailureGroup, isSlurmLine, openingState, singleLineFailure } from './failureGroup.js';
import { DEFAULT_MAX_LINE_BYTES, LineFramer, decodeByteIndexed, decodeUtf8 } from './framing.js';
import { findGluedStarts } from './glued.js';
import { isIterationAt, parseIteration } from './iteration.js';
import { JOB_START_MARKER, parseJobStart } from './jobMarker.js';
import { parseIterationBytes } from './iterationBytes.js';
import { exitOf, parseMilestone } from './milestones.js';
import { parseNumber } from './numbers.js';
import { type PrefixInfo, readPrefix } from './prefix.js';
import { parseBareAlert, parsePulse } from './pulse.js';
import { mayBeValidation, parseValidation } from './validation.js';

/** A group gets no continuation line from its writer for this many lines: it is over (the "quiet period"). */
export const GROUP_QUIET_LINES = 200;
/** Upper bound on one failure group, so a runaway group cannot hold the resume point back forever. */
export const GROUP_MAX_LINES = 5000;

const SLURM_WRITER = '\u0000slurm';

/** Start-up and housekeeping lines that carry nothing we keep (megatron-log-format.md §6, §4.2). */
const KNOWN_NOISE =
  /^(?:make: |done with setup|training \.\.\.|setting training iterations to|estimated model parameters|Number of parameters|\[\d{3}-\d{3}\] |\*\*\*\* Git info|time to initialize megatron|will use batch size rampup|setting number of micro-batches|WARNING: could not find the metadata file|\s+will not load any checkpoints|RANK=\d+ STAGE=)/;

/**
 * Creates a streaming parser. Feed it byte chunks of any size with `push`, call `end` at the end of the stream.
 * Never throws on input.
 */
export function createLogParser(opts: LogParserOptions = {}): LogParser {
  return new MegatronLogParser(opts);
}

class MegatronLogParser implements LogParser {
  readonly stats: ParserStats = { lines: 0, bytes: 0, events: 0, unknownLines: 0, ignoredLines: 0, internalErrors: 0 };
  private out: LogEvent[] = [];
  private readonly framer: LineFramer;
  private readonly maxLineBytes: number;
  private readonly prefix: PrefixInfo = { rank: null, writer: '', payloadStart: 0 };

  // Context the flags depend on (see ParserContext).
  private lastIteration: number | null;
  private overheadPending: boolean;
  private afterExit: boolean;
  private inStartup: boolean;
  // The same, as it was at the start of the current physical line (for resume points of groups opened on it);
  // kept as scalars so the per-line cost is four assignments.
  private lineLastIteration: number | null = null;
  private lineOverheadPending = false;
  private lineAfterExit = false;
  private lineInStartup = false;
  private lineOffset = 0;

  private readonly groups = new Map<string, FailureGroup>();
  private nextQuietCheck = Infinity;
  private banner: BannerCollector | null = null;
  /** Rank failure groups that ended inside the open banner: emitted right after its run_start (see onOther). */
  private held: FailureGroup[] = [];
  private bannerResume: { offset: number; line: number; context: ParserContext } | null = null;

  constructor(opts: LogParserOptions) {
    const c = opts.context;
    this.maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.lastIteration = c?.lastIteration ?? null;
    this.overheadPending = c?.overheadPending ?? false;
    this.afterExit = c?.afterExit ?? false;
    this.inStartup = c?.inStartup ?? false;
    this.framer = new LineFramer(
      opts.startOffset ?? 0,
      opts.startLine ?? 1,
      (text, start, end, bytes, offset, line) => this.onLine(text, start, end, bytes, offset, line),
      (bytes, start, end, offset, line) => this.onLineBytes(bytes, start, end, offset, line),
      {
        maxLineBytes: this.maxLineBytes,
        onLongLine: (offset, line, length, head) => this.onLongLine(offset, line, length, head),
        resumeInside: c?.longLine ?? null,
      },
    );
  }

  push(chunk: Uint8Array): LogEvent[] {
    this.stats.bytes += chunk.length;
    try {
      this.framer.push(chunk);
    } catch {
      this.stats.internalErrors++;
    }
    return this.drain();
  }

  end(): LogEvent[] {
    try {
      this.framer.end();
    } catch {
      this.stats.internalErrors++;
    }
    this.closeAll();
    return this.drain();
  }

  flush(): LogEvent[] {
    this.closeAll();
    return this.drain();
  }

  get heldBytes(): number {
    return this.framer.pendingBytes;
  }

  get resumePoint(): ResumePoint {
    const pos = this.framer.position;
    // Inside an over-long line the cursor moves on through it; the context says where it began.
    const longLine = this.framer.longLine;
    const context = longLine === null ? this.context() : { ...this.context(), longLine };
    let best: ResumePoint = { offset: pos.offset, line: pos.line, context };
    for (const g of this.groups.values()) {
      if (g.resumeOffset < best.offset) best = { offset: g.resumeOffset, line: g.line, context: g.resumeContext };
    }
    const b = this.bannerResume;
    if (this.banner && b && b.offset < best.offset) best = { offset: b.offset, line: b.line, context: b.context };
    return best;
  }

  private context(): ParserContext {
    return {
      lastIteration: this.lastIteration,
      overheadPending: this.overheadPending,
      afterExit: this.afterExit,
      inStartup: this.inStartup,
    };
  }

  /** The context as it was at the start of the current physical line. */
  private lineContext(): ParserContext {
    return {
      lastIteration: this.lineLastIteration,
      overheadPending: this.lineOverheadPending,
      afterExit: this.lineAfterExit,
      inStartup: this.lineInStartup,
    };
  }

  private drain(): LogEvent[] {
    const events = this.out;
    this.out = [];
    this.stats.events += events.length;
    return events;
  }

  /** Hot path: a clean iteration line parsed from bytes (see iterationBytes.ts). */
  private onLineBytes(bytes: Uint8Array, start: number, end: number, offset: number, line: number): boolean {
    if (this.groups.size > 0 || this.banner !== null || line > this.nextQuietCheck) return false;
    let event: IterationEvent | null;
    try {
      event = parseIterationBytes(bytes, start, end, { offset, line, overhead: this.overheadPending });
    } catch {
      this.stats.internalErrors++;
      return false; // the string path gets the line
    }
    if (event === null) return false;
    this.stats.lines++;
    this.lineOffset = offset;
    this.acceptIteration(event);
    return true;
  }

  /** A line over the limit, skipped by the framer: reported, and it changes no other state. */
  private onLongLine(offset: number, line: number, length: number, head: string): void {
    this.stats.lines++;
    readPrefix(head, this.prefix);
    const event: LineTooLongEvent = {
      type: 'line_too_long',
      offset,
      line,
      rank: this.prefix.rank,
      length,
      limit: this.maxLineBytes,
      head,
    };
    this.out.push(event);
  }

  private onLine(
    text: string,
    start: number,
    end: number,
    bytes: Uint8Array | null,
    offset: number,
    line: number,
  ): void {
    this.stats.lines++;
    this.lineOffset = offset;
    this.lineLastIteration = this.lastIteration;
    this.lineOverheadPending = this.overheadPending;
    this.lineAfterExit = this.afterExit;
    this.lineInStartup = this.inStartup;
    try {
      if (line > this.nextQuietCheck) this.closeQuietGroups(line);
      const lineText = bytes === null && (start !== 0 || end !== text.length) ? text.slice(start, end) : text;
      const indexed = bytes === null ? lineText : decodeByteIndexed(bytes);
      readPrefix(indexed, this.prefix);
      const starts = findGluedStarts(indexed, this.prefix.payloadStart + 1);
      if (starts.length === 0) {
        this.onRecord(lineText, offset, line);
        return;
      }
      let from = 0;
      for (const at of [...starts, indexed.length]) {
        const piece = bytes === null ? lineText.slice(from, at) : decodeUtf8(bytes.subarray(from, at));
        this.onRecord(piece, offset + from, line);
        from = at;
      }
    } catch {
      this.stats.internalErrors++;
      this.stats.unknownLines++;
    }
  }

  private onRecord(s: string, offset: number, line: number): void {
    const prefix = this.prefix;
    readPrefix(s, prefix);
    const rank = prefix.rank;
    const q = prefix.payloadStart;

    // A new job's first line: whatever was open belonged to the job before it.
    if (q === 0 && s.charCodeAt(0) === 84 && s.startsWith(JOB_START_MARKER) && this.onJobStart(s, offset, line)) return;

    if (this.groups.size > 0) {
      const slurm = this.groups.get(SLURM_WRITER);
      const isSlurm = s.startsWith('srun: ', q) || s.startsWith('slurmstepd: ', q);
      if (slurm && !isSlurm) this.closeGroup(slurm);
      const group = this.groups.get(isSlurm ? SLURM_WRITER : prefix.writer);
      if (group) {
        const verdict = group.accept(q === 0 ? s : s.slice(q), line);
        if (verdict === 'continue') return;
        this.closeGroup(group);
        if (verdict === 'last') return;
      }
    }

    let j = q;
    while (s.charCodeAt(j) === 32 || s.charCodeAt(j) === 9) j++;
    const c = s.charCodeAt(j);

    // Hot path: the iteration line.
    if (c === 105 && isIterationAt(s, j)) {
      this.onIteration(s, j, offset, line, rank, null);
      return;
    }

    if (this.banner) {
      const verdict = this.banner.take(q === 0 ? s : s.slice(q));
      if (verdict === 'consumed') return;
      if (verdict === 'complete') {
        this.closeBanner();
        return;
      }
      if (this.banner.lines > BANNER_MAX_LINES) this.closeBanner();
    }

    if (this.routeRecord(s, q, j, c, offset, line, rank)) return;
    this.onOther(s.slice(q), offset, line, rank);
  }

  /** Known non-failure records. @returns true when the record was handled. */
  private routeRecord(
    s: string,
    q: number,
    j: number,
    c: number,
    offset: number,
    line: number,
    rank: number | null,
  ): boolean {
    const base = { offset, line, rank };
    switch (c) {
      case 91: // '['
        return this.routeBracketed(s, j, base);
      case 45: // '-'
        return this.routeDashed(s, j, base);
      case 115: // 's'
        if (this.onCheckpoint(s.slice(j), base)) return true;
        break;
      case 117: // 'u'
        if (isWorldSizeLine(s.slice(j))) {
          this.openBanner(offset, line, rank);
          this.banner?.take(s.slice(j));
          return true;
        }
        break;
      case 116: // 't'
        if (s.startsWith('time (ms)', j)) {
          this.onTimer(s, j + 9, base);
          return true;
        }
        break;
      case 42: {
        // '*': the ALERT text without preamble
        const alert = parseBareAlert(s, j, base);
        if (alert) {
          this.out.push(alert);
          return true;
        }
        break;
      }
      case 62: // '>': start-up progress (`> initializing …`, `>>> done with …`)
        this.inStartup = true;
        this.stats.ignoredLines++;
        return true;
    }
    if (mayBeValidation(s, q)) {
      const v = parseValidation(q === 0 ? s : s.slice(q), { ...base, afterIteration: this.lastIteration });
      if (v) {
        this.out.push(v);
        this.overheadPending = true;
        return true;
      }
    }
    return false;
  }

  /**
   * A record starting with '[': a timestamped iteration, PULSE, checkpoint or DeepSpeed logger line, a start-up
   * milestone, or a memory report. @returns true when the record was handled.
   */
  private routeBracketed(s: string, j: number, base: { offset: number; line: number; rank: number | null }): boolean {
    const next = s.charCodeAt(j + 1);
    if (next >= 48 && next <= 57) {
      const stamp = readDateTime(s, j + 1);
      if (stamp && s.charCodeAt(stamp.next) === 93) {
        let k = stamp.next + 1;
        while (s.charCodeAt(k) === 32) k++;
        if (isIterationAt(s, k)) {
          this.onIteration(s, k, base.offset, base.line, base.rank, stamp.ms);
          return true;
        }
        const pulse = parsePulse(s, j, base);
        if (pulse) {
          this.out.push(pulse);
          return true;
        }
        if (this.onCheckpoint(s.slice(k), base)) return true;
      }
      if (stamp && s.charCodeAt(stamp.next) === 44) {
        // DeepSpeed logger `[ts,ms] [LEVEL] …`: informative, unless it reports a failure signature.
        const kind = classifyLine(s.slice(j));
        if (kind !== null && kind !== 'python_exception')
          this.out.push(singleLineFailure(kind, s.slice(j), base, this.flags()));
        else this.stats.ignoredLines++;
        return true;
      }
    }
    const milestone = parseMilestone(s, j);
    if (milestone) {
      this.onMilestone(milestone.message, milestone.timestamp, base);
      return true;
    }
    if (s.startsWith('[Rank ', j) && s.includes('] (after ', j)) {
      this.stats.ignoredLines++; // memory report
      return true;
    }
    return false;
  }

  /** A record starting with '-': dash lines around validation results, or the arguments dump header. */
  private routeDashed(s: string, j: number, base: { offset: number; line: number; rank: number | null }): boolean {
    const payload = s.slice(j);
    if (ARGUMENTS_START.test(payload)) {
      this.openBanner(base.offset, base.line, base.rank);
      this.banner?.take(payload);
      return true;
    }
    if (/^-+\s*$/.test(payload)) {
      this.stats.ignoredLines++;
      return true;
    }
    return false;
  }

  private onIteration(
    s: string,
    i: number,
    offset: number,
    line: number,
    rank: number | null,
    timestamp: number | null,
  ): void {
    const event = parseIteration(s, i, s.length, { offset, line, rank, timestamp, overhead: this.overheadPending });
    if (!event) {
      this.stats.unknownLines++;
      return;
    }
    this.acceptIteration(event);
  }

  private acceptIteration(event: IterationEvent): void {
    if (this.banner) {
      this.closeBanner();
      event.overhead = true;
    }
    this.out.push(event);
    this.overheadPending = false;
    this.inStartup = false;
    this.lastIteration = event.iteration;
  }

  private onCheckpoint(text: string, base: { offset: number; line: number; rank: number | null }): boolean {
    const t = text.trimStart();
    if (!t.startsWith('s')) return false;
    const saved = parseCheckpointSaved(t, base);
    if (saved) {
      this.out.push(saved);
      this.overheadPending = true;
      return true;
    }
    const loaded = parseCheckpointLoaded(t, base);
    if (loaded) {
      this.out.push(loaded);
      this.overheadPending = true;
      return true;
    }
    if (isCheckpointSaving(t)) {
      this.overheadPending = true;
      this.stats.ignoredLines++;
      return true;
    }
    return false;
  }

  private onTimer(s: string, i: number, base: { offset: number; line: number; rank: number | null }): void {
    const timers: Record<string, number> = {};
    let found = false;
    for (const part of s.slice(i).split('|')) {
      const colon = part.lastIndexOf(':');
      if (colon === -1) continue;
      const value = parseNumber(part, colon + 1, part.length);
      const name = part.slice(0, colon).trim();
      if (value === undefined || name.length === 0) continue;
      timers[name] = value;
      found = true;
    }
    if (!found) {
      this.stats.ignoredLines++; // the bare `time (ms)` of 2021 logs
      return;
    }
    const event: TimerEvent = { type: 'timer', ...base, timers };
    this.out.push(event);
  }

  private onMilestone(
    message: string,
    timestamp: number,
    base: { offset: number; line: number; rank: number | null },
  ): void {
    const exit = exitOf(message);
    if (!exit) {
      this.out.push({ type: 'datetime', ...base, timestamp, message });
      return;
    }
    if (this.banner) this.closeBanner();
    const event: ExitEvent = {
      type: 'exit',
      ...base,
      reason: exit.reason,
      iteration: exit.iteration ?? this.lastIteration,
      message,
      timestamp,
      durationMinutes: exit.durationMinutes,
    };
    this.out.push(event);
    this.afterExit = true;
  }

  private onJobStart(s: string, offset: number, line: number): boolean {
    const event = parseJobStart(s, { offset, line, rank: null });
    if (!event) return false;
    this.closeAll();
    this.out.push(event);
    this.afterExit = false; // errors of the new job are not the old job's shutdown noise
    this.lastIteration = null; // nor did it fail "after" the old job's last iteration
    this.inStartup = true;
    this.overheadPending = true;
    return true;
  }

  /** Lines that are no known record: failure text, or unknown. */
  private onOther(p: string, offset: number, line: number, rank: number | null): void {
    if (p.includes(' NCCL INFO ')) {
      // NCCL_DEBUG=INFO can print millions of these: skip the signature search.
      this.stats.ignoredLines++;
      return;
    }
    const state = openingState(p);
    if (state !== null) {
      // A rank's failure text does not end an open banner: on a multi-node job a peer's start-up traceback can land
      // between rank 0's banner lines (every node prints `[default0]:`), and ending the banner there split one start
      // into two run starts (a false restart, and the job's srun exit lines a second crash). The rest of the banner
      // is still collected; the failure is held and emitted after the run_start (closeGroup), so the start comes
      // first. Launcher text (srun/slurmstepd, the torchelastic agent) says the tasks are gone: it ends the banner.
      if (this.banner && (state === 'slurm' || state === 'elastic')) this.closeBanner();
      const writer = state === 'slurm' ? SLURM_WRITER : this.prefix.writer;
      // The agent speaks ("closing signal", "failed (exitcode") only once a worker is gone: the ranks' open
      // tracebacks are complete, so they are emitted before the agent's summary (the specific error, e.g. the CUDA
      // error, is known first, not only when the dead rank would write again).
      if (state === 'elastic') this.closeRankGroups(writer);
      const group = new FailureGroup(
        state,
        writer,
        offset,
        line,
        rank,
        this.lineOffset,
        this.lineContext(),
        this.flags(),
      );
      group.start(p);
      this.groups.set(writer, group);
      this.nextQuietCheck = Math.min(this.nextQuietCheck, line + GROUP_QUIET_LINES);
      return;
    }
    const kind = classifyLine(p);
    if (kind !== null) {
      this.out.push(singleLineFailure(kind, p, { offset, line, rank }, this.flags()));
      return;
    }
    if (isSlurmLine(p) || KNOWN_NOISE.test(p)) {
      this.stats.ignoredLines++;
      return;
    }
    if (p.trim().length === 0) return;
    this.stats.unknownLines++;
  }

  private flags(): { shutdownNoise: boolean; duringStartup: boolean; lastIteration: number | null } {
    return { shutdownNoise: this.afterExit, duringStartup: this.inStartup, lastIteration: this.lastIteration };
  }

  private openBanner(offset: number, line: number, rank: number | null): void {
    if (this.banner) this.closeBanner();
    this.banner = new BannerCollector(offset, line, rank);
    this.bannerResume = { offset: this.lineOffset, line, context: this.lineContext() };
    this.afterExit = false;
    this.inStartup = true;
    this.overheadPending = true;
  }

  private closeBanner(): void {
    const b = this.banner;
    if (!b) return;
    this.banner = null;
    this.bannerResume = null;
    const event: RunStartEvent = {
      type: 'run_start',
      offset: b.offset,
      line: b.line,
      rank: b.rank,
      config: b.finish(),
    };
    this.out.push(event);
    for (const g of this.held) this.out.push(g.toEvent());
    this.held = [];
  }

  private closeGroup(group: FailureGroup): void {
    this.groups.delete(group.writer);
    // Opened inside the open banner: it waits for the run_start (the banner's resume point covers it meanwhile).
    if (this.banner && group.offset >= this.banner.offset) this.held.push(group);
    else this.out.push(group.toEvent());
  }

  /** Closes the open groups of prefixed rank writers other than `writer`, in log order. */
  private closeRankGroups(writer: string): void {
    const ranks = [...this.groups.values()].filter((g) => g.rank !== null && g.writer !== writer);
    for (const g of ranks.sort((a, b) => a.offset - b.offset)) this.closeGroup(g);
  }

  private closeQuietGroups(line: number): void {
    let next = Infinity;
    for (const g of [...this.groups.values()]) {
      if (line - g.lastLine > GROUP_QUIET_LINES || line - g.line > GROUP_MAX_LINES) this.closeGroup(g);
      else next = Math.min(next, g.lastLine + GROUP_QUIET_LINES, g.line + GROUP_MAX_LINES);
    }
    this.nextQuietCheck = next;
  }

  private closeAll(): void {
    if (this.banner) this.closeBanner();
    const open = [...this.groups.values()].sort((a, b) => a.offset - b.offset);
    for (const g of open) this.closeGroup(g);
    this.nextQuietCheck = Infinity;
  }
}
