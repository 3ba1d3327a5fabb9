// The log box: only the rendered lines are in the DOM, absolutely placed in a spacer as tall as every shown line's
// rows. Unwrapped lines keep one row and the box scrolls sideways to the widest; wrapped lines take the rows their
// text needs; in the columns view an iteration line is shown as iteration, loss, grad norm and throughput.
import { useMemo } from 'react';
import { iterationColumns, isIterationLine } from './iterationColumns.js';
import type { LogDisplay } from './logDisplay.js';
import { widestLine } from './logRows.js';
import { ROW, VIEW_ROWS, type LogScroll } from './useLogScroll.js';

/** Character cells of a columns row (the grid in styles.css): what the box scrolls to in the columns view. */
const COLUMNS_ROW_CH = 88;

export interface LogLinesProps {
  scroll: LogScroll;
  shown: string[];
  display: LogDisplay;
  /** Index of the focused line among the shown ones; null when none (or a filter hides the indexing). */
  focused: number | null;
  /** Shown in place of the lines when lines are loaded but the filter hides them all. */
  emptyHint: string | null;
}

export function LogLines({ scroll, shown, display, focused, emptyHint }: LogLinesProps) {
  const { layout, wrapColumns } = scroll;
  const widest = useMemo(
    () => (display === 'wrap' ? 0 : widestLine(shown, display === 'columns' ? isIterationLine : undefined)),
    [shown, display],
  );
  const contentCh = display === 'columns' ? Math.max(widest, COLUMNS_ROW_CH) : widest;
  return (
    <div
      className={`log-box log-${display}`}
      ref={scroll.box}
      onScroll={scroll.onScroll}
      style={{ height: VIEW_ROWS * ROW }}
      tabIndex={0}
      role="region"
      aria-label="log lines"
      data-testid="log-box"
    >
      {display === 'columns' && <ColumnsHead />}
      {emptyHint !== null && <p className="hint log-empty">{emptyHint}</p>}
      <div
        className="log-spacer"
        style={{
          height: layout.totalRows * ROW,
          width: display === 'wrap' ? undefined : `calc(${contentCh}ch + 16px)`,
        }}
      >
        {scroll.visible.map((l, i) => {
          const index = scroll.first + i;
          const cols = display === 'columns' ? iterationColumns(l) : null;
          return (
            <div
              key={index}
              className={`log-line${index === focused ? ' focused' : ''}${cols ? ' log-cols' : ''}`}
              style={{
                top: layout.top(index) * ROW,
                height: layout.rows(index) * ROW,
                width: wrapColumns === null ? undefined : `calc(${wrapColumns + 0.5}ch + 16px)`,
              }}
            >
              {cols ? (
                <>
                  <span>{cols.iteration}</span>
                  <span>{cols.loss}</span>
                  <span>{cols.gradNorm}</span>
                  <span>{cols.throughput}</span>
                  <span className="log-cols-prefix">{cols.prefix}</span>
                </>
              ) : (
                l
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function ColumnsHead() {
  return (
    <div className="log-line log-cols log-cols-head">
      <span>iteration</span>
      <span>loss</span>
      <span>grad norm</span>
      <span>throughput</span>
      <span className="log-cols-prefix">source</span>
    </div>
  );
}
