// Reading stored iterations: the current series of a run (what charts draw) and the superseded rows of
// restarts (what "show earlier attempts" draws). See SCHEMA.md for how `is_current` is maintained.
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type { Db } from './client.js';
import { iterations } from './schema.js';

export type IterationRow = typeof iterations.$inferSelect;

export interface IterationRange {
  from?: number;
  to?: number;
}

/**
 * The run's current value of every logged iteration in [from, to], by iteration: after a restart, the re-run
 * iterations replace the earlier ones. An index range scan of `iterations_run_current`.
 */
export function currentSeries(db: Db, runId: number, range: IterationRange = {}): IterationRow[] {
  return db
    .select()
    .from(iterations)
    .where(and(
      eq(iterations.runId, runId),
      eq(iterations.isCurrent, true),
      range.from === undefined ? undefined : gte(iterations.iteration, range.from),
      range.to === undefined ? undefined : lte(iterations.iteration, range.to),
    ))
    .orderBy(asc(iterations.iteration))
    .all();
}

/** Rows replaced by a later process start, by iteration then by the order they were logged. */
export function supersededIterations(db: Db, runId: number, range: IterationRange = {}): IterationRow[] {
  return db
    .select()
    .from(iterations)
    .where(and(
      eq(iterations.runId, runId),
      eq(iterations.isCurrent, false),
      range.from === undefined ? undefined : gte(iterations.iteration, range.from),
      range.to === undefined ? undefined : lte(iterations.iteration, range.to),
    ))
    .orderBy(asc(iterations.iteration), asc(iterations.segment), asc(iterations.id))
    .all();
}
