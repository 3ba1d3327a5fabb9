import { describe, expect, it } from 'vitest';
import { lineWidth, rowLayout, uniformRows, widestLine } from './logRows.js';

describe('lineWidth', () => {
  it('counts characters, tabs to the next multiple of 8', () => {
    expect(lineWidth('abc')).toBe(3);
    expect(lineWidth('ab\tc')).toBe(9);
    expect(lineWidth('\t\t')).toBe(16);
  });
});

describe('widestLine', () => {
  it('finds the widest line, leaving out the skipped ones', () => {
    expect(widestLine(['a', 'abcd', 'ab'])).toBe(4);
    expect(widestLine(['a', 'abcd', 'ab'], (l) => l === 'abcd')).toBe(2);
    expect(widestLine([])).toBe(0);
  });
});

describe('rowLayout', () => {
  const lines = ['x'.repeat(10), '', 'y'.repeat(25), 'z'.repeat(5)];

  it('gives every line one row when not wrapping', () => {
    const l = rowLayout(lines, null);
    expect([l.top(0), l.top(2), l.top(4), l.totalRows]).toEqual([0, 2, 4, 4]);
    expect(l.lineAt(2.5)).toBe(2);
    expect(l.lineAt(99)).toBe(3);
    expect(uniformRows(0).lineAt(5)).toBe(0);
  });

  it('wraps each line into as many rows as its width needs (an empty line still takes one)', () => {
    const l = rowLayout(lines, 10);
    expect([0, 1, 2, 3].map((i) => l.rows(i))).toEqual([1, 1, 3, 1]);
    expect([0, 1, 2, 3, 4].map((i) => l.top(i))).toEqual([0, 1, 2, 5, 6]);
    expect(l.totalRows).toBe(6);
  });

  it('finds the line covering a row by binary search, the middle of a wrapped line included', () => {
    const l = rowLayout(lines, 10);
    expect([0, 1, 2, 3, 4, 5, 6, 100].map((r) => l.lineAt(r))).toEqual([0, 1, 2, 2, 2, 3, 3, 3]);
  });
});
