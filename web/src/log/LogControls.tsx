// The log viewer's controls: pause/resume the tail, the filter text (Enter searches the whole log), the rank filter,
// jump to an iteration, load earlier, and what is loaded.
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
  canLoadEarlier: boolean;
  onLoadEarlier(): void;
  shownCount: number;
  range: { start: number; end: number } | null;
}

export function LogControls(p: LogControlsProps) {
  return (
    <div className="controls">
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
        <input name="it" placeholder="jump to iteration" inputMode="numeric" data-testid="log-jump" />
      </form>
      <button onClick={p.onLoadEarlier} disabled={!p.canLoadEarlier}>
        load earlier
      </button>
      <span className="hint">
        {p.shownCount} lines{p.range ? ` · bytes ${p.range.start}–${p.range.end}` : ''}
      </span>
    </div>
  );
}
