// Virtual scrolling of the log box: only the lines in view (and a few around) are in the DOM, placed by a row
// layout (logRows.ts): one row per line, or wrapped at the box's width in characters. The box follows the end of
// the lines while scrolled to the bottom, and a focus request scrolls a line near the top once its window is
// rendered.
import { useEffect, useMemo, useRef, useState, type RefObject, type UIEvent } from 'react';
import { rowLayout, type RowLayout } from './logRows.js';
import { useWrapColumns } from './useWrapColumns.js';

export const ROW = 18;
export const VIEW_ROWS = 30;
/** Lines rendered above and below the view, so a fast scroll does not show blank rows. */
const OVERSCAN = 5;

export interface LogScroll {
  box: RefObject<HTMLDivElement | null>;
  layout: RowLayout;
  /** Characters per row when wrapping (null: not wrapping, or the box is not measured yet). */
  wrapColumns: number | null;
  /** Index into the shown lines of the first rendered line, and the rendered lines from there. */
  first: number;
  visible: string[];
  onScroll(e: UIEvent<HTMLDivElement>): void;
  /** Stops following the end and scrolls the line at `index` near the top once it is rendered. */
  focusLine(index: number): void;
  followEnd(): void;
}

export function useLogScroll(shown: string[], wrap: boolean): LogScroll {
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const [scrollTop, setScrollTop] = useState(0);
  const [pendingFocus, setPendingFocus] = useState<number | null>(null);
  const wrapColumns = useWrapColumns(box, wrap);
  const layout = useMemo(() => rowLayout(shown, wrapColumns), [shown, wrapColumns]);

  useEffect(() => {
    if (!box.current) return;
    if (pendingFocus !== null) {
      // After the jumped-to window is rendered (its height exists), bring the iteration's line near the top.
      box.current.scrollTop = Math.max(0, (layout.top(pendingFocus) - 3) * ROW);
      setScrollTop(box.current.scrollTop);
      setPendingFocus(null);
    } else if (follow.current) box.current.scrollTop = box.current.scrollHeight;
  }, [layout, pendingFocus]);

  const [first, last] = renderedLines(scrollTop, layout);
  return {
    box,
    layout,
    wrapColumns,
    first,
    visible: shown.slice(first, last + 1),
    onScroll: (e) => {
      const el = e.currentTarget;
      setScrollTop(el.scrollTop);
      follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
    },
    focusLine: (index) => {
      follow.current = false;
      setPendingFocus(index);
    },
    followEnd: () => {
      follow.current = true;
    },
  };
}

/**
 * The first and last line to render. The scroll position is clamped to the rows there are: when a filter shrinks
 * them, the last scroll event still holds the old position until the browser reports the clamped one, and rendering
 * from there would show an empty box for a frame.
 */
export function renderedLines(scrollTop: number, layout: RowLayout): [number, number] {
  const topRow = Math.min(scrollTop / ROW, Math.max(0, layout.totalRows - VIEW_ROWS));
  const first = Math.max(0, layout.lineAt(Math.floor(topRow)) - OVERSCAN);
  const last = layout.lineAt(Math.ceil(topRow) + VIEW_ROWS) + OVERSCAN;
  return [first, last];
}
