// Wall-clock time for rows of a log whose iteration lines carry no timestamp (bigscience and microsoft forks).
// Historical imports anchor on the lines that do carry one (`datetime:` milestones, PULSE lines, NVIDIA
// iteration timestamps) and walk forwards with `elapsed time per iteration` × iterations since the anchor.
// Rows before the first anchor of a process start are filled backwards when that anchor arrives
// (see ingestWriter). Every walked time is flagged estimated. Live ingest stamps arrival time instead.
// The state is plain JSON because it is committed with the cursor: a resumed import continues the same walk.

export interface ClockState {
  /** Wall time (epoch ms) of the last anchor or estimated iteration; null before the first anchor. */
  anchorMs: number | null;
  anchorEstimated: boolean;
  /** Iteration count completed at `anchorMs` (checkpoint loaded, or the last iteration), when known. */
  anchorIteration: number | null;
  /** Byte offset of the first iteration row still waiting for an anchor (time null), if any. */
  unanchoredFrom: number | null;
}

export interface StampedTime {
  timeMs: number | null;
  estimated: boolean;
}

export const initialClock = (): ClockState => ({
  anchorMs: null,
  anchorEstimated: false,
  anchorIteration: null,
  unanchoredFrom: null,
});

/**
 * Copies the walk's position into `mark` (a ClockState the caller keeps and reuses: no allocation per row).
 * The writer marks the clock before a row advances it and restores the mark when the row was already stored,
 * so a resumed import that sees a row again does not advance the walk twice for it.
 */
export function clockSave(c: ClockState, mark: ClockState): void {
  mark.anchorMs = c.anchorMs;
  mark.anchorEstimated = c.anchorEstimated;
  mark.anchorIteration = c.anchorIteration;
  mark.unanchoredFrom = c.unanchoredFrom;
}

/** Puts the walk back where `clockSave` marked it. */
export function clockRestore(c: ClockState, mark: ClockState): void {
  clockSave(mark, c);
}

/** A new process start: the previous process's clock tells nothing about when this one runs. */
export function clockOnRunStart(c: ClockState): void {
  c.anchorMs = null;
  c.anchorEstimated = false;
  c.anchorIteration = null;
  c.unanchoredFrom = null;
}

/** A line with its own wall time. The iteration count is unchanged by it. */
export function clockOnTimestamp(c: ClockState, timeMs: number): void {
  c.anchorMs = timeMs;
  c.anchorEstimated = false;
}

export function clockOnCheckpointLoaded(c: ClockState, iteration: number): void {
  c.anchorIteration = iteration;
}

/** Time of an iteration row; advances the walk. `offset` marks where backward filling must start. */
export function clockOnIteration(
  c: ClockState,
  iteration: number,
  iterationTimeMs: number | null,
  ownTimestamp: number | null,
  offset: number,
): StampedTime {
  let stamped: StampedTime;
  if (ownTimestamp !== null) {
    stamped = { timeMs: ownTimestamp, estimated: false };
  } else if (c.anchorMs !== null) {
    const steps = c.anchorIteration !== null && iteration > c.anchorIteration ? iteration - c.anchorIteration : 1;
    const elapsed = iterationTimeMs !== null && Number.isFinite(iterationTimeMs) ? iterationTimeMs * steps : 0;
    stamped = { timeMs: Math.round(c.anchorMs + elapsed), estimated: true };
  } else {
    if (c.unanchoredFrom === null) c.unanchoredFrom = offset;
    stamped = { timeMs: null, estimated: false };
  }
  c.anchorIteration = iteration;
  if (stamped.timeMs !== null) {
    c.anchorMs = stamped.timeMs;
    c.anchorEstimated = stamped.estimated;
  }
  return stamped;
}

/** Time of any other row: the current position of the walk. */
export function clockNow(c: ClockState): StampedTime {
  return c.anchorMs === null
    ? { timeMs: null, estimated: false }
    : { timeMs: c.anchorMs, estimated: c.anchorEstimated };
}

export interface UnanchoredRow {
  id: number;
  iteration: number;
  iterationTimeMs: number | null;
}

/**
 * Times for rows logged before an anchor at `anchorMs`, given newest first: the newest is placed at the anchor,
 * each older one earlier by the newer row's per-iteration time × the iterations between them.
 */
export function walkBackwards(rowsNewestFirst: readonly UnanchoredRow[], anchorMs: number): Map<number, number> {
  const times = new Map<number, number>();
  let t = anchorMs;
  let newer: UnanchoredRow | null = null;
  for (const row of rowsNewestFirst) {
    if (newer !== null) {
      const steps = newer.iteration > row.iteration ? newer.iteration - row.iteration : 1;
      const per = newer.iterationTimeMs !== null && Number.isFinite(newer.iterationTimeMs) ? newer.iterationTimeMs : 0;
      t -= per * steps;
    }
    times.set(row.id, Math.round(t));
    newer = row;
  }
  return times;
}
