// The run's health as this page sees it: the server's inputs, recomputed every second with the page's connection
// and a clock mapped to the server's, so a stall or a lost server shows without waiting for the next poll. The
// charts' newest live point counts as the newest line (it is newer than the poll when it arrived later).
import { useEffect, useMemo, useState } from 'react';
import { runHealth, type HealthInputs, type RunHealth } from '@trainboard/shared/dashboard/runHealth';
import type { ConnectionState } from './connection.js';
import type { NewestPoint } from './newestPoint.js';
import { pageNowMs, toServerMs } from './serverClock.js';

export const HEALTH_TICK_MS = 1_000;

/** The browser clock, re-read every `everyMs`. */
export function useTicker(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export interface PageHealth {
  health: RunHealth;
  /** The page's clock in server time (stopped while the connection is lost). */
  nowMs: number;
  /** When the connection was lost, in server time (null while connected). */
  lostAtMs: number | null;
}

export function useRunHealth(
  inputs: HealthInputs | null,
  receivedAtMs: number,
  connection: ConnectionState,
  live: NewestPoint | null,
): PageHealth | null {
  const browserNow = useTicker(HEALTH_TICK_MS);
  const withLive = useMemo(() => (inputs ? withLivePoint(inputs, live) : null), [inputs, live]);
  if (!withLive) return null;
  const nowMs = pageNowMs(withLive.nowMs, receivedAtMs, browserNow, connection.lostAtMs);
  const lostAtMs = connection.lostAtMs === null ? null : toServerMs(connection.lostAtMs, withLive.nowMs, receivedAtMs);
  const health = runHealth({ ...withLive, nowMs, connection: { connected: connection.connected, sinceMs: lostAtMs } });
  return { health, nowMs, lostAtMs };
}

/** The inputs with the live point as the latest iteration and newest line, when it is newer than the poll. */
export function withLivePoint(inputs: HealthInputs, live: NewestPoint | null): HealthInputs {
  if (!live || live.timeMs === null) return inputs;
  const polled = inputs.latestIteration?.timeMs ?? null;
  if (polled !== null && polled >= live.timeMs) return inputs;
  return {
    ...inputs,
    latestIteration: { iteration: live.iteration, timeMs: live.timeMs },
    lastLineMs: Math.max(inputs.lastLineMs ?? 0, live.timeMs),
  };
}
