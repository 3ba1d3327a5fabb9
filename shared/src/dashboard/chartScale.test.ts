import { scaleLinear, scaleLog } from 'd3-scale';
import { describe, expect, it } from 'vitest';
import { axisFrame, finiteExtent, pixelInverse, pixelScale, unionExtent } from './chartScale.js';

describe('finiteExtent', () => {
  it('spans the finite values, skipping null, NaN and ±Inf', () => {
    expect(finiteExtent([3, null, NaN, -Infinity, 1, Infinity, 7])).toEqual([1, 7]);
  });
  it('keeps only positive values for a log axis, and is null when nothing is left', () => {
    expect(finiteExtent([-2, 0, 0.5, 4], true)).toEqual([0.5, 4]);
    expect(finiteExtent([0, -1, NaN], true)).toBeNull();
    expect(finiteExtent([])).toBeNull();
  });
  it('merges extents, ignoring missing ones', () => {
    expect(unionExtent(null, [2, 3], [1, 2.5], null)).toEqual([1, 3]);
    expect(unionExtent(null)).toBeNull();
  });
});

describe('axisFrame', () => {
  it('rounds a linear domain outwards to whole tick steps, ticks inside it', () => {
    const f = axisFrame([2.37, 10.9], 'linear');
    expect(f.domain).toEqual([2, 12]); // step 2
    expect(f.ticks[0]).toBe(2);
    expect(f.ticks.at(-1)).toBe(12);
    expect(f.ticks.length).toBeGreaterThanOrEqual(3);
    expect(f.ticks.length).toBeLessThanOrEqual(11);
  });

  it('keeps the same domain while live points stay inside it (the chart frame is not redrawn)', () => {
    const first = axisFrame([1, 2114], 'linear');
    expect(first.domain).toEqual([0, 2500]);
    for (let last = 2115; last <= 2500; last += 17) expect(axisFrame([1, last], 'linear').domain).toEqual([0, 2500]);
    expect(axisFrame([1, 2501], 'linear').domain[1]).toBeGreaterThan(2500);
  });

  it('snaps an x axis finely: the curve keeps most of the width', () => {
    const f = axisFrame([45_000, 160_702], 'linear', 'fine');
    expect(f.domain).toEqual([45_000, 165_000]);
    expect(f.ticks).toEqual([60_000, 80_000, 100_000, 120_000, 140_000, 160_000]);
    expect(axisFrame([45_000, 164_999], 'linear', 'fine').domain).toEqual([45_000, 165_000]); // until the next step
    const t0 = Date.UTC(2022, 2, 11, 10, 7, 13);
    const t = axisFrame([t0, t0 + 47 * 60_000], 'time', 'fine');
    expect(t.domain[1] - (t0 + 47 * 60_000)).toBeLessThanOrEqual(5 * 60_000);
  });

  it('widens a single value so the axis has a span', () => {
    const f = axisFrame([5, 5], 'linear');
    expect(f.domain[0]).toBeLessThan(5);
    expect(f.domain[1]).toBeGreaterThan(5);
    expect(axisFrame([0, 0], 'linear').domain).toEqual([-1, 1]);
  });

  it('rounds a log domain to 1, 2 or 5 times a power of ten, and thins its ticks', () => {
    const f = axisFrame([2.4, 11.3], 'log');
    expect(f.domain).toEqual([2, 20]);
    expect(f.ticks).toEqual([2, 5, 10, 20]);
    expect(axisFrame([3e-6, 6e-5], 'log').domain).toEqual([2e-6, 1e-4]);
    expect(axisFrame([0.3, 0.3], 'log').domain).toEqual([0.1, 1]);
    expect(axisFrame([0.15, 0.9], 'log').ticks).toEqual([0.1, 0.2, 0.5, 1]); // not 0.24 (its mantissa is 2.4)
  });

  it('keeps at most a handful of powers of ten on a log axis over many decades', () => {
    const f = axisFrame([3e-11, 4.9e-5], 'log');
    expect(f.domain).toEqual([2e-11, 5e-5]);
    expect(f.ticks.length).toBeGreaterThanOrEqual(3);
    expect(f.ticks.length).toBeLessThanOrEqual(6);
    for (const t of f.ticks) expect(Math.log10(t)).toBeCloseTo(Math.round(Math.log10(t)), 9);
    expect(axisFrame([0.011, 90], 'log').ticks).toEqual([0.01, 0.1, 1, 10, 100]);
  });

  it('keeps a few readable ticks on a log axis of less than a decade', () => {
    const f = axisFrame([2.1, 4.8], 'log');
    expect(f.domain).toEqual([2, 5]);
    expect(f.ticks.length).toBeGreaterThanOrEqual(3);
    expect(f.ticks.length).toBeLessThanOrEqual(6);
    expect(f.ticks).toEqual([2, 3, 4, 5]);
  });

  it('refuses a log axis over a non-positive extent', () => {
    expect(() => axisFrame([0, 3], 'log')).toThrow(/positive/);
  });

  it('rounds wall time to time steps', () => {
    const t0 = Date.UTC(2022, 2, 11, 10, 7, 13);
    const f = axisFrame([t0, t0 + 47 * 60_000], 'time');
    expect(f.domain[0]).toBeLessThanOrEqual(t0);
    expect(f.domain[1]).toBeGreaterThanOrEqual(t0 + 47 * 60_000);
    for (const t of f.ticks) expect(t % 60_000).toBe(0); // whole minutes
  });
});

describe('pixelScale', () => {
  it('maps the domain onto the range and back (linear, log)', () => {
    const y = pixelScale('linear', [0, 10], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(5)).toBe(100);
    expect(pixelInverse('linear', [0, 10], [200, 0])(50)).toBe(7.5);
    const ly = pixelScale('log', [1, 100], [200, 0]);
    expect(ly(10)).toBeCloseTo(100, 9);
    expect(pixelInverse('log', [1, 100], [200, 0])(100)).toBeCloseTo(10, 9);
  });

  it("maps as d3 (recharts' scales) does", () => {
    const cases = [
      ['linear', [-3, 17], scaleLinear().domain([-3, 17])],
      ['log', [2e-6, 1e-4], scaleLog().domain([2e-6, 1e-4])],
    ] as const;
    for (const [kind, domain, scale] of cases) {
      const d3 = scale.copy().range([212, 0]);
      const ours = pixelScale(kind, [...domain], [212, 0]);
      for (const v of [domain[0], domain[1], (domain[0] + domain[1]) / 3]) expect(ours(v)).toBeCloseTo(d3(v), 9);
    }
  });
});
