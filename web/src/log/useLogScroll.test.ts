import { describe, expect, it } from 'vitest';
import { rowLayout, uniformRows } from './logRows.js';
import { renderedLines, ROW, VIEW_ROWS } from './useLogScroll.js';

describe('renderedLines', () => {
  it('starts a few lines above the scroll position and ends a few below the view', () => {
    expect(renderedLines(100 * ROW, uniformRows(1000))).toEqual([95, 100 + VIEW_ROWS + 5]);
    expect(renderedLines(2 * ROW, uniformRows(1000))[0]).toBe(0);
  });
  it('keeps the last lines rendered when a filter leaves fewer lines than the old scroll position', () => {
    // Scrolled to the end of 1000 lines, then a filter leaves 40: rows 5..39 are in view once the browser clamps.
    expect(renderedLines((1000 - VIEW_ROWS) * ROW, uniformRows(40))[0]).toBe(40 - VIEW_ROWS - 5);
    expect(renderedLines((1000 - VIEW_ROWS) * ROW, uniformRows(12))[0]).toBe(0);
  });
  it('renders fewer, taller lines when they wrap', () => {
    // 100 lines of 3 rows each: row 150 is line 50, and the 30 rows in view hold 10 lines.
    const layout = rowLayout(
      Array.from({ length: 100 }, () => 'x'.repeat(30)),
      10,
    );
    expect(renderedLines(150 * ROW, layout)).toEqual([45, 60 + 5]);
  });
});
