// Draws a chart's points on canvases the size of the plot area: the raw series faint under its EMA with a small
// mark at the top for every NaN/Inf value, and, on a canvas of their own that live points do not redraw, the
// overlays (validation groups) with dots when sparse. A few thousand lineTo calls take well under a millisecond;
// the same in SVG is a path string recharts rebuilds and lays out.
import type { PlotSeries } from '@trainboard/shared/dashboard/plotSeries';

export interface PlotLine {
  name: string;
  kind: 'validation' | 'compare';
  series: PlotSeries;
  color: string;
  /** Canvas line dash (compared runs); null = solid. */
  dash: readonly number[] | null;
}

export interface DrawInput {
  main: PlotSeries;
  smoothing: number;
  /** Data value → pixel within the plot area. */
  px: (x: number) => number;
  py: (y: number) => number;
  colors: { accent: string; bad: string };
  /** A dot on each point when the series is sparse (a validation group's own chart). */
  dots?: boolean;
}

/** Overlay series with fewer points than this get a dot on each (a handful of validation points). */
const DOT_BELOW = 60;

/**
 * Draws the main series and returns the names of the lines drawn (raw, smoothed). With `from` > 0 the canvas still
 * holds the drawing of the first `from` points on the same axes: only the lines from there on are added (a live
 * update then costs O(new points); the EMA of the old points does not change).
 */
export function drawPlot(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  d: DrawInput,
  from = 0,
): string[] {
  if (from === 0) ctx.clearRect(0, 0, width, height);
  const drawn: string[] = [];
  ctx.lineJoin = 'round';
  ctx.strokeStyle = d.colors.accent;
  ctx.globalAlpha = d.smoothing > 0 ? 0.25 : 1;
  ctx.lineWidth = 1;
  strokeLine(ctx, d.main.xs, d.main.raw, d.px, d.py, lastFiniteBefore(d.main.raw, from));
  drawn.push('raw');
  ctx.globalAlpha = 1;
  if (d.smoothing > 0) {
    ctx.lineWidth = 1.6;
    strokeLine(ctx, d.main.xs, d.main.smooth, d.px, d.py, lastFiniteBefore(d.main.smooth, from));
    drawn.push('smoothed');
  }
  // A sparse series (a validation group's own chart) gets a dot on each point: two points are not a trend.
  if (d.dots && d.main.xs.length < DOT_BELOW) {
    ctx.fillStyle = d.colors.accent;
    dots(ctx, d.main.xs, d.main.raw, d.px, d.py, from);
  }
  // NaN/Inf: a small downward triangle on the top edge, so a spike that broke the loss is seen where it happened.
  ctx.fillStyle = d.colors.bad;
  for (const i of d.main.nonFinite) {
    if (i < from) continue;
    const x = d.px(d.main.xs[i] as number);
    ctx.beginPath();
    ctx.moveTo(x - 4, 0);
    ctx.lineTo(x + 4, 0);
    ctx.lineTo(x, 6);
    ctx.fill();
  }
  return drawn;
}

/** Draws the overlays; returns their names. */
export function drawOverlays(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  overlays: readonly PlotLine[],
  px: (x: number) => number,
  py: (y: number) => number,
): string[] {
  ctx.clearRect(0, 0, width, height);
  ctx.lineJoin = 'round';
  for (const o of overlays) {
    ctx.strokeStyle = o.color;
    ctx.fillStyle = o.color;
    ctx.lineWidth = 1.4;
    ctx.setLineDash(o.dash ?? []);
    strokeLine(ctx, o.series.xs, o.series.raw, px, py);
    ctx.setLineDash([]);
    if (o.series.xs.length < DOT_BELOW) dots(ctx, o.series.xs, o.series.raw, px, py);
  }
  return overlays.map((o) => o.name);
}

/** One path through the finite values, bridging the gaps (as recharts' connectNulls did). */
function strokeLine(
  ctx: CanvasRenderingContext2D,
  xs: Float64Array,
  ys: Float64Array,
  px: (x: number) => number,
  py: (y: number) => number,
  start = 0,
): void {
  ctx.beginPath();
  let started = false;
  for (let i = start; i < xs.length; i++) {
    const y = ys[i] as number;
    if (Number.isNaN(y)) continue;
    const X = px(xs[i] as number);
    const Y = py(y);
    if (started) ctx.lineTo(X, Y);
    else {
      ctx.moveTo(X, Y);
      started = true;
    }
  }
  ctx.stroke();
}

/** Where a line continued from point `from` starts: the last drawable point before it (0 for a whole line). */
function lastFiniteBefore(ys: Float64Array, from: number): number {
  for (let i = Math.min(from, ys.length) - 1; i >= 0; i--) if (!Number.isNaN(ys[i] as number)) return i;
  return from;
}

function dots(
  ctx: CanvasRenderingContext2D,
  xs: Float64Array,
  ys: Float64Array,
  px: (x: number) => number,
  py: (y: number) => number,
  start = 0,
): void {
  ctx.beginPath();
  for (let i = start; i < xs.length; i++) {
    const y = ys[i] as number;
    if (Number.isNaN(y)) continue;
    const X = px(xs[i] as number);
    const Y = py(y);
    ctx.moveTo(X + 2, Y);
    ctx.arc(X, Y, 2, 0, 2 * Math.PI);
  }
  ctx.fill();
}
