// One chart: the raw series faint, its debiased EMA on top, optional overlays (validation groups, compared runs),
// the run's marks as vertical lines, log scale, the page's shared cursor with a read-out, drag-to-zoom (mouse or
// touch) that reports an iteration range, and keyboard read-out. The width comes from the card (ResizeObserver).
// A live point repaints the canvas without a React render (useLivePlot); the SVG frame re-renders only when an
// axis changes. A "sampled" badge says when the server returned min/max buckets rather than every point.
import {
  memo,
  useCallback,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useSyncExternalStore,
  type RefObject,
} from 'react';
import { finiteExtent, pixelScale, unionExtent } from '@trainboard/shared/dashboard/chartScale';
import { formatCount, formatValue } from '@trainboard/shared/dashboard/format';
import { plotSeries, type PlotSeries } from '@trainboard/shared/dashboard/plotSeries';
import type { XAxis as XAxisKind } from '@trainboard/shared/dashboard/viewState';
import { ChartFrame, CHART_HEIGHT, plotAreaFor, type Mark } from './chart/ChartFrame.js';
import type { CursorStore } from './chart/cursor.js';
import { drawPlot, type PlotLine } from './chart/drawPlot.js';
import { LineSwatch } from './chart/LineSwatch.js';
import type { ChartAnnotation, MarkKind } from './chart/markStyle.js';
import { drawnPrefix, lastPoint, type DrawnState } from './chart/drawnPrefix.js';
import { PlotLayer } from './chart/PlotLayer.js';
import { chartSummary } from './chart/summary.js';
import { currentTheme, sizedContext, subscribeTheme, themeColors } from './chart/theme.js';
import { useContainerWidth } from './chart/useContainerWidth.js';
import { useLivePlot, type PlotShape } from './chart/useLivePlot.js';
import type { SeriesSource } from './liveSeries.js';

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
  source: SeriesSource;
  overlays?: readonly Overlay[];
  annotations: readonly ChartAnnotation[];
  smoothing: number;
  log: boolean;
  xKind: XAxisKind;
  /** Maps an iteration to the x value of the chosen axis (identity for iterations). */
  toX: (iteration: number) => number | null;
  scaleY?: (v: number) => number;
  /** A dot on each point of a sparse series (validation groups: a few evaluations are not a line). */
  dots?: boolean;
  cursor: CursorStore;
  onZoom: (from: number, to: number) => void;
}

/** Above this many checkpoints (or evaluations) in view, they are not drawn (zoom in to see them). */
const MAX_ROUTINE_MARKS = 40;
const OVERLAY_COLORS = ['#f59e0b', '#10b981', '#ec4899', '#8b5cf6', '#14b8a6', '#ef4444'];
const NO_OVERLAYS: readonly Overlay[] = [];
/** Compared runs are dashed: told apart from the validation lines without colour. */
const COMPARE_DASH = [6, 4];

/**
 * The chart's canvas and live texts: paints on every render that changes what is drawn, and, through useLivePlot, on
 * every live point without a render (drawing only the new points when the canvas already holds the rest).
 */
function useChartPaint(p: Props, width: number, overlays: ReturnType<typeof useOverlayLines>) {
  const theme = useSyncExternalStore(subscribeTheme, currentTheme);
  const refs = {
    canvas: useRef<HTMLCanvasElement>(null),
    value: useRef<HTMLSpanElement>(null),
    count: useRef<HTMLSpanElement>(null),
    caption: useRef<HTMLParagraphElement>(null),
  };
  const paint = useRef((_m: PlotSeries, _s: PlotShape) => {});
  const drawn = useRef<DrawnState | null>(null);
  // Before useLivePlot's effect: a live point that arrives next paints with this render's width and smoothing.
  useLayoutEffect(() => {
    paint.current = (main, shape) => {
      const area = plotAreaFor(width);
      const ctx = sizedContext(refs.canvas.current, area.width, area.height);
      if (ctx && shape.x && shape.y) {
        const el = ctx.canvas;
        const state: DrawnState = {
          main,
          key: shape.key,
          smoothing: p.smoothing,
          theme,
          el,
          size: el.width * 1e5 + el.height,
        };
        const px = pixelScale('linear', shape.x.domain, [0, area.width]);
        const py = pixelScale(p.log ? 'log' : 'linear', shape.y.domain, [area.height, 0]);
        const draw = { main, smoothing: p.smoothing, px, py, colors: themeColors(theme), dots: p.dots ?? false };
        const lines = drawPlot(ctx, area.width, area.height, draw, drawnPrefix(drawn.current, state));
        // For tests and the benchmark: what the last draw showed.
        el.dataset.lines = [...lines, ...overlays.lines.map((o) => o.name)].join(',');
        el.dataset.drawn = String(main.xs.length);
        drawn.current = { ...state, count: main.xs.length, last: lastPoint(main) };
      }
      writeTexts(main, { value: refs.value.current, count: refs.count.current });
    };
  });
  const { shape, main } = useLivePlot(
    p.source,
    { toX: p.toX, smoothing: p.smoothing, log: p.log, scaleY: p.scaleY, xKind: p.xKind, ...overlays.extent },
    paint,
  );
  const caption = refs.caption;
  const refreshCaption = useCallback(() => {
    if (caption.current && main.current) caption.current.textContent = chartSummary(main.current);
  }, [main, caption]);
  useLayoutEffect(() => {
    if (main.current) paint.current(main.current, shape);
    refreshCaption();
  }, [main, shape, width, theme, p.smoothing, refreshCaption]);
  return { shape, main, refs, refreshCaption };
}

function MetricChartInner(p: Props) {
  const [plotBox, width] = useContainerWidth<HTMLDivElement>();
  const overlays = useOverlayLines(p);
  const { shape, main, refs, refreshCaption } = useChartPaint(p, width, overlays);
  const { x, y } = shape;
  const area = plotAreaFor(width);
  const xLo = x?.domain[0] ?? 0;
  const xHi = x?.domain[1] ?? 0;
  const marks = useMemo(() => annotationMarks(p.annotations, p.toX, xLo, xHi), [p.annotations, p.toX, xLo, xHi]);
  const formatX = useCallback(
    (v: number) =>
      p.xKind === 'time'
        ? new Date(v).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
        : formatCount(v),
    [p.xKind],
  );
  const titleId = useId();
  const captionId = useId();
  const getMain = useCallback(() => main.current, [main]);

  return (
    <section className="chart" data-testid={`chart-${p.id}`} aria-labelledby={titleId}>
      <ChartHeader
        id={p.id}
        titleId={titleId}
        title={p.title}
        sampled={shape.sampled}
        nanCount={shape.nanCount}
        refs={refs}
      />
      <div className="plot" ref={plotBox} style={{ height: CHART_HEIGHT }}>
        {!x || !y || width === 0 ? (
          <div className="empty">no data yet</div>
        ) : (
          <>
            <ChartFrame
              width={width}
              x={x}
              y={y}
              log={p.log}
              formatX={formatX}
              {...(p.xKind === 'time' ? {} : { formatXExact: exactCount })}
              marks={marks}
            />
            <PlotLayer
              area={area}
              canvas={refs.canvas}
              getMain={getMain}
              overlays={overlays.lines}
              smoothing={p.smoothing}
              x={x}
              y={y}
              log={p.log}
              title={p.title}
              captionId={captionId}
              xLabel={p.xKind === 'iteration' ? null : p.xKind === 'time' ? 'time' : 'tokens'}
              formatX={formatX}
              marks={marks}
              cursor={p.cursor}
              onFocus={refreshCaption}
              onZoom={p.onZoom}
            />
          </>
        )}
      </div>
      <p className="visually-hidden" id={captionId} ref={refs.caption} />
      {overlays.lines.length > 0 && <OverlayLegend overlays={overlays.lines} />}
    </section>
  );
}

const exactCount = (v: number) => v.toLocaleString('en-US');

/** The latest value and the number of points, written straight into the DOM on a live point. (The caption is
 *  written on a full paint and when the chart gets the focus: a screen reader reads it then.) */
function writeTexts(main: PlotSeries, el: { value: HTMLElement | null; count: HTMLElement | null }): void {
  const n = main.values.length;
  if (el.value) el.value.textContent = formatValue(n > 0 ? (main.values[n - 1] as number) : null);
  if (el.count) el.count.textContent = `${n} pts`;
}

/** The overlays in plot coordinates, each through its own run's x mapping, and their extents for the axes. */
function useOverlayLines(p: Props): {
  lines: PlotLine[];
  extent: { overlayX: [number, number] | null; overlayY: [number, number] | null };
} {
  const overlaysIn = p.overlays ?? NO_OVERLAYS;
  return useMemo(() => {
    const lines = overlaysIn.map((o, k) => ({
      name: o.name,
      kind: o.kind,
      color: OVERLAY_COLORS[k % OVERLAY_COLORS.length] as string,
      dash: o.kind === 'compare' ? COMPARE_DASH : null,
      series: plotSeries(o.points, { toX: o.toX ?? p.toX, smoothing: 0, log: p.log, scaleY: p.scaleY }),
    }));
    return {
      lines,
      extent: {
        overlayX: unionExtent(...lines.map((o) => finiteExtent(o.series.xs))),
        overlayY: unionExtent(...lines.map((o) => finiteExtent(o.series.raw))),
      },
    };
  }, [overlaysIn, p.toX, p.log, p.scaleY]);
}

/** Title, latest value, the sampled and NaN badges, and the number of points drawn. */
function ChartHeader(h: {
  id: string;
  titleId: string;
  title: string;
  sampled: boolean;
  nanCount: number;
  refs: { value: RefObject<HTMLSpanElement | null>; count: RefObject<HTMLSpanElement | null> };
}) {
  return (
    <header>
      <h3 id={h.titleId}>{h.title}</h3>
      <span className="value" ref={h.refs.value} />
      {h.sampled && (
        <span className="badge" title="min/max buckets: every spike and dip is kept, not every point">
          sampled
        </span>
      )}
      {h.nanCount > 0 && <span className="badge bad">{h.nanCount} NaN/Inf</span>}
      <span className="count" data-testid={`points-${h.id}`} ref={h.refs.count} />
    </header>
  );
}

function OverlayLegend({ overlays }: { overlays: PlotLine[] }) {
  return (
    <ul className="legend" aria-label="lines">
      {overlays.map((o) => (
        <li key={o.name}>
          <LineSwatch color={o.color} dash={o.dash} />
          {o.name}
          {o.kind === 'compare' && <span className="visually-hidden"> (compared run, dashed)</span>}
        </li>
      ))}
    </ul>
  );
}

/**
 * The annotations inside the x domain, one per (kind, iteration): a failure is often reported by several lines (the
 * error, the launcher's summary). Routine marks (a checkpoint every 100 iterations of a 115k run) would hide the
 * curve: they are drawn once zoomed in enough; restarts, failures, starts and ends always.
 */
function annotationMarks(
  annotations: readonly ChartAnnotation[],
  toX: (it: number) => number | null,
  lo: number,
  hi: number,
): Mark[] {
  const seen = new Set<string>();
  const inView: Mark[] = [];
  for (const a of annotations) {
    const key = `${a.kind}:${a.iteration}:${a.kind === 'incident' ? a.label : ''}`;
    if (a.iteration === null || seen.has(key)) continue;
    const x = toX(a.iteration);
    if (x === null || x < lo || x > hi) continue;
    seen.add(key);
    inView.push({ kind: a.kind, label: a.label, x });
  }
  const tooMany = (k: MarkKind) => inView.filter((a) => a.kind === k).length > MAX_ROUTINE_MARKS;
  const hidden = new Set((['checkpoint', 'eval'] as const).filter(tooMany));
  return inView.filter((a) => !(hidden as Set<MarkKind>).has(a.kind));
}

export const MetricChart = memo(MetricChartInner);
