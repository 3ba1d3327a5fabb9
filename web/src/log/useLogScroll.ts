// Virtual scrolling of the log box: rows have a fixed height, so only the rows in view (and a few around) are in the
// DOM. The box follows the end of the lines while scrolled to the bottom, and a focus request scrolls a line near
// the top once its window is rendered.
import { useEffect, useRef, useState, type RefObject, type UIEvent } from 'react';

export const ROW = 18;
export const VIEW_ROWS = 30;
/** Rows rendered above and below the view, so a fast scroll does not show blank rows. */
const OVERSCAN = 5;

export interface LogScroll {
  box: RefObject<HTMLDivElement | null>;
  /** Index into the shown lines of the first rendered row, and the rendered lines from there. */
  first: number;
  visible: string[];
  onScroll(e: UIEvent<HTMLDivElement>): void;
  /** Stops following the end and scrolls the line at `index` near the top once it is rendered. */
  focusLine(index: number): void;
  followEnd(): void;
}

export function useLogScroll(shown: string[]): LogScroll {
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const [scrollTop, setScrollTop] = useState(0);
  const [pendingFocus, setPendingFocus] = useState<number | null>(null);

  useEffect(() => {
    if (!box.current) return;
    if (pendingFocus !== null) {
      // After the jumped-to window is rendered (its height exists), bring the iteration's line near the top.
      box.current.scrollTop = Math.max(0, (pendingFocus - 3) * ROW);
      setScrollTop(box.current.scrollTop);
      setPendingFocus(null);
    } else if (follow.current) box.current.scrollTop = box.current.scrollHeight;
  }, [shown, pendingFocus]);

  const first = firstRenderedRow(scrollTop, shown.length);
  return {
    box,
    first,
    visible: shown.slice(first, first + VIEW_ROWS + 2 * OVERSCAN),
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
 * The first row to render. The scroll position is clamped to the lines there are: when a filter shrinks them, the
 * last scroll event still holds the old position until the browser reports the clamped one, and rendering from there
 * would show an empty box for a frame.
 */
export function firstRenderedRow(scrollTop: number, shownCount: number): number {
  const top = Math.min(scrollTop, Math.max(0, (shownCount - VIEW_ROWS) * ROW));
  return Math.max(0, Math.floor(top / ROW) - OVERSCAN);
}
