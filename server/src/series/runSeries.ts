// One run's current series held in memory: the iteration of every current row (for the answer's row count) and,
// per metric field asked for so far, the (iteration, value) columns of the rows that carry it. Filled once from the
// database, then grown with the rows appended after its `seq`; a restart that superseded rows (is_current set to 0)
// makes it stale, and the cache builds it again (see seriesCache.ts).
import type { MetricField } from '@trainboard/shared/metrics/fields';
import { GrowingColumns } from '@trainboard/shared/metrics/seriesColumns';
import { storedValue } from '../db/iterations.repo.js';
import type { SeriesRepo, SeriesRow } from '../db/series.repo.js';

/** Rows read per page of a fill: a page is the longest a background warm-up holds the event loop (~10 ms). */
export const FILL_PAGE_ROWS = 4096;

/** Answers kept per run: the full range and a few zoomed views (~200 KB each for the 7 chart fields). */
export const ANSWERS_KEPT = 4;

export class RunSeries {
  /** Iteration (x) and row id (y) of every current row, by iteration. */
  readonly rows: GrowingColumns;
  readonly fields = new Map<MetricField, GrowingColumns>();
  /**
   * Answers already built at `seq` (JSON bodies by query), so viewers of a run that did not move share one
   * downsample (~8 ms for 115k iterations × 7 fields): cleared by any append, at most ANSWERS_KEPT of them.
   */
  readonly answers = new Map<string, string>();

  /**
   * @param seq the newest row id this holds everything up to (the answer's seq)
   * @param superseded the run's count of superseded rows at `seq`: a higher count later means a restart happened
   */
  constructor(
    readonly runId: number,
    public seq: number,
    readonly superseded: number,
    private readonly capacity: number,
  ) {
    this.rows = new GrowingColumns(capacity);
  }

  get bytes(): number {
    let n = this.rows.bytes;
    for (const c of this.fields.values()) n += c.bytes;
    for (const body of this.answers.values()) n += body.length * 2; // counted as two-byte strings: an upper bound
    return n;
  }

  /**
   * Reads `fields` (and the row iterations when this is new) from every current row up to `seq`, a page per step:
   * a caller that holds a read transaction drains it at once; a background warm-up yields between steps.
   */
  *fill(repo: SeriesRepo, fields: readonly MetricField[]): Generator<void> {
    const withRows = this.rows.length === 0;
    const columns = fields.map(() => new GrowingColumns(this.capacity));
    let after = { iteration: Number.MIN_SAFE_INTEGER, id: 0 };
    for (;;) {
      const page = repo.currentPage(this.runId, fields, after, this.seq, FILL_PAGE_ROWS);
      for (const row of page) {
        if (withRows) this.rows.push(row[1], row[0]);
        pushValues(row, fields, columns);
      }
      const last = page.at(-1);
      if (!last || page.length < FILL_PAGE_ROWS) break;
      after = { iteration: last[1], id: last[0] };
      yield;
    }
    fields.forEach((f, k) => this.fields.set(f, columns[k] as GrowingColumns));
  }

  /**
   * Appends the rows committed in (seq, upTo]. @returns false, having appended nothing usable, when they are not a
   * plain continuation (a row not current, or one at or before the last iteration held: a restart re-ran
   * iterations), so the caller builds this run again.
   */
  append(repo: SeriesRepo, upTo: number): boolean {
    if (upTo < this.seq) return false;
    if (upTo === this.seq) return true;
    const fields = [...this.fields.keys()];
    const rows = repo.rowsAfter(this.runId, fields, this.seq, upTo);
    let lastX = this.rows.lastX ?? -Infinity;
    for (const row of rows) {
      if (row[2] !== 1 || row[1] <= lastX) return false;
      lastX = row[1];
    }
    const columns = fields.map((f) => this.fields.get(f) as GrowingColumns);
    for (const row of rows) {
      this.rows.push(row[1], row[0]);
      pushValues(row, fields, columns);
    }
    this.seq = upTo;
    this.answers.clear();
    return true;
  }

  /** Remembers an answer built at this seq, the oldest one out past ANSWERS_KEPT. */
  remember(key: string, body: string): void {
    this.answers.delete(key);
    this.answers.set(key, body);
    for (const k of this.answers.keys()) {
      if (this.answers.size <= ANSWERS_KEPT) break;
      this.answers.delete(k);
    }
  }
}

/** The row's value of each field into its column; a field the row did not log is left out (NaN restored). */
function pushValues(row: SeriesRow, fields: readonly MetricField[], columns: readonly GrowingColumns[]): void {
  // `extra` only matters for a NULL column (a NaN is NULL plus a note there): parsed only then, and once.
  let extra: Record<string, unknown> | null | undefined;
  for (let k = 0; k < fields.length; k++) {
    let y = row[k + 4] as number | null;
    if (y === null) {
      extra ??= row[3] === null ? null : (JSON.parse(row[3]) as Record<string, unknown>);
      y = storedValue(null, fields[k] as MetricField, extra);
      if (y === null) continue;
    }
    (columns[k] as GrowingColumns).push(row[1], y);
  }
}
