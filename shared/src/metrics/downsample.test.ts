import { describe, expect, it } from 'vitest';
import { downsampleMinMax, type SeriesPoint } from './downsample.js';
import { fromWireNumber, toWireNumber } from './fields.js';

const series = (ys: (number | null)[]): SeriesPoint[] => ys.map((y, i) => ({ x: i + 1, y }));
const noisy = (n: number): SeriesPoint[] =>
  series(Array.from({ length: n }, (_, i) => 3 + Math.sin(i / 7) * 0.1 + (i % 13) * 0.001));

describe('downsampleMinMax', () => {
  it('returns the raw points (without nulls) when there are few enough', () => {
    const pts = series([1, null, 3, NaN]);
    const out = downsampleMinMax(pts, 10);
    expect(out.sampled).toBe(false);
    expect(out.points.map((p) => p.x)).toEqual([1, 3, 4]);
  });

  it('keeps at most about the target and always the latest point', () => {
    const pts = noisy(100_000);
    const out = downsampleMinMax(pts, 2000);
    expect(out.sampled).toBe(true);
    expect(out.points.length).toBeLessThanOrEqual(2001);
    expect(out.points.length).toBeGreaterThan(1000);
    expect(out.points.at(-1)).toEqual(pts.at(-1));
    const xs = out.points.map((p) => p.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(new Set(xs).size).toBe(xs.length);
  });

  it('keeps a one-point spike and a one-point dip anywhere in the range', () => {
    for (const at of [0, 1, 4_999, 77_777, 99_998]) {
      const pts = noisy(100_000);
      (pts[at] as SeriesPoint).y = 50;
      (pts[at + 1] as SeriesPoint).y = -50;
      const out = downsampleMinMax(pts, 2000);
      expect(out.points.find((p) => p.y === 50)?.x).toBe(at + 1);
      expect(out.points.find((p) => p.y === -50)?.x).toBe(at + 2);
    }
  });

  it('keeps NaN and infinities as their own points, and the min and max finite values around them', () => {
    const pts = noisy(50_000);
    (pts[10_000] as SeriesPoint).y = NaN;
    (pts[10_001] as SeriesPoint).y = NaN;
    (pts[20_000] as SeriesPoint).y = Infinity;
    (pts[30_000] as SeriesPoint).y = -Infinity;
    const out = downsampleMinMax(pts, 500);
    expect(out.points.filter((p) => Number.isNaN(p.y)).map((p) => p.x)).toEqual([10_001]);
    expect(out.points.filter((p) => p.y === Infinity).map((p) => p.x)).toEqual([20_001]);
    expect(out.points.filter((p) => p.y === -Infinity).map((p) => p.x)).toEqual([30_001]);
    const finite = pts.filter((p) => Number.isFinite(p.y)).map((p) => p.y as number);
    const kept = out.points.filter((p) => Number.isFinite(p.y)).map((p) => p.y as number);
    expect(Math.max(...kept)).toBe(Math.max(...finite));
    expect(Math.min(...kept)).toBe(Math.min(...finite));
  });

  it('keeps the latest point even when it is neither min nor max of its bucket', () => {
    const ys: number[] = Array.from({ length: 10_000 }, (_, i) => (i % 2 === 0 ? 1 : 3));
    ys[ys.length - 1] = 2;
    const out = downsampleMinMax(series(ys), 100);
    expect(out.points.at(-1)).toEqual({ x: 10_000, y: 2 });
  });

  it('handles an all-null or empty series', () => {
    expect(downsampleMinMax([], 10)).toEqual({ points: [], sampled: false });
    expect(downsampleMinMax(series(Array.from({ length: 5000 }, () => null)), 10)).toEqual({
      points: [],
      sampled: false,
    });
  });
});

describe('wire numbers', () => {
  it('round-trips non-finite values through JSON', () => {
    const values = [1.5, null, NaN, Infinity, -Infinity];
    const back = (JSON.parse(JSON.stringify(values.map(toWireNumber))) as ReturnType<typeof toWireNumber>[]).map(
      fromWireNumber,
    );
    expect(back).toEqual(values);
  });
});
