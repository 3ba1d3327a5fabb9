// Debiased exponential moving average, as TensorBoard smooths: an EMA started at 0 is divided by (1 − wⁿ) so the
// first points are not dragged towards zero. Non-finite values (NaN loss, skipped lines) are passed through
// unsmoothed and do not poison the average: a NaN must stay visible, and the curve after it must stay meaningful.

/** `weight` in [0, 1): 0 returns the values as they are, 0.99 is very smooth. */
export function debiasedEma(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    n++;
    return last / (1 - w ** n);
  });
}

/** The running state of a debiased EMA, so a series can be smoothed point by point as it grows. */
export interface EmaState {
  weight: number;
  last: number;
  /** wⁿ after n finite values. */
  pow: number;
}

export function emaStart(weight: number): EmaState {
  return { weight: Math.min(Math.max(weight, 0), 0.999), last: 0, pow: 1 };
}

/** Advances the state by `v` and returns its smoothed value; a non-finite `v` is returned as is, state unchanged. */
export function emaNext(s: EmaState, v: number): number {
  if (!Number.isFinite(v)) return v;
  s.last = s.last * s.weight + (1 - s.weight) * v;
  s.pow *= s.weight;
  return s.last / (1 - s.pow);
}

/** debiasedEma over a typed array (NaN standing for missing values), for the charts. */
export function debiasedEmaArray(values: Float64Array, weight: number): Float64Array {
  const s = emaStart(weight);
  return values.map((v) => emaNext(s, v));
}
