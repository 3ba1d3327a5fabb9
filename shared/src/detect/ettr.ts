// Effective training time ratio (ETTR) of a run, from its stored iterations: the share of the run's wall time that
// went into training progress it kept. Pure; the bench (`npm run bench -- operate`) feeds it the iterations export.
//
// Definitions (precise, because every figure the bench prints depends on them):
// - A row is one logged iteration: its number, its segment (one process start: a job, or a restart inside one)
//   and `timeMs`, the wall-clock time the line was logged (arrival time when followed live).
// - Rows are taken in the order they were logged (segment, then time). A row is KEPT when it is the last
//   occurrence of its iteration number: a later segment that resumed from a checkpoint and ran the same numbers
//   again replaces the earlier rows, which become LOST work (the crash-at-150, checkpoint-at-100 case: 101–150 of
//   the first segment are lost).
// - A row's duration is the wall interval from the previous row of the SAME segment to it (so the time of an eval
//   round or a checkpoint save between two iterations of a segment belongs to the iteration after it: it is part
//   of training, the same with or without faults). The first row of a segment has no previous row: its duration
//   is its printed per-iteration time (`elapsedMs`), or 0 when unknown; the start-up before it is not productive.
// - Durations are clipped to the window [startMs, endMs] (first submit → end of the measurement).
// - productiveMs = Σ durations of kept rows; lostMs = Σ durations of lost rows; totalMs = endMs − startMs, so idle
//   time (queued, nothing running, a hung job before it is cancelled, start-up, a person not yet there) counts in
//   the denominator only. ETTR = productiveMs / totalMs.

export interface EttrIteration {
  iteration: number;
  /** The log segment (process start) the row belongs to; larger is later. */
  segment: number;
  /** Wall-clock time the row was logged, epoch ms; rows without one are skipped. */
  timeMs: number | null;
  /** The printed elapsed time per iteration, ms (used for a segment's first row only). */
  elapsedMs?: number | null;
}

export interface EttrWindow {
  startMs: number;
  endMs: number;
}

export interface EttrResult {
  /** productiveMs / totalMs, 0 when the window is empty. */
  ettr: number;
  productiveMs: number;
  lostMs: number;
  totalMs: number;
  keptIterations: number;
  lostIterations: number;
}

export function computeEttr(rows: readonly EttrIteration[], window: EttrWindow): EttrResult {
  const totalMs = Math.max(0, window.endMs - window.startMs);
  const timed = rows
    .filter((r): r is EttrIteration & { timeMs: number } => typeof r.timeMs === 'number' && Number.isFinite(r.timeMs))
    .map((r, i) => ({ ...r, order: i }))
    .sort((a, b) => a.segment - b.segment || a.timeMs - b.timeMs || a.order - b.order);
  const lastIndexOf = new Map<number, number>();
  timed.forEach((r, i) => lastIndexOf.set(r.iteration, i));

  let productiveMs = 0;
  let lostMs = 0;
  let keptIterations = 0;
  let lostIterations = 0;
  timed.forEach((r, i) => {
    const prev = i > 0 ? timed[i - 1] : undefined;
    const from = prev && prev.segment === r.segment ? prev.timeMs : r.timeMs - Math.max(0, r.elapsedMs ?? 0);
    const ms = clippedLength(from, r.timeMs, window);
    if (lastIndexOf.get(r.iteration) === i) {
      productiveMs += ms;
      keptIterations++;
    } else {
      lostMs += ms;
      lostIterations++;
    }
  });
  return {
    ettr: totalMs > 0 ? productiveMs / totalMs : 0,
    productiveMs,
    lostMs,
    totalMs,
    keptIterations,
    lostIterations,
  };
}

function clippedLength(from: number, to: number, w: EttrWindow): number {
  return Math.max(0, Math.min(to, w.endMs) - Math.max(from, w.startMs));
}
