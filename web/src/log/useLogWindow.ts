// The lines the log viewer holds and where they come from: the live tail (polled once a second while not paused),
// a window opened around a line (an iteration jump, a search match; pauses the tail), and earlier windows prepended
// on demand. Only byte ranges are fetched, so a huge log costs what is viewed.
import { useEffect, useState } from 'react';
import { api, type LogWindowQuery } from '../api.js';

/** Lines kept in memory while tailing: the oldest go first (older text is re-read by byte range on demand). */
const MAX_LINES = 200_000;
/** Bytes fetched by "load earlier" (the server's window size). */
const EARLIER_BYTES = 256 * 1024;
const TAIL_POLL_MS = 1000;

export interface LogWindowState {
  lines: string[];
  /** Bytes of the file the lines cover; null before the first answer and after resuming the tail. */
  range: { start: number; end: number } | null;
  paused: boolean;
  /** Index into `lines` of the line a jump or a match brought into view. */
  focused: number | null;
  pause(): void;
  /** Back to the end of the file (a jumped-to window may be hundreds of MB before it). */
  resume(): void;
  /** Shows the window and pauses the tail; `onShown` runs with its focus line in the same update as the lines. */
  open(query: LogWindowQuery, onShown: (focus: number | null) => void): Promise<void>;
  earlier(): Promise<void>;
}

/** `reportError` must be stable (a state setter): the tail effect does not restart for it. */
export function useLogWindow(runId: number, reportError: (message: string | null) => void): LogWindowState {
  const [lines, setLines] = useState<string[]>([]);
  const [range, setRange] = useState<{ start: number; end: number } | null>(null);
  const [paused, setPaused] = useState(false);
  const [focused, setFocused] = useState<number | null>(null);

  // Tail: first the last window, then whatever follows the end already read.
  useEffect(() => {
    if (paused) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const w = await api.logWindow(runId, range ? { offset: range.end } : {});
        if (!alive) return;
        if (w.lines.length > 0 || !range) {
          setLines((prev) => (range ? [...prev, ...w.lines] : w.lines).slice(-MAX_LINES));
          setRange((r) => ({ start: r?.start ?? w.start, end: w.end }));
        }
        reportError(null);
      } catch (err) {
        if (alive) reportError((err as Error).message);
      }
      if (alive) timer = setTimeout(() => void tick(), TAIL_POLL_MS);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [runId, paused, range]);

  const open = async (query: LogWindowQuery, onShown: (focus: number | null) => void) => {
    try {
      setPaused(true);
      const w = await api.logWindow(runId, query);
      onShown(w.focus);
      setLines(w.lines);
      setRange({ start: w.start, end: w.end });
      setFocused(w.focus);
    } catch (err) {
      reportError((err as Error).message);
    }
  };

  const earlier = async () => {
    if (!range || range.start === 0) return;
    const from = Math.max(0, range.start - EARLIER_BYTES);
    const w = await api.logWindow(runId, { offset: from, length: range.start - from });
    setLines((prev) => [...w.lines, ...prev]);
    setRange((r) => (r ? { start: w.start, end: r.end } : r));
    setFocused((f) => (f === null ? f : f + w.lines.length));
  };

  const pause = () => setPaused(true);
  const resume = () => {
    setRange(null);
    setFocused(null);
    setPaused(false);
  };

  return { lines, range, paused, focused, pause, resume, open, earlier };
}
