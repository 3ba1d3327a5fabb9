import { describe, expect, it } from 'vitest';
import { nearestIndex, plotSeries, type SeriesPoint } from './plotSeries.js';

const same = (it: number) => it;
const arr = (a: Float64Array) => Array.from(a);

describe('plotSeries', () => {
  it('puts iterations on the x axis, keeps raw values and their debiased EMA', () => {
    const s = plotSeries(
      [
        [1, 4],
        [2, 4],
        [3, 4],
      ],
      { toX: (it) => it * 10, smoothing: 0.9, log: false },
    );
    expect(arr(s.iterations)).toEqual([1, 2, 3]);
    expect(arr(s.xs)).toEqual([10, 20, 30]);
    expect(arr(s.raw)).toEqual([4, 4, 4]);
    for (const v of s.smooth) expect(v).toBeCloseTo(4, 10);
  });

  it('makes NaN, Inf and missing values unplottable and remembers where the NaN/Inf ones are', () => {
    const s = plotSeries(
      [
        [1, 2],
        [2, NaN],
        [3, null],
        [4, Infinity],
        [5, 2],
      ],
      { toX: same, smoothing: 0.5, log: false },
    );
    expect(arr(s.raw).map(Number.isNaN)).toEqual([false, true, true, true, false]);
    expect(s.nonFinite).toEqual([1, 3]); // indexes: iterations 2 and 4
    expect(s.values[3]).toBe(Infinity); // as logged, for the read-out
    expect(s.smooth[4]).toBeCloseTo(2, 10); // the NaN did not poison the average
  });

  it('drops points that have no x, and values ≤ 0 on a log axis', () => {
    const s = plotSeries(
      [
        [1, 0],
        [2, 3],
        [3, 5],
      ],
      { toX: (it) => (it === 3 ? null : it), smoothing: 0, log: true },
    );
    expect(arr(s.iterations)).toEqual([1, 2]);
    expect(Number.isNaN(s.raw[0])).toBe(true);
    expect(s.raw[1]).toBe(3);
  });

  it('scales values before smoothing (ms to s)', () => {
    const pts: SeriesPoint[] = [
      [1, 2000],
      [2, 4000],
    ];
    const s = plotSeries(pts, { toX: same, scaleY: (v) => v / 1000, smoothing: 0, log: false });
    expect(arr(s.raw)).toEqual([2, 4]);
    expect(arr(s.smooth)).toEqual([2, 4]);
  });
});

describe('plotSeries extending a previous result', () => {
  const o = { toX: same, smoothing: 0.8, log: false };
  const pts = (from: number, to: number, v = (i: number) => 10 / i): SeriesPoint[] =>
    Array.from({ length: to - from + 1 }, (_, i) => [from + i, v(from + i)] as const);
  const plain = (s: ReturnType<typeof plotSeries>) => ({
    it: arr(s.iterations),
    x: arr(s.xs),
    v: arr(s.values),
    raw: arr(s.raw),
    smooth: arr(s.smooth),
    nan: [...s.nonFinite],
  });

  it("gives what a full computation gives, over many appends past the buffers' capacity", () => {
    let points: SeriesPoint[] = [];
    let s = plotSeries(points, o);
    for (let batch = 0; batch < 40; batch++) {
      points = [...points, ...pts(points.length + 1, points.length + 7, (i) => (i % 13 === 0 ? NaN : 10 / i))];
      s = plotSeries(points, o, s);
    }
    expect(s.xs.length).toBe(280);
    expect(plain(s)).toEqual(plain(plotSeries(points, o)));
    expect(s.nonFinite.length).toBe(21);
  });

  it('leaves the previous result as it was', () => {
    const first = pts(1, 5);
    const a = plotSeries(first, o);
    const before = plain(a);
    const b = plotSeries([...first, ...pts(6, 9, () => NaN)], o, a);
    expect(b.growth.buffers).toBe(a.growth.buffers); // extended in place, not recomputed
    expect(plain(a)).toEqual(before);
  });

  it('recomputes when a restart replaced the tail, or the options changed', () => {
    const first = pts(1, 10);
    const a = plotSeries(first, o);
    const restarted: SeriesPoint[] = [...first.slice(0, 7), [8, 99], [9, 98]];
    expect(plain(plotSeries(restarted, o, a))).toEqual(plain(plotSeries(restarted, o)));
    const longer = [...first, ...pts(11, 12)];
    const smoother = { ...o, smoothing: 0.95 };
    expect(plain(plotSeries(longer, smoother, a))).toEqual(plain(plotSeries(longer, smoother)));
    const fresh = pts(1, 12); // equal values, other objects (a reload from the server)
    expect(plain(plotSeries(fresh, o, a))).toEqual(plain(plotSeries(fresh, o)));
  });
});

describe('nearestIndex', () => {
  const xs = Float64Array.from([0, 10, 20, 40]);
  it('finds the nearest x by binary search, clamping at the ends', () => {
    expect(nearestIndex(xs, 11)).toBe(1);
    expect(nearestIndex(xs, 16)).toBe(2);
    expect(nearestIndex(xs, 29)).toBe(2);
    expect(nearestIndex(xs, 31)).toBe(3);
    expect(nearestIndex(xs, -5)).toBe(0);
    expect(nearestIndex(xs, 99)).toBe(3);
    expect(nearestIndex(xs, 5)).toBe(0); // a tie goes to the lower one
  });
  it('is -1 on an empty series', () => {
    expect(nearestIndex([], 3)).toBe(-1);
  });
});
