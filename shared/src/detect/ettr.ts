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
  const timed = rows
    .filter((r): r is EttrIteration & { timeMs: number } => typeof r.timeMs === 'number' && Number.isFinite(r.timeMs))
    .map((r, i) => ({ ...r, order: i }))
    .sort((a, b) => a.segment - b.segment || a.timeMs - b.timeMs || a.order - b.order);
  const lastIndexOf = new Map<number, number>();
  timed.forEach((r, i) => lastIndexOf.set(r.iteration, i));
  const acc = createEttrAccumulator(window);
  timed.forEach((r, i) => acc.add({ ...r, kept: lastIndexOf.get(r.iteration) === i }));
  return acc.result();
}

/**
 * The same sums over rows fed one at a time in logged order, each already marked kept or lost — what a store that
 * flags superseded rows (the server's `is_current`, false once a later segment ran the number again) can stream
 * page by page without holding the run in memory.
 */
export function createEttrAccumulator(window: EttrWindow) {
  const totalMs = Math.max(0, window.endMs - window.startMs);
  const sums = { productiveMs: 0, lostMs: 0, keptIterations: 0, lostIterations: 0 };
  let prev: { segment: number; timeMs: number } | null = null;
  return {
    add(r: Omit<EttrIteration, 'iteration'> & { kept: boolean }): void {
      if (typeof r.timeMs !== 'number' || !Number.isFinite(r.timeMs)) return;
      const from = prev && prev.segment === r.segment ? prev.timeMs : r.timeMs - Math.max(0, r.elapsedMs ?? 0);
      const ms = clippedLength(from, r.timeMs, window);
      if (r.kept) {
        sums.productiveMs += ms;
        sums.keptIterations++;
      } else {
        sums.lostMs += ms;
        sums.lostIterations++;
      }
      prev = { segment: r.segment, timeMs: r.timeMs };
    },
    result(): EttrResult {
      return { ettr: totalMs > 0 ? sums.productiveMs / totalMs : 0, totalMs, ...sums };
    },
  };
}

function clippedLength(from: number, to: number, w: EttrWindow): number {
  return Math.max(0, Math.min(to, w.endMs) - Math.max(from, w.startMs));
}

/** Job states in which a run is still using (or waiting for) the cluster: its window is still open. */
const LIVE_JOB_STATES: ReadonlySet<string> = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED']);

/**
 * A run's ETTR window as the server knows it: from its first submit (a controlled run's creation, else its first
 * job's submit or start, else its first iteration's start) to now while it is active or has a live job, else to
 * its last record (last iteration or last job end). Null when the run has no time at all yet.
 */
export function ettrWindow(input: {
  submittedAtMs: number | null;
  active: boolean;
  jobs: readonly { state: string; submittedAt: number | null; startedAt: number | null; endedAt: number | null }[];
  first: { timeMs: number | null; elapsedMs: number | null } | null;
  lastTimeMs: number | null;
  nowMs: number;
}): EttrWindow | null {
  const jobStarts = input.jobs.map((j) => j.submittedAt ?? j.startedAt).filter((t): t is number => t !== null);
  const firstRow =
    input.first?.timeMs !== null && input.first?.timeMs !== undefined
      ? input.first.timeMs - Math.max(0, input.first.elapsedMs ?? 0)
      : null;
  const startMs = input.submittedAtMs ?? (jobStarts.length ? Math.min(...jobStarts) : firstRow);
  if (startMs === null) return null;
  const live = input.active || input.jobs.some((j) => LIVE_JOB_STATES.has(j.state));
  const ends = [input.lastTimeMs, ...input.jobs.map((j) => j.endedAt)].filter((t): t is number => t !== null);
  const endMs = live ? input.nowMs : ends.length ? Math.max(...ends) : startMs;
  return { startMs, endMs: Math.max(startMs, endMs) };
}
