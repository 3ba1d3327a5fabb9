// Publishes each committed batch of a run's new iteration rows to its socket room, with the next seq.
// The seq of a batch is the id of its last row (ids only grow), prevSeq the previous batch's seq; a client that
// missed batches asks for the rows after its last seq, read back from the database (replay). Everything here is
// synchronous (better-sqlite3), so a replay and a live batch never interleave.
import type Database from 'better-sqlite3';
import type { PointsBatch } from '@trainboard/shared/realtime';
import { lastRowId, rowsAfter, toLivePoint } from './points.js';

/** Points per socket message: a replay of a whole run goes out in slices of this size. */
export const MAX_POINTS_PER_BATCH = 5_000;

export interface Publisher {
  /** Notes the run's current last row id (call before a follower of the run commits anything). */
  ensure(runId: number): number;
  /** Sends the run's rows committed since the last publish to its room. */
  publish(runId: number): void;
  /** The batches that bring a client from `afterSeq` to the current seq. */
  replay(runId: number, afterSeq: number): PointsBatch[];
  seq(runId: number): number;
}

export function createPublisher(sqlite: Database.Database, emit: (runId: number, batch: PointsBatch) => void): Publisher {
  const published = new Map<number, number>();
  const ensure = (runId: number): number => {
    let seq = published.get(runId);
    if (seq === undefined) {
      seq = lastRowId(sqlite, runId);
      published.set(runId, seq);
    }
    return seq;
  };
  const batchesAfter = (runId: number, afterSeq: number, upTo: number, replay: boolean): PointsBatch[] => {
    const out: PointsBatch[] = [];
    let prev = afterSeq;
    for (;;) {
      const rows = rowsAfter(sqlite, runId, prev, upTo, MAX_POINTS_PER_BATCH);
      if (rows.length === 0) return out;
      const points = rows.map(toLivePoint);
      const seq = (points.at(-1) as { id: number }).id;
      out.push({ runId, seq, prevSeq: prev, points, replay });
      prev = seq;
    }
  };
  return {
    ensure,
    seq: ensure,
    publish(runId) {
      const from = ensure(runId);
      const upTo = lastRowId(sqlite, runId);
      if (upTo <= from) return;
      for (const batch of batchesAfter(runId, from, upTo, false)) emit(runId, batch);
      published.set(runId, upTo);
    },
    replay(runId, afterSeq) {
      return batchesAfter(runId, afterSeq, ensure(runId), true);
    },
  };
}
