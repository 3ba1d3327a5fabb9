// Series held as growing typed columns sorted by x (the iteration), for a server-side cache of a run's current
// series: new points are appended at the end, and any iteration range is a [lo, hi) slice found by binary search,
// so the slice's min/max downsample (minMaxIndices) is exactly the one of the same range read fresh.

/** An append-only (x, y) column pair, x non-decreasing. Grows its arrays by doubling; `bytes` is what it holds. */
export class GrowingColumns {
  private xs: Float64Array;
  private ys: Float64Array;
  length = 0;

  constructor(capacity = 1024) {
    this.xs = new Float64Array(Math.max(16, capacity));
    this.ys = new Float64Array(Math.max(16, capacity));
  }

  /** @throws when x goes backwards: a column holds one ordered series, a restart is a rebuild, never an append. */
  push(x: number, y: number): void {
    if (this.length > 0 && x < (this.xs[this.length - 1] as number)) {
      throw new Error(`column x went backwards: ${x} after ${this.xs[this.length - 1]}`);
    }
    if (this.length === this.xs.length) this.grow(this.length * 2);
    this.xs[this.length] = x;
    this.ys[this.length] = y;
    this.length++;
  }

  get lastX(): number | null {
    return this.length === 0 ? null : (this.xs[this.length - 1] as number);
  }

  /** Bytes of the arrays held (their capacity, not just the filled part). */
  get bytes(): number {
    return this.xs.byteLength + this.ys.byteLength;
  }

  /** The points with from ≤ x ≤ to (either bound optional), as views on the arrays: no copy. */
  slice(from?: number, to?: number): { xs: Float64Array; ys: Float64Array } {
    const [lo, hi] = indexRange(this.xs, this.length, from, to);
    return { xs: this.xs.subarray(lo, hi), ys: this.ys.subarray(lo, hi) };
  }

  /** How many points have from ≤ x ≤ to. */
  count(from?: number, to?: number): number {
    const [lo, hi] = indexRange(this.xs, this.length, from, to);
    return hi - lo;
  }

  private grow(capacity: number): void {
    const xs = new Float64Array(capacity);
    const ys = new Float64Array(capacity);
    xs.set(this.xs.subarray(0, this.length));
    ys.set(this.ys.subarray(0, this.length));
    this.xs = xs;
    this.ys = ys;
  }
}

/** [lo, hi): the indexes of the first `length` sorted `xs` with from ≤ x ≤ to. */
export function indexRange(xs: ArrayLike<number>, length: number, from?: number, to?: number): [number, number] {
  const lo = from === undefined ? 0 : firstAtLeast(xs, length, from);
  const hi = to === undefined ? length : firstAtLeast(xs, length, to, true);
  return [lo, Math.max(lo, hi)];
}

/** The first index whose x is ≥ v (> v when `strict`), or `length`. */
function firstAtLeast(xs: ArrayLike<number>, length: number, v: number, strict = false): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = xs[mid] as number;
    if (strict ? x <= v : x < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
