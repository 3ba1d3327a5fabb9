import { describe, expect, it } from 'vitest';
import { mad, median, RollingWindow } from './robust.js';

describe('robust statistics', () => {
  it('takes the median of odd and even counts, and NaN of nothing', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('measures the spread by the MAD, which one outlier barely moves', () => {
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
    expect(mad([5, 5, 5])).toBe(0);
  });

  it('keeps the last values of a rolling window and a floored robust sigma', () => {
    const w = new RollingWindow(3);
    w.push(10);
    expect(w.sigma(0.5)).toBe(0.5); // one point: no spread known yet
    for (const v of [1, 2, 3, 4]) w.push(v);
    expect(w.values()).toEqual([2, 3, 4]);
    expect(w.median()).toBe(3);
    expect(w.sigma(0)).toBeCloseTo(1.4826);
    expect(w.sigma(5)).toBe(5);
    w.clear();
    expect(w.size).toBe(0);
  });
});
