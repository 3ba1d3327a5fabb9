import { describe, expect, it } from 'vitest';
import { mapIteration, type AxisAnchor } from './axis.js';
import { formatAgo, formatCount, formatDuration, formatValue } from './format.js';
import { runProgress } from './progress.js';
import { debiasedEma, debiasedEmaArray } from './smoothing.js';
import { DEFAULT_VIEW, decodeView, encodeView, type ViewState } from './viewState.js';

describe('debiasedEma', () => {
  it('is the identity at weight 0 and starts at the first value (debiased) otherwise', () => {
    expect(debiasedEma([3, 1, 2], 0)).toEqual([3, 1, 2]);
    const out = debiasedEma([4, 4, 4], 0.9);
    for (const v of out) expect(v).toBeCloseTo(4, 10);
  });

  it('follows the TensorBoard recurrence', () => {
    const w = 0.6;
    const out = debiasedEma([1, 3], w);
    expect(out[1]).toBeCloseTo(((1 - w) * 1 * w + (1 - w) * 3) / (1 - w ** 2), 12);
  });

  it('gives the same over a typed array (NaN for missing values)', () => {
    const values = [2, NaN, null, 5, Infinity, 1, 7];
    const typed = debiasedEmaArray(
      Float64Array.from(values, (v) => v ?? NaN),
      0.7,
    );
    debiasedEma(values, 0.7).forEach((v, i) =>
      v === null || Number.isNaN(v) ? expect(typed[i]).toBeNaN() : expect(typed[i]).toBeCloseTo(v, 12),
    );
    expect(typed[4]).toBe(Infinity);
  });

  it('passes NaN and null through without poisoning the average', () => {
    const out = debiasedEma([2, NaN, null, 2], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeNull();
    expect(out[3]).toBeCloseTo(2, 10);
  });
});

describe('runProgress', () => {
  it('computes fraction, ETA and the work a crash would lose', () => {
    const p = runProgress({
      iteration: 250,
      trainIters: 1000,
      recentIterationMs: 2000,
      lastCheckpointIteration: 200,
      consumedTokens: 5e8,
      targetTokens: 2e9,
    });
    expect(p).toEqual({
      fraction: 0.25,
      tokenFraction: 0.25,
      remainingIterations: 750,
      etaMs: 1_500_000,
      iterationsAtRisk: 50,
      workAtRiskMs: 100_000,
    });
  });

  it('has no ETA without a speed, and everything at risk before the first checkpoint', () => {
    const p = runProgress({
      iteration: 30,
      trainIters: 0,
      recentIterationMs: null,
      lastCheckpointIteration: null,
      consumedTokens: null,
      targetTokens: null,
    });
    expect(p.etaMs).toBeNull();
    expect(p.workAtRiskMs).toBeNull();
    expect(p.iterationsAtRisk).toBe(30);
    expect(p.fraction).toBe(1);
    expect(p.tokenFraction).toBeNull();
  });
});

describe('formats', () => {
  it('formats durations', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(250_000)).toBe('4m 10s');
    expect(formatDuration(3 * 3600_000 + 5 * 60_000)).toBe('3h 05m');
    expect(formatDuration(100 * 3600_000)).toBe('4d 4h');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });

  it('formats counts and values', () => {
    expect(formatCount(350e9)).toBe('350B');
    expect(formatCount(1.234e12)).toBe('1.23T');
    expect(formatCount(9_830_400)).toBe('9.83M');
    expect(formatCount(512)).toBe('512');
    expect(formatCount(null)).toBe('—');
    expect(formatValue(2.345678)).toBe('2.346');
    expect(formatValue(6e-5)).toBe('6.000e-5');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(-Infinity)).toBe('-Inf');
    expect(formatAgo(1000, 13_000)).toBe('12s ago');
    expect(formatAgo(null, 1)).toBe('never');
  });
});

describe('view state in the URL', () => {
  it('round-trips every field and leaves defaults out', () => {
    const v: ViewState = {
      x: 'tokens',
      smoothing: 0.9,
      log: true,
      from: 100,
      to: 5000,
      charts: ['loss', 'lr'],
      theme: 'light',
      compare: [7, 3],
    };
    expect(decodeView(encodeView(v))).toEqual(v);
    expect(encodeView(DEFAULT_VIEW)).toBe('');
    expect(decodeView('')).toEqual(DEFAULT_VIEW);
  });

  it('falls back per key on bad or hostile values and orders the range', () => {
    const v = decodeView('?x=<script>&smooth=7&log=yes&from=900&to=10&charts=loss,%3Cimg%3E,lr&theme=neon');
    expect(v).toEqual({ ...DEFAULT_VIEW, from: 10, to: 900, charts: ['loss', 'lr'] });
    expect(decodeView('?from=-5&to=1e3').from).toBeNull();
  });
});

describe('mapIteration', () => {
  const anchors: AxisAnchor[] = [
    [1, 1000, 10_000],
    [11, 21_000, null],
    [21, 41_000, 30_000],
  ];
  it('interpolates between anchors and skips missing values', () => {
    expect(mapIteration(anchors, 6, 1)).toBe(11_000);
    expect(mapIteration(anchors, 11, 2)).toBe(20_000);
  });
  it('extrapolates at the ends and gives null without anchors', () => {
    expect(mapIteration(anchors, 31, 1)).toBe(61_000);
    expect(mapIteration([], 5, 1)).toBeNull();
    expect(mapIteration([[5, 100, null]], 9, 1)).toBe(100);
  });
});
