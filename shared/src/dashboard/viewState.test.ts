import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEW, MAX_COMPARED_RUNS, canonicalRunIds, decodeView, encodeView } from './viewState.js';

describe('compared runs in the URL', () => {
  it('round-trips the list in the order picked and leaves it out when empty', () => {
    const v = { ...DEFAULT_VIEW, compare: [12, 3] };
    expect(encodeView(v)).toBe('?compare=12%2C3');
    expect(decodeView(encodeView(v)).compare).toEqual([12, 3]);
    expect(encodeView({ ...DEFAULT_VIEW, compare: [] })).toBe('');
    expect(decodeView('').compare).toEqual([]);
  });

  it('keeps only canonical run ids, each once', () => {
    expect(decodeView('?compare=01,1e0,0x1,-2,0,2.5,%3Cimg%3E,,4,4,9').compare).toEqual([4, 9]);
    expect(canonicalRunIds(['7', '7', '8'])).toEqual([7, 8]);
  });

  it(`holds at most ${MAX_COMPARED_RUNS} runs, from the URL or from the page`, () => {
    expect(decodeView('?compare=1,2,3,4,5,6').compare).toEqual([1, 2, 3, 4]);
    expect(encodeView({ ...DEFAULT_VIEW, compare: [1, 2, 3, 4, 5, 6] })).toBe('?compare=1%2C2%2C3%2C4');
  });

  it('a bad compare value leaves the other keys applied', () => {
    expect(decodeView('?compare=nope&x=tokens')).toEqual({ ...DEFAULT_VIEW, x: 'tokens' });
  });
});
