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

/**
 * The same over a typed array (non-finite values, NaN for missing ones, pass through), for the charts: they smooth
 * a few thousand points of seven series on every live update, and a typed loop is some ten times faster.
 */
export function debiasedEmaArray(values: Float64Array, weight: number): Float64Array {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out = new Float64Array(values.length);
  let last = 0;
  let wn = 1; // wⁿ, kept as a running product
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    wn *= w;
    out[i] = last / (1 - wn);
  }
  return out;
}
