// The newest live point of each run, shared by the charts (which publish it as batches arrive) and the header (which
// reads it), so both show the same iteration, loss and time: the header does not wait for its next poll.
import { useSyncExternalStore } from 'react';
import { fromWireNumber } from '@trainboard/shared/metrics/fields';
import type { LivePoint } from '@trainboard/shared/realtime';

/** What the header takes from a live point. */
export interface NewestPoint {
  iteration: number;
  timeMs: number | null;
  lmLoss: number | null;
  consumedTokens: number | null;
  /** The point's position in the run's stream: a later point has a larger id. */
  id: number;
}

const newest = new Map<number, NewestPoint>();
const listeners = new Set<() => void>();

/** Records the newest of `points` (stream order: the largest id) for `runId`. */
export function publishLivePoints(runId: number, points: readonly LivePoint[]): void {
  let last: LivePoint | null = null;
  for (const p of points) if (!last || p.id > last.id) last = p;
  const before = newest.get(runId);
  if (!last || (before && before.id >= last.id)) return;
  newest.set(runId, {
    id: last.id,
    iteration: last.iteration,
    timeMs: last.timeMs,
    lmLoss: fromWireNumber(last.values.lmLoss ?? null),
    consumedTokens: fromWireNumber(last.values.consumedTokens ?? null),
  });
  for (const l of listeners) l();
}

/** Forgets a run's point (tests; a page of another run does not need it). */
export function forgetLivePoints(runId: number): void {
  if (newest.delete(runId)) for (const l of listeners) l();
}

export function newestLivePoint(runId: number): NewestPoint | null {
  return newest.get(runId) ?? null;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

export function useNewestLivePoint(runId: number): NewestPoint | null {
  return useSyncExternalStore(subscribe, () => newestLivePoint(runId));
}
