// The run's metric series: loaded over REST for the viewed range (min/max downsampled by the server), then kept
// live from socket.io `points` batches (liveSubscription.ts: gaps are replayed, and a client too far behind reloads
// over REST). A restart (an iteration at or below the last one) replaces the tail from that iteration on, as the
// server's current series does.
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { fromWireNumber, type MetricField } from '@trainboard/shared/metrics/fields';
import type { ClientToServerEvents, LivePoint, ServerToClientEvents } from '@trainboard/shared/realtime';
import { api, type SeriesResponse } from './api.js';
import { CHART_FIELDS } from './chartFields.js';
import { publishLivePoints } from './health/newestPoint.js';
import { createLiveSubscription } from './liveSubscription.js';
import { takePrefetchedSeries } from './seriesPrefetch.js';

export type Point = [x: number, y: number | null];
export interface Series {
  points: readonly Point[];
  sampled: boolean;
}
export type SeriesMap = Partial<Record<MetricField, Series>>;

/**
 * Live points are applied at most this often: batches can arrive every 100 ms (a fast run, a replay), and one
 * render of seven charts costs more than that on a slow machine; rendering per batch would fall further and further
 * behind. Buffered points are applied together, so the charts lag the log by at most this (plus one render).
 */
export const LIVE_FLUSH_MS = 300;

const NO_POINTS: readonly Point[] = [];

/**
 * Appends live points to a series, replacing the tail a restart supersedes. Returns a new array, or `points` itself
 * when no point applies (the chart keeps its memoised drawing).
 */
export function applyLive(
  points: readonly Point[],
  fresh: readonly LivePoint[],
  field: MetricField,
  to: number | null,
): readonly Point[] {
  let out: Point[] | null = null;
  for (const p of fresh) {
    if (to !== null && p.iteration > to) continue;
    const raw = p.values[field];
    if (raw === undefined || raw === null) continue;
    out ??= points.slice();
    const last = out.at(-1);
    if (last && p.iteration <= last[0]) out = out.filter((q) => q[0] < p.iteration);
    out.push([p.iteration, fromWireNumber(raw)]);
  }
  return out ?? points;
}

/** A /series response as chart series, NaN and infinities restored from their wire spelling. */
function toSeriesMap(res: SeriesResponse): SeriesMap {
  const loaded: SeriesMap = {};
  for (const f of CHART_FIELDS) {
    const s = res.series[f];
    if (s) loaded[f] = { points: s.points.map(([x, y]) => [x, fromWireNumber(y)]), sampled: s.sampled };
  }
  return loaded;
}

export function useLiveSeries(
  runId: number,
  from: number | null,
  to: number | null,
): { series: SeriesMap; live: boolean; error: string | null; updates: number } {
  const [series, setSeries] = useState<SeriesMap>({});
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [updates, setUpdates] = useState(0);
  useEffect(() => {
    let alive = true;
    let socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
    let pending: LivePoint[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      flushTimer = undefined;
      const fresh = pending;
      pending = [];
      if (!alive || fresh.length === 0) return;
      publishLivePoints(runId, fresh); // the header shows the newest point the charts draw (health/newestPoint.ts)
      setSeries((prev) => {
        const next: SeriesMap = {};
        for (const f of CHART_FIELDS) {
          const before = prev[f];
          const points = applyLive(before?.points ?? NO_POINTS, fresh, f, to);
          // An unchanged series keeps its identity: its chart is not re-rendered.
          next[f] = before && points === before.points ? before : { points, sampled: before?.sampled ?? false };
        }
        return next;
      });
      setUpdates((n) => n + 1);
    };
    const stream = createLiveSubscription({
      runId,
      sendSubscribe: (request, ack) => socket?.emit('subscribe', request, ack),
      loadSeries: () => api.series(runId, CHART_FIELDS, from, to),
      onSeries: (res) => {
        pending = []; // older than the response, which already holds them
        setSeries(toSeriesMap(res));
        setError(null);
      },
      onPoints: (fresh) => {
        pending.push(...fresh);
        flushTimer ??= setTimeout(flush, LIVE_FLUSH_MS);
      },
      onLive: (on) => alive && setLive(on),
      onError: (message) => alive && setError(message),
    });
    stream.load(takePrefetchedSeries(runId, from, to) ?? api.series(runId, CHART_FIELDS, from, to)).then(
      (ok) => {
        if (!ok) return;
        socket = io({ transports: ['websocket'] });
        socket.on('connect', () => stream.subscribe());
        socket.on('disconnect', () => alive && setLive(false));
        socket.on('points', stream.onBatch);
      },
      (err: unknown) => alive && setError((err as Error).message),
    );
    return () => {
      alive = false;
      stream.stop();
      clearTimeout(flushTimer);
      socket?.disconnect();
      setLive(false);
    };
  }, [runId, from, to]);

  return { series, live, error, updates };
}
