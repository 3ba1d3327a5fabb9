// The run's log: live tail (pausable), search, rank filter, jump to an iteration, earlier windows on demand.
// Lines arrive by byte windows from the server and only the rows in view are in the DOM (fixed row height), so a
// million-line log stays as fast as a short one.
import { useEffect, useMemo, useRef, useState } from 'react';

interface LogWindow {
  sourceId: number;
  size: number;
  start: number;
  end: number;
  lines: string[];
  focus: number | null;
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

export function LogViewer({ runId }: { runId: number }) {
  const [lines, setLines] = useState<string[]>([]);
  const [range, setRange] = useState<{ start: number; end: number } | null>(null);
  const [paused, setPaused] = useState(false);
  const [search, setSearch] = useState('');
  const [rank, setRank] = useState('all');
  const [error, setError] = useState<string | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
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

  const jump = async (iteration: number) => {
    try {
      setPaused(true);
      const w = await fetchWindow(runId, `?iteration=${iteration}`);
      setSearch('');
      setRank('all');
      setLines(w.lines);
      setRange({ start: w.start, end: w.end });
      follow.current = false;
      setPendingFocus(w.focus ?? 0);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const earlier = async () => {
    if (!range || range.start === 0) return;
    const from = Math.max(0, range.start - 256 * 1024);
    const w = await fetchWindow(runId, `?offset=${from}&length=${range.start - from}`);
    setLines((prev) => [...w.lines, ...prev]);
    setRange((r) => (r ? { start: w.start, end: r.end } : r));
  };

  return (
    <section className="log-viewer" data-testid="log-viewer">
      <div className="controls">
        <button onClick={() => { setPaused((p) => !p); follow.current = true; }} data-testid="log-pause">{paused ? '▶ resume tail' : '❚❚ pause'}</button>
        <input placeholder="search" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="log-search" />
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
      <div className="log-box" ref={box} onScroll={(e) => {
        const el = e.currentTarget;
        setScrollTop(el.scrollTop);
        follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW * 2;
      }} style={{ height: VIEW_ROWS * ROW }}>
        <div style={{ height: shown.length * ROW, position: 'relative' }}>
          {visible.map((l, i) => (
            <div key={first + i} className="log-line" style={{ top: (first + i) * ROW, height: ROW }}>{l}</div>
          ))}
        </div>
      </div>
    </section>
  );
}
