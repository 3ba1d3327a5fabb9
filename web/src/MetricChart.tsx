// One live chart: the raw series faint, its debiased EMA on top, optional overlays (validation groups), the run's
// annotations as vertical lines, log scale, a hover read-out, and drag-to-zoom that reports an iteration range (the
// page re-asks the server for it). A "sampled" badge says when the server returned min/max buckets rather than every
// point. recharts draws the frame (ChartFrame) from domains computed here; the points go on a canvas (PlotLayer), so
// a live update costs a canvas redraw, and the frame re-renders only when a domain changes.
import { memo, useCallback, useMemo, useRef, useState } from 'react';
import { axisFrame, finiteExtent, unionExtent, type AxisFrame } from '@trainboard/shared/dashboard/chartScale';
import { formatCount, formatValue } from '@trainboard/shared/dashboard/format';
import { plotSeries, type PlotSeries } from '@trainboard/shared/dashboard/plotSeries';
import type { XAxis as XAxisKind } from '@trainboard/shared/dashboard/viewState';
import type { Annotation } from './api.js';
import { ChartFrame, CHART_HEIGHT, type Mark, type PlotArea } from './chart/ChartFrame.js';
import type { PlotLine } from './chart/drawPlot.js';
import { PlotLayer } from './chart/PlotLayer.js';
import type { Point } from './liveSeries.js';

/**
 * A line drawn over a chart's main series: a validation group of this run, or another run (or segment) compared with
 * it. `points` are [iteration, value]; `toX` maps THAT run's iterations to this chart's x axis (default: the chart's
 * own), so a compared run with its own token/time anchors lines up by tokens. Compare overlays are drawn dashed as
 * well as coloured (no signal by colour alone), and appear in the legend and the synced read-out.
 */
export interface Overlay {
  name: string;
  points: readonly (readonly [iteration: number, value: number | null])[];
  toX?: (iteration: number) => number | null;
  kind: 'validation' | 'compare';
}

interface Props {
  id: string;
  title: string;
  points: readonly Point[];
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
const NO_OVERLAYS: Overlay[] = [];
/** Compared runs are dashed: told apart from the validation lines without colour. */
const COMPARE_DASH = [6, 4];

function MetricChartInner(p: Props) {
  const { main, overlays } = usePlotLines(p);

  const n = main.xs.length;
  const xExtent = unionExtent(
    n > 0 ? [main.xs[0] as number, main.xs[n - 1] as number] : null,
    ...overlays.map((o) => finiteExtent(o.series.xs)),
  );
  const yExtent = unionExtent(finiteExtent(main.raw), ...overlays.map((o) => finiteExtent(o.series.raw)));
  const x = useStableFrame(xExtent && axisFrame(xExtent, p.xKind === 'time' ? 'time' : 'linear', 'fine'));
  const y = useStableFrame(yExtent && axisFrame(yExtent, p.log ? 'log' : 'linear'));

  const xLo = x?.domain[0];
  const xHi = x?.domain[1];
  const marks = useMemo(
    () => annotationMarks(p.annotations, p.toX, xLo ?? 0, xHi ?? 0),
    [p.annotations, p.toX, xLo, xHi],
  );
  const formatX = useCallback(
    (v: number) =>
      p.xKind === 'time'
        ? new Date(v).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
        : formatCount(v),
    [p.xKind],
  );
  const [area, setArea] = useState<PlotArea | null>(null);
  const onPlotArea = useCallback((a: PlotArea) => setArea((prev) => (prev && sameArea(prev, a) ? prev : a)), []);

  const nanCount = main.nonFinite.length;
  const lastRaw = p.points.at(-1)?.[1] ?? null;
  const last = lastRaw !== null && p.scaleY ? p.scaleY(lastRaw) : lastRaw;

  return (
    <section className="chart" data-testid={`chart-${p.id}`}>
      <ChartHeader id={p.id} title={p.title} last={last} sampled={p.sampled} nanCount={nanCount} count={n} />
      {!x || !y || n === 0 ? (
        <div className="empty">no data yet</div>
      ) : (
        <div className="plot" style={{ height: CHART_HEIGHT }}>
          <ChartFrame x={x} y={y} log={p.log} formatX={formatX} marks={marks} onPlotArea={onPlotArea} />
          {area && (
            <PlotLayer
              area={area}
              main={main}
              overlays={overlays}
              smoothing={p.smoothing}
              x={x}
              y={y}
              log={p.log}
              xLabel={p.xKind === 'iteration' ? null : p.xKind === 'time' ? 'time' : 'tokens'}
              formatX={formatX}
              onZoom={p.onZoom}
            />
          )}
        </div>
      )}
      {overlays.length > 0 && <OverlayLegend overlays={overlays} />}
    </section>
  );
}

/** The main series and the overlays (validation groups) in plot coordinates. */
function usePlotLines(p: Props): { main: PlotSeries; overlays: PlotLine[] } {
  const overlaysIn = p.overlays ?? NO_OVERLAYS;
  // Extends the previous result when live points were appended: a live update costs O(new points) here.
  const lastMain = useRef<PlotSeries | undefined>(undefined);
  const main = useMemo(
    () =>
      (lastMain.current = plotSeries(
        p.points,
        { toX: p.toX, smoothing: p.smoothing, log: p.log, ...(p.scaleY ? { scaleY: p.scaleY } : {}) },
        lastMain.current,
      )),
    [p.points, p.toX, p.smoothing, p.log, p.scaleY],
  );
  const overlays: PlotLine[] = useMemo(
    () =>
      overlaysIn.map((o, k) => ({
        name: o.name,
        color: OVERLAY_COLORS[k % OVERLAY_COLORS.length] as string,
        dash: o.kind === 'compare' ? COMPARE_DASH : null,
        series: plotSeries(o.points, { toX: o.toX ?? p.toX, smoothing: 0, log: p.log }),
      })),
    [overlaysIn, p.toX, p.log],
  );
  return { main, overlays };
}

/** Title, latest value, the sampled and NaN badges, and the number of points drawn. */
function ChartHeader(h: {
  id: string;
  title: string;
  last: number | null;
  sampled: boolean;
  nanCount: number;
  count: number;
}) {
  return (
    <header>
      <h3>{h.title}</h3>
      <span className="value">{formatValue(h.last)}</span>
      {h.sampled && (
        <span className="badge" title="min/max buckets: every spike and dip is kept, not every point">
          sampled
        </span>
      )}
      {h.nanCount > 0 && <span className="badge bad">{h.nanCount} NaN/Inf</span>}
      <span className="count" data-testid={`points-${h.id}`}>
        {h.count} pts
      </span>
    </header>
  );
}

function OverlayLegend({ overlays }: { overlays: PlotLine[] }) {
  return (
    <div className="legend">
      {overlays.map((o) => (
        <span key={o.name} style={{ color: o.color }}>
          ● {o.name}
        </span>
      ))}
    </div>
  );
}

/** The same object while domain and ticks are unchanged, so the memoised recharts frame is not re-rendered. */
function useStableFrame(frame: AxisFrame | null): AxisFrame | null {
  const key = frame && `${frame.domain.join()}|${frame.ticks.join()}`;
  // Keyed by value: a new frame object with the same domain and ticks keeps the previous one.
  return useMemo(() => frame, [key]);
}

function sameArea(a: PlotArea, b: PlotArea): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}

/**
 * The annotations inside the x domain, one per (kind, iteration): a failure is often reported by several lines (the
 * error, the launcher's summary). Routine marks (a checkpoint every 100 iterations of a 115k run) would hide the
 * curve and cost thousands of SVG elements: they are drawn once zoomed in enough; restarts, failures, starts and
 * ends always.
 */
function annotationMarks(
  annotations: readonly Annotation[],
  toX: (it: number) => number | null,
  lo: number,
  hi: number,
): Mark[] {
  const seen = new Set<string>();
  const inView: Mark[] = [];
  for (const a of annotations) {
    const key = `${a.kind}:${a.iteration}`;
    if (a.iteration === null || seen.has(key)) continue;
    const x = toX(a.iteration);
    if (x === null || x < lo || x > hi) continue;
    seen.add(key);
    inView.push({ kind: a.kind, label: a.label, x });
  }
  const tooMany = (k: Annotation['kind']) => inView.filter((a) => a.kind === k).length > MAX_ROUTINE_MARKS;
  const hidden = new Set((['checkpoint', 'eval'] as const).filter(tooMany));
  return inView.filter((a) => !(hidden as Set<Annotation['kind']>).has(a.kind));
}

export const MetricChart = memo(MetricChartInner);
