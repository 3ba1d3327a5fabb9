// A metric series made ready to draw: x on the chosen axis, the raw values and their debiased EMA, in flat typed
// arrays (a canvas draws them in a loop, a hover finds the nearest point by binary search). Values a chart cannot
// place (NaN, ±Inf, ≤ 0 on a log axis) are NaN in `raw` and `smooth`, so the line skips them; `nonFinite` keeps the
// indexes of the NaN/Inf ones so the chart can mark them.
import { debiasedEmaArray } from './smoothing.js';

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
  // One pass into preallocated typed arrays: this runs for seven series of ~2k points on every live update.
  const n = points.length;
  const iterations = new Float64Array(n);
  const xs = new Float64Array(n);
  const values = new Float64Array(n);
  const nonFinite: number[] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    const [it, y] = points[i] as SeriesPoint;
    const x = o.toX(it);
    if (x === null || !Number.isFinite(x)) continue;
    if (y !== null && !Number.isFinite(y)) nonFinite.push(k);
    iterations[k] = it;
    xs[k] = x;
    values[k] = y === null ? NaN : o.scaleY ? o.scaleY(y) : y;
    k++;
  }
  const kept = k === n ? values : values.slice(0, k);
  const smooth = debiasedEmaArray(kept, o.smoothing);
  const raw = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const v = kept[i] as number;
    raw[i] = Number.isFinite(v) && !(o.log && v <= 0) ? v : NaN;
    const s = smooth[i] as number;
    smooth[i] = Number.isFinite(s) && !(o.log && s <= 0) ? s : NaN;
  }
  return { iterations: iterations.subarray(0, k), xs: xs.subarray(0, k), values: kept, raw, smooth, nonFinite };
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
