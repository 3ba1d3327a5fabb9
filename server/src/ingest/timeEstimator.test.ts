import { describe, expect, it } from 'vitest';
import {
  clockNow,
  clockOnCheckpointLoaded,
  clockOnIteration,
  clockOnRunStart,
  clockOnTimestamp,
  clockRestore,
  clockSave,
  initialClock,
  walkBackwards,
} from './timeEstimator.js';

describe(walkBackwards.name, () => {
  it("places the newest row at the anchor and steps back by the newer row's time × the iterations between", () => {
    const times = walkBackwards(
      [
        { id: 3, iteration: 30, iterationTimeMs: 100 },
        { id: 2, iteration: 20, iterationTimeMs: 50 }, // 30 is 10 iterations of 100 ms later
        { id: 1, iteration: 19, iterationTimeMs: null }, // 20 is 1 iteration of 50 ms later
      ],
      10_000,
    );
    expect([...times]).toEqual([
      [3, 10_000],
      [2, 9_000],
      [1, 8_950],
    ]);
  });

  it('does not move for an unknown or non-finite time, or for iterations that do not increase', () => {
    const times = walkBackwards(
      [
        { id: 3, iteration: 5, iterationTimeMs: Number.NaN },
        { id: 2, iteration: 4, iterationTimeMs: 10 },
        { id: 1, iteration: 4, iterationTimeMs: 10 }, // same iteration again: one step
      ],
      1_000,
    );
    expect([...times]).toEqual([
      [3, 1_000],
      [2, 1_000],
      [1, 990],
    ]);
  });
});

describe(clockOnIteration.name, () => {
  it('walks forwards from a timestamp, counting iterations since the checkpoint loaded', () => {
    const c = initialClock();
    clockOnCheckpointLoaded(c, 100);
    clockOnTimestamp(c, 1_000_000);
    expect(clockOnIteration(c, 101, 2_000, null, 0)).toEqual({ timeMs: 1_002_000, estimated: true });
    expect(clockOnIteration(c, 111, 1_000, null, 10)).toEqual({ timeMs: 1_012_000, estimated: true }); // 10 iterations
  });

  it("prefers the line's own timestamp, and leaves rows before any anchor unknown, remembering where they start", () => {
    const c = initialClock();
    expect(clockOnIteration(c, 1, 1_000, null, 40)).toEqual({ timeMs: null, estimated: false });
    expect(clockOnIteration(c, 2, 1_000, null, 80)).toEqual({ timeMs: null, estimated: false });
    expect(c.unanchoredFrom).toBe(40);
    expect(clockOnIteration(c, 3, 1_000, 5_000, 120)).toEqual({ timeMs: 5_000, estimated: false });
    expect(clockOnIteration(c, 4, 1_000, null, 160)).toEqual({ timeMs: 6_000, estimated: true });
  });

  it("forgets the previous process's clock at a run start", () => {
    const c = initialClock();
    clockOnTimestamp(c, 1_000);
    clockOnRunStart(c);
    expect(clockOnIteration(c, 50, 1_000, null, 0)).toEqual({ timeMs: null, estimated: false });
  });
});

describe('clockSave / clockRestore', () => {
  it('undo every move of the walk since the mark: iterations, anchors, checkpoint loads and unanchored rows', () => {
    const c = initialClock();
    clockOnTimestamp(c, 1_000);
    clockOnIteration(c, 10, 100, null, 50);
    const mark = initialClock();
    clockSave(c, mark);
    const saved = { ...c };
    clockOnIteration(c, 20, 100, null, 80); // +10 iterations of 100 ms
    clockOnCheckpointLoaded(c, 5);
    clockOnRunStart(c);
    clockOnIteration(c, 6, 100, null, 120); // unanchored from 120
    expect(c).not.toEqual(saved);
    clockRestore(c, mark);
    expect(c).toEqual(saved);
    expect(clockNow(c)).toEqual({ timeMs: 1_100, estimated: true }); // the first iteration after the anchor: one step
    // The mark is a copy: moving the clock again does not change it.
    clockOnTimestamp(c, 5_000);
    expect(mark).toEqual(saved);
  });
});
