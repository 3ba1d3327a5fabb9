// The run's log: live tail (pausable), search, rank filter, jump to an iteration, earlier windows on demand.
// Lines arrive by byte windows from the server and only the rows in view are in the DOM (fixed row height), so a
// million-line log stays as fast as a short one. Typing filters the loaded lines; Enter searches the whole file on
// the server (newest matches first, a bounded slice of the file per request, "search earlier" for the rest), and a
// match opens the window around it.
import { useEffect, useMemo, useRef, useState } from 'react';

interface LogWindow {
  sourceId: number;
  size: number;
  start: number;
  end: number;
  lines: string[];
  focus: number | null;
}

interface LogSearchAnswer {
  matches: Array<{ offset: number; line: string }>;
  scannedFrom: number;
  size: number;
  stoppedEarly: 'limit' | 'bytes' | 'time' | null;
}

/** A whole-log search: its query, every match so far (newest first) and how far back it has read. */
interface ServerSearch {
  text: string;
  rank: string;
  matches: LogSearchAnswer['matches'];
  /** The end of the file when the search began: progress is counted back from it. */
  from: number;
  scannedFrom: number;
  busy: boolean;
}

const ROW = 18;
const VIEW_ROWS = 30;
/** Lines kept in memory while tailing: the oldest go first (older text is re-read by byte range on demand). */
const MAX_LINES = 200_000;

async function fetchWindow(runId: number, query: string): Promise<LogWindow> {
  const res = await fetch(`/api/runs/${runId}/log${query}`);
  const body = (await res.json()) as LogWindow & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

async function fetchSearch(runId: number, text: string, rank: string, before: number | null): Promise<LogSearchAnswer> {
  const params = new URLSearchParams({ q: text });
  if (rank !== 'all') params.set('rank', rank);
  if (before !== null) params.set('before', String(before));
  const res = await fetch(`/api/runs/${runId}/log/search?${params}`);
  const body = (await res.json()) as LogSearchAnswer & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `HTTP ${res.status}`);
  return body;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(n < 100 * 1024 * 1024 ? 1 : 0)} MB`;
}

export function LogViewer({ runId }: { runId: number }) {
  const [lines, setLines] = useState<string[]>([]);
  const [range, setRange] = useState<{ start: number; end: number } | null>(null);
  const [paused, setPaused] = useState(false);
  const [search, setSearch] = useState('');
  const [rank, setRank] = useState('all');
  const [error, setError] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [server, setServer] = useState<ServerSearch | null>(null);
  /** Index into `lines` of the line a jump or a match brought into view. */
  const [focused, setFocused] = useState<number | null>(null);
  /** Byte offset of the search match whose window is shown. */
  const [openedMatch, setOpenedMatch] = useState<number | null>(null);
  const searchId = useRef(0);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);

  // Tail: first the last window, then whatever follows the end already read.
  useEffect(() => {
    if (paused) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const w = await fetchWindow(runId, range ? `?offset=${range.end}` : '');
        if (!alive) return;
        if (w.lines.length > 0 || !range) {
          setLines((prev) => (range ? [...prev, ...w.lines] : w.lines).slice(-MAX_LINES));
          setRange((r) => ({ start: r?.start ?? w.start, end: w.end }));
        }
        setError(null);
      } catch (err) {
        if (alive) setError((err as Error).message);
      }
      if (alive) timer = setTimeout(() => void tick(), 1000);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [runId, paused, range]);

  const ranks = useMemo(() => {
    const seen = new Set<string>();
    for (let i = Math.max(0, lines.length - 5000); i < lines.length; i++) {
      const m = /^\[default(\d+)\]:/.exec(lines[i] as string);
      if (m) seen.add(m[1] as string);
    }
    return [...seen].sort((a, b) => Number(a) - Number(b));
  }, [lines]);
  const shown = useMemo(() => {
    const needle = search.toLowerCase();
    const prefix = `[default${rank}]:`;
    if (!needle && rank === 'all') return lines;
    return lines.filter((l) => (rank === 'all' || l.startsWith(prefix)) && (!needle || l.toLowerCase().includes(needle)));
  }, [lines, search, rank]);

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

  const first = Math.max(0, Math.floor(scrollTop / ROW) - 5);
  const visible = shown.slice(first, first + VIEW_ROWS + 10);

  /** Shows a window with one line focused and the tail paused (an iteration jump, a search match). */
  const openWindow = async (query: string) => {
    try {
      setPaused(true);
      const w = await fetchWindow(runId, query);
      setSearch('');
      setRank('all');
      setLines(w.lines);
      setRange({ start: w.start, end: w.end });
      follow.current = false;
      setFocused(w.focus);
      setPendingFocus(w.focus ?? 0);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const jump = (iteration: number) => {
    setOpenedMatch(null);
    return openWindow(`?iteration=${iteration}`);
  };
  const earlier = async () => {
    if (!range || range.start === 0) return;
    const from = Math.max(0, range.start - 256 * 1024);
    const w = await fetchWindow(runId, `?offset=${from}&length=${range.start - from}`);
    setLines((prev) => [...w.lines, ...prev]);
    setRange((r) => (r ? { start: w.start, end: r.end } : r));
    setFocused((f) => (f === null ? f : f + w.lines.length));
  };
  /** Searches the whole log on the server: afresh, or earlier than where the previous request stopped. */
  const searchServer = async (previous: ServerSearch | null) => {
    const text = previous?.text ?? search;
    const rankFilter = previous?.rank ?? rank;
    if (!text) return;
    const id = ++searchId.current;
    setServer({ text, rank: rankFilter, matches: previous?.matches ?? [], from: previous?.from ?? 0, scannedFrom: previous?.scannedFrom ?? 0, busy: true });
    try {
      const answer = await fetchSearch(runId, text, rankFilter, previous ? previous.scannedFrom : null);
      if (id !== searchId.current) return; // a newer search replaced this one
      setServer({ text, rank: rankFilter, matches: [...(previous?.matches ?? []), ...answer.matches], from: previous?.from ?? answer.size, scannedFrom: answer.scannedFrom, busy: false });
      setError(null);
    } catch (err) {
      if (id !== searchId.current) return;
      setServer((s) => (s ? { ...s, busy: false } : s));
      setError((err as Error).message);
    }
  };

  return (
    <section className="log-viewer" data-testid="log-viewer">
      <div className="controls">
        <button onClick={() => {
          // Resuming goes back to the end of the file (a jumped-to window may be hundreds of MB before it).
          if (paused) { setRange(null); setFocused(null); setOpenedMatch(null); }
          setPaused((p) => !p);
          follow.current = true;
        }} data-testid="log-pause">{paused ? '▶ resume tail' : '❚❚ pause'}</button>
        <form onSubmit={(e) => { e.preventDefault(); void searchServer(null); }}>
          <input placeholder="search (Enter: whole log)" value={search} maxLength={200} onChange={(e) => setSearch(e.target.value)} data-testid="log-search" />
          <button type="submit" disabled={!search} data-testid="log-search-all">search whole log</button>
        </form>
        <label>rank <select value={rank} onChange={(e) => setRank(e.target.value)} data-testid="log-rank">
          <option value="all">all</option>
          {ranks.map((r) => <option key={r} value={r}>{r}</option>)}
        </select></label>
        <form onSubmit={(e) => { e.preventDefault(); const v = Number(new FormData(e.currentTarget).get('it')); if (Number.isInteger(v) && v >= 0) void jump(v); }}>
          <input name="it" placeholder="jump to iteration" inputMode="numeric" data-testid="log-jump" />
        </form>
        <button onClick={() => void earlier()} disabled={!range || range.start === 0}>load earlier</button>
        <span className="hint">{shown.length} lines{range ? ` · bytes ${range.start}–${range.end}` : ''}</span>
      </div>
      {error && <p className="error">{error}</p>}
      {server && (
        <div className="log-search-results" data-testid="log-search-results">
          <p className="hint" data-testid="log-search-progress">
            {server.busy ? 'searching… ' : ''}{server.matches.length} match{server.matches.length === 1 ? '' : 'es'} for “{server.text}”
            {server.rank !== 'all' ? ` on rank ${server.rank}` : ''}
            {server.from > 0 && ` · ${server.scannedFrom === 0 && !server.busy ? `searched the whole log (${formatBytes(server.from)})` : `searched ${formatBytes(server.from - server.scannedFrom)} of ${formatBytes(server.from)}`}`}
            {' '}<button onClick={() => void searchServer(server)} disabled={server.busy || server.scannedFrom === 0} data-testid="log-search-earlier">search earlier</button>
            {' '}<button onClick={() => { searchId.current++; setServer(null); }}>close</button>
          </p>
          <ol>
            {server.matches.map((m) => (
              <li key={m.offset}>
                <button className={m.offset === openedMatch ? 'opened' : ''} onClick={() => { setOpenedMatch(m.offset); void openWindow(`?around=${m.offset}`); }} data-testid="log-match" title={`byte ${m.offset}`}>
                  <span className="offset">{formatBytes(m.offset)}</span> <span className="text">{m.line}</span>
                </button>
              </li>
            ))}
          </ol>
        </div>
      )}
      <div className="log-box" ref={box} onScroll={(e) => {
        const el = e.currentTarget;
        setScrollTop(el.scrollTop);
        follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
      }} style={{ height: VIEW_ROWS * ROW }}>
        {shown.length === 0 && lines.length > 0 && <p className="hint log-empty">no loaded line matches{search ? ' — press Enter to search the whole log' : ''}</p>}
        <div style={{ height: shown.length * ROW, position: 'relative' }}>
          {visible.map((l, i) => (
            <div key={first + i} className={focused !== null && shown === lines && first + i === focused ? 'log-line focused' : 'log-line'} style={{ top: (first + i) * ROW, height: ROW }}>{l}</div>
          ))}
        </div>
      </div>
    </section>
  );
}
