// The whole-log search's answer: progress (how much of the file was read), "search earlier", and the matches,
// newest first; a click opens the window around a match, which stays marked.
import { formatBytes } from './logText.js';
import type { ServerSearch } from './useLogSearch.js';

export interface LogSearchResultsProps {
  search: ServerSearch;
  /** Byte offset of the match whose window is shown. */
  opened: number | null;
  onEarlier(): void;
  onClose(): void;
  onOpen(offset: number): void;
}

export function LogSearchResults({ search, opened, onEarlier, onClose, onOpen }: LogSearchResultsProps) {
  return (
    <div className="log-search-results" data-testid="log-search-results">
      <p className="hint" data-testid="log-search-progress">
        {search.busy ? 'searching… ' : ''}
        {search.matches.length} match{search.matches.length === 1 ? '' : 'es'} for “{search.text}”
        {search.rank !== 'all' ? ` on rank ${search.rank}` : ''}
        {search.from > 0 && ` · ${searchedWhat(search)}`}{' '}
        <button onClick={onEarlier} disabled={search.busy || search.scannedFrom === 0} data-testid="log-search-earlier">
          search earlier
        </button>{' '}
        <button onClick={onClose}>close</button>
      </p>
      <ol>
        {search.matches.map((m) => (
          <li key={m.offset}>
            <button
              className={m.offset === opened ? 'opened' : ''}
              onClick={() => onOpen(m.offset)}
              data-testid="log-match"
              title={`byte ${m.offset}`}
            >
              <span className="offset">{formatBytes(m.offset)}</span> <span className="text">{m.line}</span>
            </button>
          </li>
        ))}
      </ol>
    </div>
  );
}

function searchedWhat(s: ServerSearch): string {
  return s.scannedFrom === 0 && !s.busy
    ? `searched the whole log (${formatBytes(s.from)})`
    : `searched ${formatBytes(s.from - s.scannedFrom)} of ${formatBytes(s.from)}`;
}
