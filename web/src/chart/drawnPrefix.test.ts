import { describe, expect, it } from 'vitest';
import { plotSeries, type SeriesPoint } from '@trainboard/shared/dashboard/plotSeries';
import { drawnPrefix, lastPoint, type DrawnState } from './drawnPrefix.js';

const identity = (it: number) => it;
const opts = { toX: identity, smoothing: 0.6, log: false };
const canvas = {};
const points = (n: number, from = 1): SeriesPoint[] => Array.from({ length: n }, (_, i) => [from + i, 10 - i * 0.01]);

function state(main: ReturnType<typeof plotSeries>, over: Partial<DrawnState> = {}): DrawnState {
  return { main, key: 'axes', smoothing: 0.6, theme: 'dark', el: canvas, size: 1, ...over };
}
const drawn = (s: DrawnState): DrawnState => ({ ...s, count: s.main.xs.length, last: lastPoint(s.main) });

describe('drawnPrefix', () => {
  const first = points(100);
  const before = plotSeries(first, opts);
  const appended = [...first, ...points(5, 101)];
  const after = plotSeries(appended, opts, before);

  it('says the canvas holds all earlier points when live points were appended on unchanged axes', () => {
    expect(drawnPrefix(drawn(state(before)), state(after))).toBe(100);
  });

  it('asks for a full redraw when anything the drawing depends on changed', () => {
    const was = drawn(state(before));
    expect(drawnPrefix(null, state(after))).toBe(0);
    expect(drawnPrefix(was, state(after, { key: 'moved axes' }))).toBe(0);
    expect(drawnPrefix(was, state(after, { smoothing: 0.9 }))).toBe(0);
    expect(drawnPrefix(was, state(after, { theme: 'light' }))).toBe(0);
    expect(drawnPrefix(was, state(after, { el: {} }))).toBe(0);
    expect(drawnPrefix(was, state(after, { size: 2 }))).toBe(0);
    expect(drawnPrefix(was, state(plotSeries(appended, { ...opts, toX: (it) => it * 2 })))).toBe(0);
  });

  it('redraws after a restart replaced the tail, even when the last drawn iteration comes back', () => {
    const restarted = [...first.slice(0, 99), [100, 3] as SeriesPoint, ...points(3, 101)];
    expect(drawnPrefix(drawn(state(before)), state(plotSeries(restarted, opts, before)))).toBe(0);
    // A reload whose buckets moved: same first and last points, another middle.
    const rebucketed = first.map(([it, v], i) =>
      i === 50 ? ([it, (v ?? 0) + 1] as SeriesPoint) : ([it, v] as SeriesPoint),
    );
    expect(drawnPrefix(drawn(state(before)), state(plotSeries([...rebucketed, ...points(2, 101)], opts)))).toBe(0);
    const shorter = first.slice(0, 60);
    expect(drawnPrefix(drawn(state(before)), state(plotSeries(shorter, opts, before)))).toBe(0);
  });
});
