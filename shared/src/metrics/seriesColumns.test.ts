import { describe, expect, it } from 'vitest';
import { minMaxIndices } from './downsample.js';
import { GrowingColumns, indexRange } from './seriesColumns.js';

/** A deterministic pseudo-random sequence (no flaky data). */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

describe('GrowingColumns', () => {
  it('grows past its capacity and keeps every point in order', () => {
    const c = new GrowingColumns(16);
    for (let i = 0; i < 1000; i++) c.push(i * 2, i);
    expect(c.length).toBe(1000);
    expect(c.lastX).toBe(1998);
    expect(Array.from(c.slice().ys)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(c.bytes).toBeGreaterThanOrEqual(1000 * 16);
  });

  it('refuses an x that goes backwards (a restart is a rebuild)', () => {
    const c = new GrowingColumns();
    c.push(5, 1);
    c.push(5, 2); // equal x is allowed
    expect(() => c.push(4, 3)).toThrow(/backwards/);
  });

  it('slices an inclusive iteration range, bounds optional, gaps and out-of-range bounds included', () => {
    const c = new GrowingColumns();
    for (const x of [1, 2, 4, 8, 16]) c.push(x, x * 10);
    expect(Array.from(c.slice(2, 8).xs)).toEqual([2, 4, 8]);
    expect(Array.from(c.slice(3, 7).xs)).toEqual([4]);
    expect(Array.from(c.slice(undefined, 3).xs)).toEqual([1, 2]);
    expect(Array.from(c.slice(9).xs)).toEqual([16]);
    expect(c.count(17, 99)).toBe(0);
    expect(c.count(0, 0)).toBe(0);
    expect(indexRange([1, 2, 3], 3, 3, 1)).toEqual([2, 2]);
  });

  it('downsamples a slice exactly as a fresh read of the same range, while it grows', () => {
    const rand = lcg(7);
    const c = new GrowingColumns(64);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 30_000; i++) {
      const x = i * 3 + (rand() < 0.1 ? 1 : 0);
      const r = rand();
      const y = r < 0.001 ? NaN : r < 0.0015 ? Infinity : r < 0.002 ? -Infinity : r < 0.003 ? 50 : 3 - i / 30_000 + r;
      c.push(x, y);
      xs.push(x);
      ys.push(y);
      if (i % 7_919 !== 0 && i !== 29_999) continue;
      for (const [from, to] of [
        [undefined, undefined],
        [300, 60_000],
        [xs[0], xs.at(-1)],
        [89_990, undefined],
      ]) {
        const fresh = xs
          .map((x, k) => [x, ys[k] as number] as const)
          .filter(([x]) => (from === undefined || x >= from) && (to === undefined || x <= to));
        const view = c.slice(from, to);
        const keepFresh = minMaxIndices(
          fresh.map(([, y]) => y),
          2000,
        );
        const keepCached = minMaxIndices(view.ys, 2000);
        expect(keepCached).toEqual(keepFresh);
        expect(Array.from(view.xs)).toEqual(fresh.map(([x]) => x));
      }
    }
  });
});
