// What the run header shows, from the polled overview and the charts' newest live point (whichever is newer), how
// old it is, and the last validation loss with its perplexity. Pure: the rules are unit-tested.
import type { Overview } from '@trainboard/shared/api';
import type { NewestPoint } from './newestPoint.js';

export interface HeaderValues {
  iteration: number | null;
  trainIters: number | null;
  lmLoss: number | null;
  consumedTokens: number | null;
  /** When the shown iteration was logged (server clock), null when unknown. */
  timeMs: number | null;
  /** The values came from the live series (newer than the last poll). */
  fromLive: boolean;
}

/**
 * The overview's latest iteration, or the live point when it is newer (logged later). Newer by time, not by
 * iteration: after a restart the live iteration drops below the polled one, and the live one is the truth.
 */
export function headerValues(latest: Overview['latest'], live: NewestPoint | null): HeaderValues {
  const polled: HeaderValues = {
    iteration: latest?.iteration ?? null,
    trainIters: latest?.trainIters ?? null,
    lmLoss: latest?.lmLoss ?? null,
    consumedTokens: latest?.consumedTokens ?? null,
    timeMs: latest?.timeMs ?? null,
    fromLive: false,
  };
  if (!live || !isNewer(live, latest)) return polled;
  return {
    iteration: live.iteration,
    trainIters: polled.trainIters,
    lmLoss: live.lmLoss,
    consumedTokens: live.consumedTokens ?? polled.consumedTokens,
    timeMs: live.timeMs,
    fromLive: true,
  };
}

function isNewer(live: NewestPoint, latest: Overview['latest']): boolean {
  if (!latest) return true;
  if (live.timeMs === null) return false;
  return latest.timeMs === null || live.timeMs > latest.timeMs;
}

export interface Freshness {
  stale: boolean;
  /** Age of the value against the page clock, ms (null when its time is unknown). */
  ageMs: number | null;
}

/**
 * A value is stale when it is older than the run's freshness window, and every value is stale while the server
 * cannot be reached (nothing shown is live then, whatever its age).
 */
export function freshness(timeMs: number | null, nowMs: number, freshnessMs: number, connected: boolean): Freshness {
  const ageMs = timeMs === null ? null : Math.max(nowMs - timeMs, 0);
  return { stale: !connected || (ageMs !== null && ageMs > freshnessMs), ageMs };
}

export interface LastValidation {
  group: string;
  iteration: number;
  loss: number;
  /** exp(loss), as Megatron prints it beside the loss. */
  perplexity: number;
}

/** The newest validation loss: the `valid` group's when there is one (the main set), else the first group's. */
export function lastValidation(groups: Record<string, readonly [number, number | null][]>): LastValidation | null {
  const names = Object.keys(groups);
  const group = names.includes('valid') ? 'valid' : names[0];
  if (group === undefined) return null;
  const points = groups[group] ?? [];
  for (let i = points.length - 1; i >= 0; i--) {
    const [iteration, loss] = points[i]!;
    if (loss !== null && Number.isFinite(loss)) return { group, iteration, loss, perplexity: Math.exp(loss) };
  }
  return null;
}
