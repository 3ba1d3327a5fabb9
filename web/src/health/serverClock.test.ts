import { describe, expect, it } from 'vitest';
import { mappedNowMs, pageNowMs, toServerMs } from './serverClock.js';

describe('the page clock in server time', () => {
  it('adds the browser time elapsed since the answer arrived to the server stamp', () => {
    // Browser clock 5 s behind the server: the mapped time follows the server's.
    expect(mappedNowMs(100_000, 95_000, 97_500)).toBe(102_500);
  });

  it('never runs backwards when the browser clock steps back', () => {
    expect(mappedNowMs(100_000, 95_000, 94_000)).toBe(100_000);
  });

  it('stops at the moment the connection was lost', () => {
    expect(pageNowMs(100_000, 95_000, 120_000, 98_000)).toBe(103_000);
    expect(pageNowMs(100_000, 95_000, 120_000, null)).toBe(125_000);
    // A clock last read before the loss (the one-second tick) still gives the moment of the loss.
    expect(pageNowMs(100_000, 95_000, 97_400, 98_000)).toBe(103_000);
  });

  it('maps a browser instant to the server clock', () => {
    expect(toServerMs(98_000, 100_000, 95_000)).toBe(103_000);
  });
});
