import { describe, expect, it } from 'vitest';
import { columnsFor, LINE_PADDING_PX } from './useWrapColumns.js';

describe('columnsFor', () => {
  it('fits whole characters in the box less the line padding, half a character spare', () => {
    // 358 px box, 7.2245 px characters (12 px monospace): 47.3 fit, 46 are used so the browser never wraps earlier.
    expect(columnsFor(358, 7.2245)).toBe(46);
    expect(columnsFor(LINE_PADDING_PX + 10 * 8 + 4, 8)).toBe(10);
    expect(columnsFor(LINE_PADDING_PX + 10 * 8 + 3, 8)).toBe(9);
  });
  it('answers null before the box or the font is measured, and at least one column', () => {
    expect(columnsFor(0, 7)).toBeNull();
    expect(columnsFor(300, 0)).toBeNull();
    expect(columnsFor(20, 7)).toBe(1);
  });
});
