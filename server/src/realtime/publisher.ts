// Publishes each committed batch of a run's new iteration rows to its socket room, with the next seq.
// The seq of a batch is the id of its last row (ids only grow), prevSeq the previous batch's seq; a client that
// missed batches asks for the rows after its last seq, read back from the database one bounded page at a time
// (replay). Reads are synchronous (better-sqlite3): a page never interleaves with a publish, and a replay reads
// only up to the published seq, so a socket that joins the room right after the page that reaches it misses nothing.
import type Database from 'better-sqlite3';
import type { PointsBatch } from '@trainboard/shared/realtime';
import { countRowsAfter, lastRowId, rowsAfter, toLivePoint } from '../db/iterations.repo.js';

/** Points per live socket message: a large commit (an import catching up) goes out in slices of this size. */
export const MAX_POINTS_PER_BATCH = 5_000;

export interface Publisher {
  /** Notes the run's current last row id (call before a follower of the run commits anything). */
  ensure(runId: number): number;
  /** Sends the run's rows committed since the last publish to its room. */
  publish(runId: number): void;
  /**
   * The next replay page: at most `limit` rows after `afterSeq`, up to the published seq; null when `afterSeq`
   * already is the published seq.
   */
  replayPage(runId: number, afterSeq: number, limit: number): PointsBatch | null;
  /** How many rows a client at `afterSeq` is behind the published seq, counting no further than `cap`. */
  behind(runId: number, afterSeq: number, cap: number): number;
  seq(runId: number): number;
}

export function createPublisher(
  sqlite: Database.Database,
  emit: (runId: number, batch: PointsBatch) => void,
): Publisher {
  const published = new Map<number, number>();
  const ensure = (runId: number): number => {
    let seq = published.get(runId);
    if (seq === undefined) {
      seq = lastRowId(sqlite, runId);
      published.set(runId, seq);
    }
    return seq;
  };
  const page = (runId: number, afterSeq: number, upTo: number, limit: number, replay: boolean): PointsBatch | null => {
    const rows = rowsAfter(sqlite, runId, afterSeq, upTo, limit);
    if (rows.length === 0) return null;
    const points = rows.map(toLivePoint);
    return { runId, seq: (points.at(-1) as { id: number }).id, prevSeq: afterSeq, points, replay };
  };
  return {
    ensure,
    seq: ensure,
    publish(runId) {
      const from = ensure(runId);
      const upTo = lastRowId(sqlite, runId);
      if (upTo <= from) return;
      for (
        let batch = page(runId, from, upTo, MAX_POINTS_PER_BATCH, false);
        batch;
        batch = page(runId, batch.seq, upTo, MAX_POINTS_PER_BATCH, false)
      ) {
        emit(runId, batch);
      }
      published.set(runId, upTo);
    },
    replayPage(runId, afterSeq, limit) {
      const upTo = ensure(runId);
      return afterSeq >= upTo ? null : page(runId, afterSeq, upTo, limit, true);
    },
    behind(runId, afterSeq, cap) {
      const upTo = ensure(runId);
      return afterSeq >= upTo ? 0 : countRowsAfter(sqlite, runId, afterSeq, upTo, cap);
    },
  };
}
