// Robust statistics for the metric detectors: a median and a MAD over a bounded window of recent values, so one
// spike or one slow iteration moves the baseline by at most one rank instead of dragging a mean with it.

/** 1.4826 × MAD estimates the standard deviation of normally distributed values. */
export const MAD_TO_SIGMA = 1.4826;

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(values: readonly number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

/** The last `capacity` values pushed, oldest first out. */
export class RollingWindow {
  private readonly items: number[] = [];

  constructor(readonly capacity: number) {}

  push(value: number): void {
    this.items.push(value);
    if (this.items.length > this.capacity) this.items.shift();
  }

  clear(): void {
    this.items.length = 0;
  }

  get size(): number {
    return this.items.length;
  }

  values(): readonly number[] {
    return this.items;
  }

  median(): number {
    return median(this.items);
  }

  /** The robust spread (MAD scaled to a standard deviation), at least `floor`. */
  sigma(floor: number): number {
    return this.items.length < 2 ? floor : Math.max(MAD_TO_SIGMA * mad(this.items), floor);
  }
}
