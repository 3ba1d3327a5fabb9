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
import { notifyRunUpdated } from './health/runUpdates.js';
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

/** One series of a store, for one chart: read it, and hear when it changes. */
export interface SeriesSource {
  get(): Series | undefined;
  subscribe(onChange: () => void): () => void;
}

/**
 * The run page's series, outside React state: a live update tells each changed series' chart directly, which
 * draws on its canvas in the same task as the others, with no render of the page or of the chart list.
 */
export interface SeriesStore {
  /** A stable source per field. */
  source(field: MetricField): SeriesSource;
  /** The fields with at least one point; a new array only when that set changes (charts appear, not redraw). */
  present(): readonly MetricField[];
  subscribePresent(onChange: () => void): () => void;
  /** Replaces everything (a /series response). */
  replace(map: SeriesMap): void;
  /** Appends live points (`to`: the view's upper end, points past it are not shown). */
  append(fresh: readonly LivePoint[], to: number | null): void;
}

export function createSeriesStore(): SeriesStore {
  let map: SeriesMap = {};
  let present: readonly MetricField[] = [];
  const listeners = new Map<MetricField, Set<() => void>>();
  const presentListeners = new Set<() => void>();
  const sources = new Map<MetricField, SeriesSource>();
  const notify = (fields: readonly MetricField[]) => {
    const now = CHART_FIELDS.filter((f) => (map[f]?.points.length ?? 0) > 0);
    if (now.join() !== present.join()) {
      present = now;
      for (const l of presentListeners) l();
    }
    for (const f of fields) for (const l of listeners.get(f) ?? []) l();
  };
  return {
    source(field) {
      let s = sources.get(field);
      if (!s) {
        s = {
          get: () => map[field],
          subscribe(onChange) {
            const set = listeners.get(field) ?? new Set();
            listeners.set(field, set);
            set.add(onChange);
            return () => set.delete(onChange);
          },
        };
        sources.set(field, s);
      }
      return s;
    },
    present: () => present,
    subscribePresent(onChange) {
      presentListeners.add(onChange);
      return () => presentListeners.delete(onChange);
    },
    replace(next) {
      map = next;
      notify(CHART_FIELDS);
    },
    append(fresh, to) {
      const changed: MetricField[] = [];
      const next: SeriesMap = { ...map };
      for (const f of CHART_FIELDS) {
        const before = map[f];
        const points = applyLive(before?.points ?? NO_POINTS, fresh, f, to);
        if (before && points === before.points) continue; // unchanged: its chart is not told
        if (!before && points.length === 0) continue;
        next[f] = { points, sampled: before?.sampled ?? false };
        changed.push(f);
      }
      map = next;
      notify(changed);
    },
  };
}

/**
 * Loads the run's series for the viewed range and keeps them live. Live points are buffered for LIVE_FLUSH_MS, then
 * applied to every chart in one task. (Not in requestAnimationFrame: a canvas drawn inside the frame callback made
 * Chromium's software compositor commit ~5× slower than one drawn in a task, measured by the dashboard bench.)
 */
export function useLiveSeries(
  runId: number,
  from: number | null,
  to: number | null,
): { store: SeriesStore; live: boolean; error: string | null } {
  const [store] = useState(createSeriesStore);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
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
      store.append(fresh, to);
    };
    const stream = createLiveSubscription({
      runId,
      sendSubscribe: (request, ack) => socket?.emit('subscribe', request, ack),
      loadSeries: () => api.series(runId, CHART_FIELDS, from, to),
      onSeries: (res) => {
        pending = []; // older than the response, which already holds them
        store.replace(toSeriesMap(res));
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
        socket.on('run.updated', (e) => notifyRunUpdated(e.runId)); // re-read the header now (health/runUpdates.ts)
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
  }, [store, runId, from, to]);

  return { store, live, error };
}
