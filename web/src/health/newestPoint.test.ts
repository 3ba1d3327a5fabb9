import { afterEach, describe, expect, it } from 'vitest';
import type { LivePoint } from '@trainboard/shared/realtime';
import { forgetLivePoints, newestLivePoint, publishLivePoints } from './newestPoint.js';

const p = (id: number, iteration: number, loss: LivePoint['values']['lmLoss']): LivePoint => ({
  id,
  iteration,
  segment: 1,
  timeMs: id * 10,
  values: { lmLoss: loss },
});

afterEach(() => forgetLivePoints(7));

describe('newest live point', () => {
  it('keeps the point with the largest id of a run, whatever the batch order', () => {
    publishLivePoints(7, [p(3, 3, 4), p(5, 5, 3.5), p(4, 4, 3.8)]);
    expect(newestLivePoint(7)).toMatchObject({ id: 5, iteration: 5, lmLoss: 3.5, timeMs: 50 });
  });

  it('ignores a replayed batch older than what it has', () => {
    publishLivePoints(7, [p(9, 9, 3)]);
    publishLivePoints(7, [p(2, 2, 5)]);
    expect(newestLivePoint(7)?.id).toBe(9);
  });

  it('restores NaN from its wire spelling', () => {
    publishLivePoints(7, [p(1, 1, 'NaN')]);
    expect(newestLivePoint(7)?.lmLoss).toBeNaN();
  });
});
