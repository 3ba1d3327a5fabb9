import { describe, expect, it } from 'vitest';
import { ETTR_HINT, ettrFact } from './ettrFact.js';

describe('effective training time fact', () => {
  it('shows the share as a whole percent with the hint in words', () => {
    const f = ettrFact({ ettr: 0.8349, productiveMs: 8349, totalMs: 10_000, lostIterations: 0 });
    expect(f?.text).toBe('83 %');
    expect(f?.title).toContain(ETTR_HINT);
    expect(ETTR_HINT).toBe('share of wall time since the first job was submitted spent on iterations that were kept');
  });

  it('names the redone iterations when some were lost', () => {
    expect(ettrFact({ ettr: 0.5, lostIterations: 120 })?.title).toContain('120 iterations redone');
  });

  it('is hidden before an answer and while the server has no window', () => {
    expect(ettrFact(undefined)).toBeNull();
    expect(ettrFact({ ettr: null })).toBeNull();
  });

  it('clamps to 0–100 %', () => {
    expect(ettrFact({ ettr: 1.2 })?.text).toBe('100 %');
    expect(ettrFact({ ettr: 0 })?.text).toBe('0 %');
  });
});
