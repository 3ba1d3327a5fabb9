import { describe, expect, it } from 'vitest';
import type { LivePoint } from '@trainboard/shared/realtime';
import { applyLive, type Point } from './liveSeries.js';

const live = (iteration: number, lmLoss: number | 'NaN' | null, id = iteration): LivePoint => ({
  id,
  iteration,
  segment: 0,
  timeMs: null,
  values: lmLoss === null ? {} : { lmLoss },
});

describe('applyLive', () => {
  it('appends new iterations and keeps NaN as NaN', () => {
    const out = applyLive([[1, 3]], [live(2, 2.9), live(3, 'NaN')], 'lmLoss', null);
    expect(out).toEqual([
      [1, 3],
      [2, 2.9],
      [3, NaN],
    ]);
  });

  it('replaces the tail from a restarted iteration on, as the current series does', () => {
    const before: Point[] = [
      [1, 3],
      [2, 2.9],
      [3, 2.8],
      [4, 2.7],
    ];
    const out = applyLive(before, [live(3, 2.85, 10), live(4, 2.75, 11)], 'lmLoss', null);
    expect(out).toEqual([
      [1, 3],
      [2, 2.9],
      [3, 2.85],
      [4, 2.75],
    ]);
    expect(before).toHaveLength(4); // not mutated
  });

  it('ignores points without the field and beyond a zoomed range, keeping the same array', () => {
    const before: Point[] = [[1, 3]];
    const out = applyLive(before, [live(2, null), live(9, 2)], 'lmLoss', 5);
    expect(out).toEqual([[1, 3]]);
    expect(out).toBe(before); // unchanged identity: the chart is not re-rendered
  });
});
