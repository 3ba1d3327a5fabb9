// The run's metric series: loaded over REST for the viewed range (min/max downsampled by the server), then kept
// live from socket.io `points` batches. A batch whose prevSeq is not the last seq applied means points were missed:
// the client resubscribes with afterSeq and the server replays them. A restart (an iteration at or below the last
// one) replaces the tail from that iteration on, as the server's current series does.
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { fromWireNumber, type MetricField } from '@trainboard/shared/metrics/fields';
import { acceptBatch, type ClientToServerEvents, type LivePoint, type PointsBatch, type ServerToClientEvents } from '@trainboard/shared/realtime';
import { api } from './api.js';
import { CHART_FIELDS } from './chartFields.js';
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
export function applyLive(points: readonly Point[], fresh: readonly LivePoint[], field: MetricField, to: number | null): readonly Point[] {
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

export function useLiveSeries(runId: number, from: number | null, to: number | null): { series: SeriesMap; live: boolean; error: string | null; updates: number } {
  const [series, setSeries] = useState<SeriesMap>({});
  const [live, setLive] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [updates, setUpdates] = useState(0);
  const lastSeq = useRef(0);

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
    const subscribe = () =>
      socket?.emit('subscribe', { runId, afterSeq: lastSeq.current }, (ack) => {
        if (!alive) return;
        if (!ack.ok) return setError(ack.message);
        setLive(true);
      });
    const onBatch = (batch: PointsBatch) => {
      if (batch.runId !== runId) return;
      const { gap, fresh } = acceptBatch(lastSeq.current, batch);
      if (gap) return void subscribe(); // the replay brings the missed points; this batch's come again with it
      if (fresh.length === 0) return;
      lastSeq.current = batch.seq;
      pending.push(...fresh);
      flushTimer ??= setTimeout(flush, LIVE_FLUSH_MS);
    };
    (takePrefetchedSeries(runId, from, to) ?? api.series(runId, CHART_FIELDS, from, to)).then(
      (res) => {
        if (!alive) return;
        lastSeq.current = res.seq;
        const loaded: SeriesMap = {};
        for (const f of CHART_FIELDS) {
          const s = res.series[f];
          if (s) loaded[f] = { points: s.points.map(([x, y]) => [x, fromWireNumber(y)]), sampled: s.sampled };
        }
        setSeries(loaded);
        setError(null);
        socket = io({ transports: ['websocket'] });
        socket.on('connect', () => void subscribe());
        socket.on('disconnect', () => alive && setLive(false));
        socket.on('points', onBatch);
      },
      (err: unknown) => alive && setError((err as Error).message),
    );
    return () => {
      alive = false;
      clearTimeout(flushTimer);
      socket?.disconnect();
      setLive(false);
    };
  }, [runId, from, to]);

  return { series, live, error, updates };
}
