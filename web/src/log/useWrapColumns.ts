// How many characters of the log's monospace font fit across the log box, kept up to date as the box resizes.
// A hidden 100ch-wide probe inside the box gives the character width in the box's own font.
import { useEffect, useState, type RefObject } from 'react';

/** Horizontal padding of a log line (both sides), px: must match `.log-line` in styles.css. */
export const LINE_PADDING_PX = 16;

/** Characters per row for a box `boxWidth` px wide; half a character spare so the browser never wraps earlier. */
export function columnsFor(boxWidth: number, charWidth: number): number | null {
  if (!(charWidth > 0) || !(boxWidth > 0)) return null;
  return Math.max(1, Math.floor((boxWidth - LINE_PADDING_PX) / charWidth - 0.5));
}

export function useWrapColumns(box: RefObject<HTMLElement | null>, enabled: boolean): number | null {
  const [cols, setCols] = useState<number | null>(null);
  useEffect(() => {
    const el = box.current;
    if (!enabled || !el) {
      setCols(null);
      return;
    }
    const probe = document.createElement('span');
    probe.setAttribute('aria-hidden', 'true');
    probe.style.cssText = 'position:absolute;visibility:hidden;width:100ch;height:0;left:0;top:0';
    el.appendChild(probe);
    const measure = () => setCols(columnsFor(el.clientWidth, probe.getBoundingClientRect().width / 100));
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
      probe.remove();
    };
  }, [box, enabled]);
  return cols;
}
