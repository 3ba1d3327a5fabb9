// The committed rows of a run turned back into the parser's events, in log order, with their times, for the
// detectors. The ingest writer stored every event whole (typed columns + payload), so this is a lossless read,
// except `truncated` (not stored: read as a complete line) and iteration timestamps (the row time carries them).
import { ITERATION_NUMBER_FIELDS, type LogEvent } from '@trainboard/shared/log/events';
import type { EventFeedRow, FeedCursor, FeedPage, IterationFeedRow, ValidationFeedRow } from '../db/incidents.repo.js';

export interface FeedItem {
  sourceId: number;
  event: LogEvent;
  /** The row's time (arrival time live), or null when the ingest could not date it. */
  timeMs: number | null;
}

const NUMERIC_FIELDS = ITERATION_NUMBER_FIELDS;

/** Non-finite numbers were stored as the strings "NaN", "Infinity", "-Infinity" (toJsonText). */
function revive(_key: string, v: unknown): unknown {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

function numericExtra(text: string | null): { extra: Record<string, number>; nan: Set<string> } {
  const extra: Record<string, number> = {};
  const nan = new Set<string>();
  if (!text) return { extra, nan };
  for (const [k, v] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
    if (v === 'NaN') nan.add(k);
    else if (typeof v === 'number') extra[k] = v;
  }
  return { extra, nan };
}

function iterationEvent(r: IterationFeedRow): LogEvent {
  const { extra, nan } = numericExtra(r.extra);
  const values = Object.fromEntries(NUMERIC_FIELDS.map((f) => [f, r[f] === null && nan.has(f) ? NaN : r[f]])) as Record<
    (typeof NUMERIC_FIELDS)[number],
    number | null
  >;
  for (const f of NUMERIC_FIELDS) delete extra[f];
  return {
    type: 'iteration',
    offset: r.offset,
    line: r.line,
    rank: r.rank,
    iteration: r.iteration,
    trainIters: r.trainIters,
    ...values,
    extra,
    timestamp: null,
    overhead: r.overhead === 1,
    truncated: false,
  };
}

function validationEvent(r: ValidationFeedRow): LogEvent {
  return {
    type: 'validation',
    offset: r.offset,
    line: r.line,
    rank: null,
    iteration: r.iteration,
    group: r.groupName,
    split: r.split,
    lmLoss: r.lmLoss,
    ppl: r.ppl,
    extra: numericExtra(r.extra).extra,
    afterIteration: r.iteration,
  };
}

function otherEvent(r: EventFeedRow): LogEvent {
  const payload = JSON.parse(r.payload, revive) as Record<string, unknown>;
  return { ...payload, type: r.type, offset: r.offset, line: r.line } as unknown as LogEvent;
}

/** The page's rows as events in log order (source, then byte offset; an event row before a row on its line). */
export function feedItems(page: FeedPage): FeedItem[] {
  const items: FeedItem[] = [
    ...page.iterations.map((r) => ({ sourceId: r.sourceId, event: iterationEvent(r), timeMs: r.timeMs })),
    ...page.validations.map((r) => ({ sourceId: r.sourceId, event: validationEvent(r), timeMs: r.timeMs })),
    ...page.events.map((r) => ({ sourceId: r.sourceId, event: otherEvent(r), timeMs: r.timeMs })),
  ];
  return items.sort((a, b) => a.sourceId - b.sourceId || a.event.offset - b.event.offset);
}

/** The cursor past every row of the page. */
export function advance(c: FeedCursor, page: FeedPage): FeedCursor {
  return {
    iterationId: page.iterations.at(-1)?.id ?? c.iterationId,
    validationId: page.validations.at(-1)?.id ?? c.validationId,
    eventId: page.events.at(-1)?.id ?? c.eventId,
  };
}

/** True when some table filled its page: more rows may be waiting. */
export function pageFull(page: FeedPage, limit: number): boolean {
  return page.iterations.length >= limit || page.validations.length >= limit || page.events.length >= limit;
}

type Pos = { sourceId: number; offset: number };
const before = (a: Pos, b: Pos) => a.sourceId < b.sourceId || (a.sourceId === b.sourceId && a.offset <= b.offset);

/**
 * A full table's page ends somewhere in the log; rows of the other tables past that point belong to the next page,
 * so the detectors see events in log order across pages too. Keeps the id-order prefix of each table up to the
 * earliest end among the full tables (the cursor then advances over exactly the rows kept).
 */
export function clipPage(page: FeedPage, limit: number): FeedPage {
  const ends = [page.iterations, page.validations, page.events]
    .filter((rows) => rows.length >= limit)
    .map((rows) => rows.at(-1) as Pos);
  if (ends.length === 0) return page;
  const end = ends.reduce((a, b) => (before(a, b) ? a : b));
  const upTo = <T extends Pos>(rows: T[]): T[] => {
    const i = rows.findIndex((r) => !before(r, end));
    return i < 0 ? rows : rows.slice(0, i);
  };
  return { iterations: upTo(page.iterations), validations: upTo(page.validations), events: upTo(page.events) };
}
