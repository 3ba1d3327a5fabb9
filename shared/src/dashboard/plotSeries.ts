// A metric series made ready to draw: x on the chosen axis, the raw values and their debiased EMA, in flat typed
// arrays (a canvas draws them in a loop, a hover finds the nearest point by binary search). Values a chart cannot
// place (NaN, ±Inf, ≤ 0 on a log axis) are NaN in `raw` and `smooth`, so the line skips them; `nonFinite` keeps the
// indexes of the NaN/Inf ones so the chart can mark them.
import { debiasedEma } from './smoothing.js';

export type SeriesPoint = readonly [iteration: number, value: number | null];

export interface PlotSeries {
  iterations: Float64Array;
  /** Sorted ascending (iterations are, and every x axis grows with them). */
  xs: Float64Array;
  /** The values as logged (unit-scaled), NaN and ±Inf kept, missing ones NaN: what a hover read-out shows. */
  values: Float64Array;
  /** The values the line goes through: NaN where it cannot (NaN, ±Inf, missing, ≤ 0 on a log axis). */
  raw: Float64Array;
  smooth: Float64Array;
  /** Indexes of the points whose value was NaN or ±Inf. */
  nonFinite: number[];
}

export interface PlotOptions {
  /** The iteration's x on the chosen axis; null drops the point (no anchors to place it). */
  toX: (iteration: number) => number | null;
  /** A unit change (ms → s); applied before smoothing. */
  scaleY?: (v: number) => number;
  /** EMA weight in [0, 1); 0 makes `smooth` a copy of `raw`. */
  smoothing: number;
  log: boolean;
}

export function plotSeries(points: readonly SeriesPoint[], o: PlotOptions): PlotSeries {
  const kept: number[] = [];
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  const nonFinite: number[] = [];
  for (const [it, y] of points) {
    const x = o.toX(it);
    if (x === null || !Number.isFinite(x)) continue;
    if (y !== null && !Number.isFinite(y)) nonFinite.push(kept.length);
    kept.push(it);
    xs.push(x);
    ys.push(y === null ? null : o.scaleY ? o.scaleY(y) : y);
  }
  const smooth = debiasedEma(ys, o.smoothing);
  const plottable = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) || (o.log && v <= 0) ? NaN : v);
  return {
    iterations: Float64Array.from(kept),
    xs: Float64Array.from(xs),
    values: Float64Array.from(ys, (v) => v ?? NaN),
    raw: Float64Array.from(ys, plottable),
    smooth: Float64Array.from(smooth, plottable),
    nonFinite,
  };
}

/** Index of the element of sorted `xs` nearest to `x` (the lower one on a tie); -1 when empty. */
export function nearestIndex(xs: ArrayLike<number>, x: number): number {
  const n = xs.length;
  if (n === 0) return -1;
  let lo = 0;
  let hi = n - 1;
  if (x <= (xs[0] as number)) return 0;
  if (x >= (xs[hi] as number)) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid;
    else hi = mid;
  }
  return x - (xs[lo] as number) <= (xs[hi] as number) - x ? lo : hi;
}
