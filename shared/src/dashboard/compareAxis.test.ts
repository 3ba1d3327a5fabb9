import { describe, expect, it } from 'vitest';
import type { AxisAnchor } from './axis.js';
import { compareToX, insideWindow } from './compareAxis.js';

// This run: 1,000 tokens per iteration, started at t = 1,000,000 ms, 10 ms per iteration.
const own: AxisAnchor[] = [
  [1, 1000, 1_000_000],
  [101, 101_000, 1_001_000],
];
// The other run: twice the batch (2,000 tokens per iteration), started a day earlier, 20 ms per iteration.
const other: AxisAnchor[] = [
  [1, 2000, 1_000_000 - 86_400_000],
  [101, 202_000, 1_002_000 - 86_400_000],
];
const identity = (it: number) => it;

describe('compareToX', () => {
  it("uses the chart's own mapping by iteration", () => {
    expect(compareToX('iteration', own, other)).toBeUndefined();
  });

  it('lines the other run up by its own tokens', () => {
    const toX = compareToX('tokens', own, other);
    expect(toX?.(51)).toBe(102_000); // the other run's iteration 51 consumed as many tokens as this run's 102
  });

  it('lays the other run by elapsed time from this run’s start', () => {
    const toX = compareToX('time', own, other);
    expect(toX?.(1)).toBe(1_000_000);
    expect(toX?.(101)).toBe(1_002_000);
    expect(compareToX('time', [], other)?.(1)).toBeNull();
    expect(compareToX('time', own, [[1, null, null]])?.(1)).toBeNull();
  });
});

describe('insideWindow', () => {
  const points = [1, 20, 40, 60, 80, 101].map((it) => [it, it / 10] as const);

  it('keeps everything when not zoomed', () => {
    expect(insideWindow(points, { from: null, to: null }, identity, identity)).toBe(points);
  });

  it("keeps the other run's points inside this run's zoom, on the shared x", () => {
    expect(insideWindow(points, { from: 20, to: 60 }, identity, identity).map(([it]) => it)).toEqual([20, 40, 60]);
    const ownTokens = compareToX('tokens', own, own) as (it: number) => number | null;
    const otherTokens = compareToX('tokens', own, other) as (it: number) => number | null;
    // This run's iterations 41..81 are tokens 41k..81k: the other run's 20 (40k) is out, 40 (80k) in, 60 out.
    expect(insideWindow(points, { from: 41, to: 81 }, ownTokens, otherTokens).map(([it]) => it)).toEqual([40]);
    expect(insideWindow(points, { from: 60, to: null }, identity, identity).map(([it]) => it)).toEqual([60, 80, 101]);
  });
});
