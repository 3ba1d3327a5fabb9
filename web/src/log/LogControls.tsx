// The log viewer's controls: pause/resume the tail, the filter text (Enter searches the whole log), the rank filter,
// jump to an iteration, how lines are shown (sideways scroll, wrapped, iteration columns), load earlier, and what is
// loaded. Every field has a label a screen reader reads.
import { LOG_DISPLAY_LABELS, LOG_DISPLAYS, type LogDisplay } from './logDisplay.js';

export interface LogControlsProps {
  paused: boolean;
  onTogglePause(): void;
  search: string;
  onSearchChange(text: string): void;
  onSearchAll(): void;
  rank: string;
  ranks: string[];
  onRankChange(rank: string): void;
  onJump(iteration: number): void;
  display: LogDisplay;
  onDisplayChange(display: LogDisplay): void;
  canLoadEarlier: boolean;
  onLoadEarlier(): void;
  shownCount: number;
  range: { start: number; end: number } | null;
}

export function LogControls(p: LogControlsProps) {
  return (
    <div className="controls" role="group" aria-label="log controls">
      <button onClick={p.onTogglePause} data-testid="log-pause">
        {p.paused ? '▶ resume tail' : '❚❚ pause'}
      </button>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          p.onSearchAll();
        }}
      >
        <input
          type="search"
          aria-label="search the log"
          placeholder="search (Enter: whole log)"
          value={p.search}
          maxLength={200}
          onChange={(e) => p.onSearchChange(e.target.value)}
          data-testid="log-search"
        />
        <button type="submit" disabled={!p.search} data-testid="log-search-all">
          search whole log
        </button>
      </form>
      <label>
        rank{' '}
        <select value={p.rank} onChange={(e) => p.onRankChange(e.target.value)} data-testid="log-rank">
          <option value="all">all</option>
          {p.ranks.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </label>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const v = Number(new FormData(e.currentTarget).get('it'));
          if (Number.isInteger(v) && v >= 0) p.onJump(v);
        }}
      >
        <input
          name="it"
          aria-label="jump to iteration"
          placeholder="jump to iteration"
          inputMode="numeric"
          data-testid="log-jump"
        />
      </form>
      <label>
        lines{' '}
        <select
          value={p.display}
          onChange={(e) => p.onDisplayChange(e.target.value as LogDisplay)}
          data-testid="log-display"
        >
          {LOG_DISPLAYS.map((d) => (
            <option key={d} value={d}>
              {LOG_DISPLAY_LABELS[d]}
            </option>
          ))}
        </select>
      </label>
      <button onClick={p.onLoadEarlier} disabled={!p.canLoadEarlier}>
        load earlier
      </button>
      <span className="hint">
        {p.shownCount} lines{p.range ? ` · bytes ${p.range.start}–${p.range.end}` : ''}
      </span>
    </div>
  );
}
