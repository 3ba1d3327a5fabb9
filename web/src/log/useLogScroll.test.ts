import { describe, expect, it } from 'vitest';
import { firstRenderedRow, ROW, VIEW_ROWS } from './useLogScroll.js';

describe('firstRenderedRow', () => {
  it('starts a few rows above the scroll position', () => {
    expect(firstRenderedRow(100 * ROW, 1000)).toBe(95);
    expect(firstRenderedRow(2 * ROW, 1000)).toBe(0);
  });
  it('keeps the last lines rendered when a filter leaves fewer lines than the old scroll position', () => {
    // Scrolled to the end of 1000 lines, then a filter leaves 40: rows 5..39 are in view once the browser clamps.
    const first = firstRenderedRow((1000 - VIEW_ROWS) * ROW, 40);
    expect(first).toBe(40 - VIEW_ROWS - 5);
    expect(firstRenderedRow((1000 - VIEW_ROWS) * ROW, 12)).toBe(0);
  });
});
