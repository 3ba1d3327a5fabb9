// A chart in words, for the caption under it and for screen readers: the latest value, the range in view and the
// trend. The trend compares the smoothed curve at the end of the view with a quarter of the view earlier.
import { formatValue } from '@trainboard/shared/dashboard/format';

export interface SummaryInput {
  iterations: ArrayLike<number>;
  /** As logged (NaN/Inf kept). */
  values: ArrayLike<number>;
  /** The EMA (NaN where not drawable). */
  smooth: ArrayLike<number>;
}

/** A change smaller than this (relative) is "flat". */
const FLAT = 0.01;

export function chartSummary(s: SummaryInput): string {
  const n = s.iterations.length;
  if (n === 0) return 'no data yet';
  let lo = Infinity;
  let hi = -Infinity;
  let loAt = 0;
  let hiAt = 0;
  for (let i = 0; i < n; i++) {
    const v = s.values[i] as number;
    if (!Number.isFinite(v)) continue;
    if (v < lo) [lo, loAt] = [v, i];
    if (v > hi) [hi, hiAt] = [v, i];
  }
  const at = (i: number) => String(s.iterations[i]);
  const parts = [`latest ${formatValue(s.values[n - 1] as number)} at iteration ${at(n - 1)}`];
  if (lo <= hi)
    parts.push(
      `in view (iterations ${at(0)}–${at(n - 1)}): min ${formatValue(lo)} at ${at(loAt)}, max ${formatValue(hi)} at ${at(hiAt)}`,
    );
  parts.push(`trend ${trend(s.smooth, n)}`);
  return parts.join('; ');
}

function trend(smooth: ArrayLike<number>, n: number): string {
  const end = lastFinite(smooth, n - 1);
  const start = end === null ? null : lastFinite(smooth, Math.floor((n - 1) * 0.75));
  if (end === null || start === null || start === end) return 'unknown';
  const a = smooth[start] as number;
  const b = smooth[end] as number;
  const change = a === 0 ? (b === 0 ? 0 : Math.sign(b)) : (b - a) / Math.abs(a);
  if (Math.abs(change) < FLAT) return 'flat';
  return `${change < 0 ? 'falling' : 'rising'} (${change > 0 ? '+' : '−'}${Math.abs(change * 100).toFixed(0)}% over the last quarter of the view)`;
}

function lastFinite(a: ArrayLike<number>, from: number): number | null {
  for (let i = from; i >= 0; i--) if (Number.isFinite(a[i] as number)) return i;
  return null;
}
