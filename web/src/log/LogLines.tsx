// The log box: only the rendered rows are in the DOM, absolutely placed in a spacer as tall as every shown line.
import { ROW, VIEW_ROWS, type LogScroll } from './useLogScroll.js';

export interface LogLinesProps {
  scroll: LogScroll;
  shownCount: number;
  /** Index of the focused line among the shown ones; null when none (or a filter hides the indexing). */
  focused: number | null;
  /** Shown in place of the lines when lines are loaded but the filter hides them all. */
  emptyHint: string | null;
}

export function LogLines({ scroll, shownCount, focused, emptyHint }: LogLinesProps) {
  return (
    <div className="log-box" ref={scroll.box} onScroll={scroll.onScroll} style={{ height: VIEW_ROWS * ROW }}>
      {emptyHint !== null && <p className="hint log-empty">{emptyHint}</p>}
      <div style={{ height: shownCount * ROW, position: 'relative' }}>
        {scroll.visible.map((l, i) => (
          <div
            key={scroll.first + i}
            className={scroll.first + i === focused ? 'log-line focused' : 'log-line'}
            style={{ top: (scroll.first + i) * ROW, height: ROW }}
          >
            {l}
          </div>
        ))}
      </div>
    </div>
  );
}
