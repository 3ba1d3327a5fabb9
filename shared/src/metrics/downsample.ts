// Min/max bucket downsampling of one series for charts: at most ≈ `target` points whatever the range, and never
// hides what an operator looks for: a loss spike (the max of its bucket), a dip (the min), a NaN or Inf (kept as
// its own point), and the latest value (where the run is now).

export interface SeriesPoint {
  /** X: the iteration. Points come sorted by x. */
  x: number;
  /** Y: null when the line did not carry the field (skipped), NaN/±Infinity kept as such. */
  y: number | null;
}

export interface Downsampled {
  points: SeriesPoint[];
  /** False when `points` are the input's points with a y value, all of them. */
  sampled: boolean;
}

/** ≈ 2,000 points per series: about one per horizontal pixel of a wide chart, a few tens of KB of JSON. */
export const DEFAULT_TARGET_POINTS = 2000;

/**
 * Downsamples `points` (sorted by x) to at most about `target` points.
 * - Points with y === null are dropped (nothing to draw).
 * - When the remaining points number `target` or fewer, they are returned as they are (`sampled: false`).
 * - Otherwise the x range is cut into target/2 buckets of equal point count; each bucket keeps its minimum and its
 *   maximum finite y (in x order, one point when they coincide) and the first point of each non-finite kind
 *   (NaN, +Inf, −Inf) it holds. The last input point is always kept.
 * The output is sorted by x and is a subset of the input.
 */
export function downsampleMinMax(points: readonly SeriesPoint[], target = DEFAULT_TARGET_POINTS): Downsampled {
  const present = points.filter((p) => p.y !== null);
  const keep = minMaxIndices(
    present.map((p) => p.y as number),
    target,
  );
  return keep === null
    ? { points: present, sampled: false }
    : { points: keep.map((i) => present[i] as SeriesPoint), sampled: true };
}

/**
 * The bucketing behind downsampleMinMax over a column of present values (no nulls), for callers that hold series as
 * columns (the server reads 115k rows × 7 fields: objects per point would cost more than the query).
 * Returns the kept indexes in ascending order, or null when every value is kept (`ys.length` ≤ target).
 */
export function minMaxIndices(ys: ArrayLike<number>, target = DEFAULT_TARGET_POINTS): number[] | null {
  const n = ys.length;
  if (n <= Math.max(target, 2)) return null;
  const bucketCount = Math.max(1, Math.floor(target / 2));
  const size = n / bucketCount;
  const keep: number[] = [];
  for (let b = 0; b < bucketCount; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    // The server runs this on every /series answer (115k values × 7 fields): one comparison per value for the
    // finite ones (y - y is 0 only for a finite y), the rare NaN and ±Inf looked at only when a bucket has one.
    let min = -1;
    let max = -1;
    let lo = Infinity;
    let hi = -Infinity;
    let nonFinite = false;
    for (let i = start; i < end; i++) {
      const y = ys[i] as number;
      if (y - y === 0) {
        if (y < lo) {
          lo = y;
          min = i;
        }
        if (y > hi) {
          hi = y;
          max = i;
        }
      } else nonFinite = true;
    }
    if (nonFinite) keepSorted(keep, [min, max, ...firstNonFinite(ys, start, end)]);
    else if (min >= 0) {
      keep.push(Math.min(min, max));
      if (max !== min) keep.push(Math.max(min, max));
    }
  }
  if (keep.at(-1) !== n - 1) keep.push(n - 1);
  return keep;
}

/** The first NaN, +Infinity and −Infinity in ys[start, end) (−1 for a kind not there). */
function firstNonFinite(ys: ArrayLike<number>, start: number, end: number): [number, number, number] {
  let nan = -1;
  let posInf = -1;
  let negInf = -1;
  for (let i = start; i < end; i++) {
    const y = ys[i] as number;
    if (Number.isNaN(y)) nan = nan < 0 ? i : nan;
    else if (y === Infinity) posInf = posInf < 0 ? i : posInf;
    else if (y === -Infinity) negInf = negInf < 0 ? i : negInf;
  }
  return [nan, posInf, negInf];
}

/** Appends the indexes ≥ 0 in ascending order, each once. */
function keepSorted(keep: number[], indexes: number[]): void {
  indexes.sort((a, b) => a - b);
  for (const i of indexes) if (i >= 0 && keep.at(-1) !== i) keep.push(i);
}
