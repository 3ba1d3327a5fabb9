// Where each shown log line sits, in visual rows of the log box. Unwrapped, every line is one row; wrapped at
// `cols` characters (the box's width in a monospace font, tabs to the next multiple of 8), a line takes as many rows
// as its text needs. Pure, so the virtual scroller can find the lines in view among 200k by binary search.

export const TAB = 8;

/** The width of `line` in character cells, tabs expanded. */
export function lineWidth(line: string): number {
  if (!line.includes('\t')) return line.length;
  let w = 0;
  for (const ch of line) w = ch === '\t' ? (Math.floor(w / TAB) + 1) * TAB : w + 1;
  return w;
}

/** The widest of `lines` in character cells (the scroll width when not wrapping). */
export function widestLine(lines: readonly string[], skip?: (line: string) => boolean): number {
  let widest = 0;
  for (const l of lines) if (l.length > widest && !skip?.(l)) widest = Math.max(widest, lineWidth(l));
  return widest;
}

export interface RowLayout {
  /** Rows above line `i` (i may be the line count: all rows). */
  top(i: number): number;
  /** Rows line `i` takes. */
  rows(i: number): number;
  /** The line covering row `row` (clamped to the lines there are). */
  lineAt(row: number): number;
  totalRows: number;
}

/** Every line one row. */
export function uniformRows(count: number): RowLayout {
  return {
    top: (i) => i,
    rows: () => 1,
    lineAt: (row) => Math.max(0, Math.min(count - 1, Math.floor(row))),
    totalRows: count,
  };
}

/** Lines wrapped at `cols` characters; `cols` null or < 1 means unwrapped. */
export function rowLayout(lines: readonly string[], cols: number | null): RowLayout {
  if (cols === null || cols < 1) return uniformRows(lines.length);
  const tops = new Float64Array(lines.length + 1);
  for (let i = 0; i < lines.length; i++)
    tops[i + 1] = (tops[i] as number) + Math.max(1, Math.ceil(lineWidth(lines[i] as string) / cols));
  const total = tops[lines.length] as number;
  return {
    top: (i) => tops[Math.max(0, Math.min(lines.length, i))] as number,
    rows: (i) => (tops[i + 1] as number) - (tops[i] as number),
    lineAt: (row) => {
      // The last line whose top is at or above `row`.
      let lo = 0;
      let hi = lines.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((tops[mid] as number) <= row) lo = mid;
        else hi = mid - 1;
      }
      return Math.max(0, lo);
    },
    totalRows: total,
  };
}
