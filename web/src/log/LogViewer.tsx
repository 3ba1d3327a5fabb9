// The run's log: live tail (pausable), search, rank filter, jump to an iteration, earlier windows on demand.
// Lines arrive by byte windows from the server and only the rows in view are in the DOM (fixed row height), so a
// million-line log stays as fast as a short one. Typing filters the loaded lines; Enter searches the whole file on
// the server (newest matches first, a bounded slice of the file per request, "search earlier" for the rest), and a
// match opens the window around it. Lines are shown unwrapped (the box scrolls sideways), wrapped, or with
// iteration lines as columns; the choice is remembered in this browser.
import { useMemo, useState } from 'react';
import type { LogWindowQuery } from '../api.js';
import { LogControls } from './LogControls.js';
import { LogLines } from './LogLines.js';
import { LogSearchResults } from './LogSearchResults.js';
import { loadLogDisplay, saveLogDisplay, type LogDisplay } from './logDisplay.js';
import { filterLines, ranksIn } from './logText.js';
import { useLogScroll } from './useLogScroll.js';
import { useLogSearch } from './useLogSearch.js';
import { useLogWindow } from './useLogWindow.js';

export function LogViewer({ runId }: { runId: number }) {
  // One error line for the tail, the windows and the search: the latest outcome of any of them.
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [rank, setRank] = useState('all');
  /** Byte offset of the search match whose window is shown. */
  const [openedMatch, setOpenedMatch] = useState<number | null>(null);
  const win = useLogWindow(runId, setError);
  const server = useLogSearch(runId, setError);
  const ranks = useMemo(() => ranksIn(win.lines), [win.lines]);
  const shown = useMemo(() => filterLines(win.lines, search, rank), [win.lines, search, rank]);
  const [display, setDisplay] = useState<LogDisplay>(loadLogDisplay);
  const scroll = useLogScroll(shown, display === 'wrap');

  /** Shows a window with one line focused and the tail paused (an iteration jump, a search match). */
  const openWindow = (query: LogWindowQuery) =>
    win.open(query, (focus) => {
      setSearch('');
      setRank('all');
      scroll.focusLine(focus ?? 0);
    });
  const togglePause = () => {
    if (win.paused) {
      win.resume();
      setOpenedMatch(null);
    } else win.pause();
    scroll.followEnd();
  };

  return (
    <section className="log-viewer" data-testid="log-viewer">
      <LogControls
        paused={win.paused}
        onTogglePause={togglePause}
        search={search}
        onSearchChange={setSearch}
        onSearchAll={() => void server.start(search, rank)}
        rank={rank}
        ranks={ranks}
        onRankChange={setRank}
        onJump={(iteration) => {
          setOpenedMatch(null);
          void openWindow({ iteration });
        }}
        display={display}
        onDisplayChange={(d) => {
          setDisplay(d);
          saveLogDisplay(d);
        }}
        canLoadEarlier={win.range !== null && win.range.start !== 0}
        onLoadEarlier={() => void win.earlier()}
        shownCount={shown.length}
        range={win.range}
      />
      {error && <p className="error">{error}</p>}
      {server.search && (
        <LogSearchResults
          search={server.search}
          opened={openedMatch}
          onEarlier={() => void server.earlier()}
          onClose={server.close}
          onOpen={(offset) => {
            setOpenedMatch(offset);
            void openWindow({ around: offset });
          }}
        />
      )}
      <LogLines
        scroll={scroll}
        shown={shown}
        display={display}
        focused={shown === win.lines ? win.focused : null}
        emptyHint={
          shown.length === 0 && win.lines.length > 0
            ? `no loaded line matches${search ? ' — press Enter to search the whole log' : ''}`
            : null
        }
      />
    </section>
  );
}
