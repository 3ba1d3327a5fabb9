import { describe, expect, it } from 'vitest';
import type { Overview } from '@trainboard/shared/api';
import { freshness, headerValues, lastValidation } from './headerValues.js';
import type { NewestPoint } from './newestPoint.js';

const latest: NonNullable<Overview['latest']> = {
  iteration: 118,
  trainIters: 391,
  timeMs: 10_000,
  lmLoss: 4.2,
  tflops: 100,
  consumedSamples: 1_000,
  consumedTokens: 2_000_000,
};
const point = (p: Partial<NewestPoint>): NewestPoint => ({
  id: 500,
  iteration: 119,
  timeMs: 11_000,
  lmLoss: 4.1,
  consumedTokens: 2_010_000,
  ...p,
});

describe('header values', () => {
  it('follow the live point when it was logged after the polled iteration', () => {
    expect(headerValues(latest, point({}))).toMatchObject({
      iteration: 119,
      lmLoss: 4.1,
      timeMs: 11_000,
      fromLive: true,
    });
  });

  it('follow a restart: the live iteration drops below the polled one but is newer', () => {
    expect(headerValues(latest, point({ iteration: 102, timeMs: 12_000 }))).toMatchObject({
      iteration: 102,
      fromLive: true,
    });
  });

  it('keep the polled values when the poll is as new or newer', () => {
    expect(headerValues(latest, point({ timeMs: 10_000 }))).toMatchObject({ iteration: 118, fromLive: false });
    expect(headerValues(latest, point({ timeMs: null }))).toMatchObject({ iteration: 118, fromLive: false });
    expect(headerValues(latest, null)).toMatchObject({ iteration: 118, trainIters: 391, fromLive: false });
  });

  it('take the live point when nothing was polled yet', () => {
    expect(headerValues(null, point({}))).toMatchObject({ iteration: 119, trainIters: null, fromLive: true });
  });
});

describe('freshness', () => {
  it('is stale past the window, live within it', () => {
    expect(freshness(1_000, 20_000, 15_000, true)).toEqual({ stale: true, ageMs: 19_000 });
    expect(freshness(10_000, 20_000, 15_000, true)).toEqual({ stale: false, ageMs: 10_000 });
  });

  it('is stale whatever the age while the server cannot be reached', () => {
    expect(freshness(19_000, 20_000, 15_000, false).stale).toBe(true);
  });
});

describe('last validation', () => {
  it("takes the main group's newest finite loss, with its perplexity", () => {
    const v = lastValidation({
      valid_en: [[40, 2]],
      valid: [
        [20, 3],
        [40, 2.5],
        [60, null],
      ],
    });
    expect(v).toMatchObject({ group: 'valid', iteration: 40, loss: 2.5 });
    expect(v?.perplexity).toBeCloseTo(Math.exp(2.5), 10);
  });

  it('falls back to the first group, and to nothing', () => {
    expect(lastValidation({ valid_fr: [[10, 1]] })).toMatchObject({ group: 'valid_fr', iteration: 10 });
    expect(lastValidation({})).toBeNull();
  });
});
