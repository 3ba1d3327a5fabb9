// Robust statistics for the metric detectors: a median and a MAD over a bounded window of recent values, so one
// spike or one slow iteration moves the baseline by at most one rank instead of dragging a mean with it. The window
// keeps its values sorted as they come and go, so a full BLOOM log (~115k iterations) costs no sort per line.

/** 1.4826 × MAD estimates the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;

function medianOfSorted(sorted: readonly number[]): number {
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The MAD of sorted values: their distances to the median come out sorted by walking outwards from it. */
function madOfSorted(sorted: readonly number[]): number {
  const m = medianOfSorted(sorted);
  const deviations: number[] = [];
  let lo = (sorted.length - 1) >> 1;
  let hi = lo + 1;
  while (lo >= 0 || hi < sorted.length) {
    const left = lo >= 0 ? m - sorted[lo]! : Infinity;
    const right = hi < sorted.length ? sorted[hi]! - m : Infinity;
    if (left <= right) {
      deviations.push(left);
      lo -= 1;
    } else {
      deviations.push(right);
      hi += 1;
    }
  }
  return medianOfSorted(deviations);
}

export function median(values: readonly number[]): number {
  return medianOfSorted([...values].sort((a, b) => a - b));
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  return madOfSorted([...values].sort((a, b) => a - b));
}

/** Index of the first element ≥ value in a sorted array. */
function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last `capacity` values pushed, oldest first out. */
export class RollingWindow {
  private readonly items: number[] = [];
  private readonly sorted: number[] = [];
  private madCache: number | null = null;

  constructor(readonly capacity: number) {}

  push(value: number): void {
    this.items.push(value);
    this.sorted.splice(lowerBound(this.sorted, value), 0, value);
    if (this.items.length > this.capacity) {
      const old = this.items.shift()!;
      this.sorted.splice(lowerBound(this.sorted, old), 1);
    }
    this.madCache = null;
  }

  clear(): void {
    this.items.length = 0;
    this.sorted.length = 0;
    this.madCache = null;
  }

  get size(): number {
    return this.items.length;
  }

  values(): readonly number[] {
    return this.items;
  }

  median(): number {
    return medianOfSorted(this.sorted);
  }

  /** The robust spread (MAD scaled to a standard deviation), at least `floor`. */
  sigma(floor: number): number {
    if (this.items.length < 2) return floor;
    this.madCache ??= madOfSorted(this.sorted);
    return Math.max(MAD_TO_SIGMA * this.madCache, floor);
  }
}
