// A metric series made ready to draw: x on the chosen axis, the raw values and their debiased EMA, in flat typed
// arrays (a canvas draws them in a loop, a hover finds the nearest point by binary search). Values a chart cannot
// place (NaN, ±Inf, ≤ 0 on a log axis) are NaN in `raw` and `smooth`, so the line skips them; `nonFinite` keeps the
// indexes of the NaN/Inf ones so the chart can mark them. A live series grows by appending: given the previous
// result, only the new points are processed (amortised O(new points), the arrays growing by doubling).
import { emaNext, emaStart, type EmaState } from './smoothing.js';

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
  nonFinite: readonly number[];
  /** What extending this result needs; not for drawing. */
  growth: Growth;
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

interface Buffers {
  iterations: Float64Array;
  xs: Float64Array;
  values: Float64Array;
  raw: Float64Array;
  smooth: Float64Array;
}

interface Growth {
  options: PlotOptions;
  buffers: Buffers;
  /** Source points consumed (dropped ones included) and the last of them, to recognise an extension. */
  consumed: number;
  lastSource: SeriesPoint | undefined;
  ema: Readonly<EmaState>;
}

/**
 * `prev` is reused when it was made with the same options from a prefix of `points` holding the same point objects
 * (live points appended, as liveSeries does); anything else (a restart replacing the tail, a zoom) is recomputed.
 */
export function plotSeries(points: readonly SeriesPoint[], o: PlotOptions, prev?: PlotSeries): PlotSeries {
  const g = prev?.growth;
  const extend =
    prev !== undefined &&
    g !== undefined &&
    sameOptions(g.options, o) &&
    g.consumed <= points.length &&
    (g.consumed === 0 || points[g.consumed - 1] === g.lastSource);
  const start = extend ? g.consumed : 0;
  let k = extend ? prev.xs.length : 0;
  const buffers = ensureCapacity(extend ? g.buffers : null, k, k + points.length - start);
  const ema = extend ? { ...g.ema } : emaStart(o.smoothing);
  const added: number[] = [];
  const { iterations, xs, values, raw, smooth } = buffers;
  for (let i = start; i < points.length; i++) {
    const [it, y] = points[i] as SeriesPoint;
    const x = o.toX(it);
    if (x === null || !Number.isFinite(x)) continue;
    if (y !== null && !Number.isFinite(y)) added.push(k);
    const v = y === null ? NaN : o.scaleY ? o.scaleY(y) : y;
    const sm = emaNext(ema, v);
    iterations[k] = it;
    xs[k] = x;
    values[k] = v;
    raw[k] = Number.isFinite(v) && !(o.log && v <= 0) ? v : NaN;
    smooth[k] = Number.isFinite(sm) && !(o.log && sm <= 0) ? sm : NaN;
    k++;
  }
  const nonFinite = extend && added.length === 0 ? prev.nonFinite : [...(extend ? prev.nonFinite : []), ...added];
  return {
    iterations: iterations.subarray(0, k),
    xs: xs.subarray(0, k),
    values: values.subarray(0, k),
    raw: raw.subarray(0, k),
    smooth: smooth.subarray(0, k),
    nonFinite,
    growth: { options: o, buffers, consumed: points.length, lastSource: points.at(-1), ema },
  };
}

function sameOptions(a: PlotOptions, b: PlotOptions): boolean {
  return a.toX === b.toX && a.scaleY === b.scaleY && a.smoothing === b.smoothing && a.log === b.log;
}

/** The buffers, or new ones twice as large holding their first `used` values, with room for `needed` values. */
function ensureCapacity(buffers: Buffers | null, used: number, needed: number): Buffers {
  if (buffers && buffers.xs.length >= needed) return buffers;
  const size = Math.max(needed, 2 * (buffers?.xs.length ?? 0), 64);
  const grow = (old: Float64Array | undefined) => {
    const a = new Float64Array(size);
    if (old) a.set(old.subarray(0, used));
    return a;
  };
  return {
    iterations: grow(buffers?.iterations),
    xs: grow(buffers?.xs),
    values: grow(buffers?.values),
    raw: grow(buffers?.raw),
    smooth: grow(buffers?.smooth),
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
