// The axes of a live chart, computed from the data rather than left to the chart library: a "nice" domain rounded
// outwards to whole tick steps, so a new live point almost never changes it (the axes, grid and annotation lines
// are then not redrawn; only the points are), and the same scale maps values to pixels for the canvas that draws
// the points and for the hover read-out. Built on d3-scale.
import { scaleLinear, scaleLog, scaleTime } from 'd3-scale';

/** linear: iterations, tokens and values; log: values on a log scale; time: wall time in epoch ms. */
export type ScaleKind = 'linear' | 'log' | 'time';

export interface AxisFrame {
  domain: [number, number];
  ticks: number[];
}

/** About this many ticks on an axis (a 220 px tall chart, a ~500 px wide one). */
const TICKS = 5;
/** A log axis keeps only 1, 2 and 5 times powers of ten once it would show more ticks than this. */
const MAX_LOG_TICKS = 6;

/** Min and max of the finite values (positive ones only when `positiveOnly`: a log axis); null when none. */
export function finiteExtent(values: ArrayLike<number | null>, positiveOnly = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  // Indexed, not for-of: on a first page load this runs cold, where an iterator loop is several times slower.
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number | null;
    if (v === null || !Number.isFinite(v) || (positiveOnly && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Merges extents, ignoring missing ones. */
export function unionExtent(...extents: ([number, number] | null)[]): [number, number] | null {
  let out: [number, number] | null = null;
  for (const e of extents) if (e) out = out ? [Math.min(out[0], e[0]), Math.max(out[1], e[1])] : [e[0], e[1]];
  return out;
}

/**
 * The axis for an extent: the domain rounded outwards to tick steps (linear, time) or to 1/2/5 × 10ⁿ (log), and its
 * ticks. A single value is widened so the axis has a span. The extent of a log axis must be positive.
 * `snap: 'fine'` rounds a linear or time domain to about a quarter of a tick step instead (an x axis: the curve
 * keeps most of the width, and the domain still changes only every few hundred live points).
 */
export function axisFrame(extent: [number, number], kind: ScaleKind, snap: 'tick' | 'fine' = 'tick'): AxisFrame {
  let [lo, hi] = extent;
  if (kind === 'log') {
    if (!(lo > 0)) throw new Error(`a log axis needs a positive extent, got [${lo}, ${hi}]`);
    if (lo === hi) [lo, hi] = [lo / 2, hi * 2];
    const domain: [number, number] = [niceLog(lo, 'down'), niceLog(hi, 'up')];
    const all = scaleLog().domain(domain).ticks();
    if (all.length <= MAX_LOG_TICKS) return { domain, ticks: all };
    const isMantissa = (ms: number[]) => (t: number) => ms.some((m) => Math.abs(mantissa(t) - m) < 1e-9);
    const round = all.filter(isMantissa([1, 2, 5]));
    // Less than a decade ([2, 5]): d3 gives sixteen linear steps; a few round ones read better.
    if (round.length < 3)
      return {
        domain,
        ticks: scaleLinear()
          .domain(domain)
          .ticks(TICKS - 1),
      };
    if (round.length <= MAX_LOG_TICKS) return { domain, ticks: round };
    // Many decades (a learning rate decaying to zero): powers of ten, every other one or fewer if still too many.
    const decades = all.filter(isMantissa([1]));
    const every = Math.ceil(decades.length / MAX_LOG_TICKS);
    return { domain, ticks: decades.filter((_, i) => i % every === 0) };
  }
  if (lo === hi) {
    const pad = kind === 'time' ? 60_000 : Math.abs(lo) * 0.1 || 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  const niceCount = snap === 'fine' ? TICKS * 4 : TICKS;
  if (kind === 'time') {
    const scale = scaleTime().domain([lo, hi]).nice(niceCount);
    return { domain: scale.domain().map(Number) as [number, number], ticks: scale.ticks(TICKS).map(Number) };
  }
  const scale = scaleLinear().domain([lo, hi]).nice(niceCount);
  return { domain: scale.domain() as [number, number], ticks: scale.ticks(TICKS) };
}

/**
 * A function from a value in `domain` to a pixel in `range`, as the axis maps it (time is linear in epoch ms). Plain
 * affine arithmetic rather than a d3 scale object: the canvas calls it for every point of every update.
 */
export function pixelScale(kind: ScaleKind, domain: [number, number], range: [number, number]): (v: number) => number {
  const f = kind === 'log' ? Math.log : (v: number) => v;
  const d0 = f(domain[0]);
  const k = (range[1] - range[0]) / (f(domain[1]) - d0 || 1);
  const r0 = range[0];
  return kind === 'log' ? (v) => r0 + (Math.log(v) - d0) * k : (v) => r0 + (v - d0) * k;
}

/** The inverse: a pixel in `range` back to a value in `domain`. */
export function pixelInverse(
  kind: ScaleKind,
  domain: [number, number],
  range: [number, number],
): (px: number) => number {
  const f = kind === 'log' ? Math.log : (v: number) => v;
  const d0 = f(domain[0]);
  const k = (f(domain[1]) - d0) / (range[1] - range[0] || 1);
  return kind === 'log' ? (px) => Math.exp(d0 + (px - range[0]) * k) : (px) => d0 + (px - range[0]) * k;
}

function niceLog(v: number, dir: 'up' | 'down'): number {
  const power = 10 ** Math.floor(Math.log10(v));
  const steps = dir === 'down' ? [5, 2, 1] : [1, 2, 5, 10];
  // Rounding error: 0.3 / 0.1 is 2.9999999999999996; compare with a relative tolerance.
  const m = v / power;
  const eps = 1e-9;
  const found = dir === 'down' ? steps.find((s) => s <= m * (1 + eps)) : steps.find((s) => s >= m * (1 - eps));
  return Number(((found ?? 1) * power).toPrecision(12));
}

/** 2.4 for 0.24; 5 for 500. */
function mantissa(t: number): number {
  return t / 10 ** Math.floor(Math.log10(t) + 1e-9);
}
