// One live chart: the raw series faint, its debiased EMA on top, optional overlays (validation groups), the run's
// annotations as vertical lines, log scale, and drag-to-zoom that reports an iteration range (the page re-asks the
// server for it). A "sampled" badge says when the server returned min/max buckets rather than every point.
import { memo, useMemo, useState } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { debiasedEma } from '@trainboard/shared/dashboard/smoothing';
import { formatCount, formatValue } from '@trainboard/shared/dashboard/format';
import type { XAxis as XAxisKind } from '@trainboard/shared/dashboard/viewState';
import type { Annotation } from './api.js';
import type { Point } from './liveSeries.js';

export interface Overlay {
  name: string;
  points: Point[];
}

interface Props {
  id: string;
  title: string;
  points: Point[];
  sampled: boolean;
  overlays?: Overlay[];
  annotations: Annotation[];
  smoothing: number;
  log: boolean;
  xKind: XAxisKind;
  /** Maps an iteration to the x value of the chosen axis (identity for iterations). */
  toX: (iteration: number) => number | null;
  scaleY?: (v: number) => number;
  onZoom: (from: number, to: number) => void;
}

/** Above this many checkpoints (or evaluations) in view, they are not drawn (zoom in to see them). */
const MAX_ROUTINE_MARKS = 40;

const OVERLAY_COLORS = ['#f59e0b', '#10b981', '#ec4899', '#8b5cf6', '#14b8a6', '#ef4444'];
const ANNOTATION_COLORS: Record<Annotation['kind'], string> = {
  start: '#22c55e', restart: '#f97316', checkpoint: '#64748b', end: '#a3a3a3', failure: '#ef4444', eval: '#8b5cf6',
};

interface Row {
  it: number;
  x: number;
  raw: number | null;
  smooth: number | null;
  /** Overlay k's value at this iteration, as `o<k>`. */
  [overlay: `o${number}`]: number | null | undefined;
}

function MetricChartInner(p: Props) {
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  // One data array for every line (overlays merged in by iteration): recharts' tooltip and mouse positions index
  // into a single array, and lines with their own data would make those indexes ambiguous.
  const overlayNames = useMemo(() => (p.overlays ?? []).map((o) => o.name), [p.overlays]);
  const rows = useMemo(() => {
    const ys = p.points.map(([, y]) => (y === null ? null : p.scaleY ? p.scaleY(y) : y));
    const plot = (v: number | null) => (v === null || !Number.isFinite(v) || (p.log && v <= 0) ? null : v);
    const smooth = debiasedEma(ys, p.smoothing);
    const byIteration = new Map<number, Row>();
    p.points.forEach(([it], i) => byIteration.set(it, { it, x: 0, raw: plot(ys[i] ?? null), smooth: plot(smooth[i] ?? null) }));
    (p.overlays ?? []).forEach((o, k) => {
      for (const [it, y] of o.points) {
        let row = byIteration.get(it);
        if (!row) byIteration.set(it, (row = { it, x: 0, raw: null, smooth: null }));
        row[`o${k}`] = plot(y);
      }
    });
    const out: Row[] = [];
    for (const row of [...byIteration.values()].sort((a, b) => a.it - b.it)) {
      const x = p.toX(row.it);
      if (x !== null) out.push({ ...row, x });
    }
    return out;
  }, [p.points, p.overlays, p.smoothing, p.log, p.toX, p.scaleY]);
  const lines = useMemo(() => {
    const lo = rows[0]?.it ?? 0;
    const hi = rows.at(-1)?.it ?? 0;
    // One line per (kind, iteration): a failure is often reported by several lines (the error, the launcher's summary).
    const seen = new Set<string>();
    const inView = p.annotations.filter((a) => {
      const key = `${a.kind}:${a.iteration}`;
      if (a.iteration === null || a.iteration < lo || a.iteration > hi || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // Routine marks (a checkpoint every 100 iterations of a 115k run) would hide the curve and cost thousands of SVG
    // elements: they are drawn once zoomed in enough; restarts, failures, starts and ends always.
    const routine = (k: Annotation['kind']) => k === 'checkpoint' || k === 'eval';
    const tooMany = (k: Annotation['kind']) => inView.filter((a) => a.kind === k).length > MAX_ROUTINE_MARKS;
    const hidden = new Set((['checkpoint', 'eval'] as const).filter(tooMany));
    return inView.flatMap((a) => {
      if (routine(a.kind) && hidden.has(a.kind as 'checkpoint' | 'eval')) return [];
      const x = p.toX(a.iteration as number);
      return x === null ? [] : [{ ...a, x }];
    });
  }, [p.annotations, p.toX, rows]);
  const nanCount = p.points.filter(([, y]) => y !== null && !Number.isFinite(y)).length;
  const lastRaw = p.points.at(-1)?.[1] ?? null;
  const last = lastRaw !== null && p.scaleY ? p.scaleY(lastRaw) : lastRaw;
  // From the hovered x value (activeLabel), not the tooltip index: with overlay lines carrying their own data the
  // index does not point into `rows`. Nearest row by x, rows being sorted by x.
  const iterationAt = (label: unknown): number | undefined => {
    const x = Number(label);
    if (label === undefined || label === null || !Number.isFinite(x) || rows.length === 0) return undefined;
    let lo = 0;
    let hi = rows.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((rows[mid] as Row).x <= x) lo = mid;
      else hi = mid;
    }
    const a = rows[lo] as Row;
    const b = rows[hi] as Row;
    return Math.abs(a.x - x) <= Math.abs(b.x - x) ? a.it : b.it;
  };
  const formatX = (x: number) => (p.xKind === 'time' ? new Date(x).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : formatCount(x));

  return (
    <section className="chart" data-testid={`chart-${p.id}`}>
      <header>
        <h3>{p.title}</h3>
        <span className="value">{formatValue(last)}</span>
        {p.sampled && <span className="badge" title="min/max buckets: every spike and dip is kept, not every point">sampled</span>}
        {nanCount > 0 && <span className="badge bad">{nanCount} NaN/Inf</span>}
        <span className="count" data-testid={`points-${p.id}`}>{rows.length} pts</span>
      </header>
      {rows.length === 0 ? <div className="empty">no data yet</div> : (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart
            data={rows}
            margin={{ top: 8, right: 16, bottom: 0, left: 0 }}
            onMouseDown={(s) => { const it = iterationAt(s.activeLabel); if (it !== undefined) setDrag({ a: it, b: it }); }}
            onMouseMove={(s) => { const it = iterationAt(s.activeLabel); if (drag && it !== undefined) setDrag({ a: drag.a, b: it }); }}
            onMouseUp={() => {
              if (drag && drag.a !== drag.b) p.onZoom(Math.min(drag.a, drag.b), Math.max(drag.a, drag.b));
              setDrag(null);
            }}
          >
            <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
            <XAxis dataKey="x" type="number" domain={['dataMin', 'dataMax']} tickFormatter={formatX} stroke="var(--muted)" fontSize={11} allowDuplicatedCategory={false} />
            <YAxis scale={p.log ? 'log' : 'auto'} domain={['auto', 'auto']} allowDataOverflow={p.log} tickFormatter={(v: number) => formatValue(v)} stroke="var(--muted)" fontSize={11} width={64} />
            <Tooltip
              contentStyle={{ background: 'var(--panel)', border: '1px solid var(--grid)' }}
              labelFormatter={(x) => `${p.xKind === 'iteration' ? 'iteration' : p.xKind} ${formatX(Number(x))}`}
              formatter={(v) => formatValue(typeof v === 'number' ? v : null)}
            />
            {lines.map((a, i) => (
              <ReferenceLine key={`${a.kind}-${i}`} x={a.x} stroke={ANNOTATION_COLORS[a.kind]} strokeOpacity={a.kind === 'checkpoint' || a.kind === 'eval' ? 0.35 : 0.9}
                strokeDasharray={a.kind === 'eval' ? '2 3' : undefined} ifOverflow="hidden"
                label={a.kind === 'restart' || a.kind === 'failure' ? { value: a.label, fill: ANNOTATION_COLORS[a.kind], fontSize: 10, position: a.kind === 'failure' ? 'insideTopRight' : 'insideBottomLeft' } : undefined} />
            ))}
            <Line dataKey="raw" name="raw" stroke="var(--accent)" strokeOpacity={p.smoothing > 0 ? 0.25 : 1} dot={false} isAnimationActive={false} connectNulls strokeWidth={1} />
            {p.smoothing > 0 && <Line dataKey="smooth" name="smoothed" stroke="var(--accent)" dot={false} connectNulls isAnimationActive={false} strokeWidth={1.6} />}
            {overlayNames.map((name, i) => (
              <Line key={name} dataKey={`o${i}`} name={name} stroke={OVERLAY_COLORS[i % OVERLAY_COLORS.length]} dot={rows.length < 400 ? { r: 2 } : false} connectNulls isAnimationActive={false} strokeWidth={1.4} />
            ))}
            {drag && drag.a !== drag.b && <ReferenceArea x1={p.toX(drag.a) ?? undefined} x2={p.toX(drag.b) ?? undefined} fill="var(--accent)" fillOpacity={0.15} />}
          </LineChart>
        </ResponsiveContainer>
      )}
      {overlayNames.length > 0 && <div className="legend">{overlayNames.map((name, i) => <span key={name} style={{ color: OVERLAY_COLORS[i % OVERLAY_COLORS.length] }}>● {name}</span>)}</div>}
    </section>
  );
}

export const MetricChart = memo(MetricChartInner);
