// A whole-log search on the server: newest matches first, one bounded step per request, and "search earlier"
// continuing from where the previous step stopped. A newer search (or closing) makes a pending answer stale.
import { useRef, useState } from 'react';
import { api, type LogSearchResult } from '../api.js';

/** A whole-log search: its query, every match so far (newest first) and how far back it has read. */
export interface ServerSearch {
  text: string;
  rank: string;
  matches: LogSearchResult['matches'];
  /** The end of the file when the search began: progress is counted back from it. */
  from: number;
  scannedFrom: number;
  busy: boolean;
}

export interface LogSearchState {
  search: ServerSearch | null;
  /** Searches afresh from the end of the file; an empty text does nothing. */
  start(text: string, rank: string): Promise<void>;
  /** Searches earlier than where the current search stopped. */
  earlier(): Promise<void>;
  close(): void;
}

/** `reportError` must be stable (a state setter). */
export function useLogSearch(runId: number, reportError: (message: string | null) => void): LogSearchState {
  const [search, setSearch] = useState<ServerSearch | null>(null);
  const searchId = useRef(0);

  const step = async (text: string, rank: string, previous: ServerSearch | null) => {
    if (!text) return;
    const id = ++searchId.current;
    setSearch(searchStarted(text, rank, previous));
    try {
      const answer = await api.logSearch(runId, { text, rank, before: previous ? previous.scannedFrom : null });
      if (id !== searchId.current) return; // a newer search replaced this one
      setSearch(searchAnswered(text, rank, previous, answer));
      reportError(null);
    } catch (err) {
      if (id !== searchId.current) return;
      setSearch((s) => (s ? { ...s, busy: false } : s));
      reportError((err as Error).message);
    }
  };

  return {
    search,
    start: (text, rank) => step(text, rank, null),
    earlier: () => (search ? step(search.text, search.rank, search) : Promise.resolve()),
    close: () => {
      searchId.current++;
      setSearch(null);
    },
  };
}

/** The search while a step is pending: a fresh one has no matches and no progress yet; a continuation keeps its own. */
export function searchStarted(text: string, rank: string, previous: ServerSearch | null): ServerSearch {
  return {
    text,
    rank,
    matches: previous?.matches ?? [],
    from: previous?.from ?? 0,
    scannedFrom: previous?.scannedFrom ?? 0,
    busy: true,
  };
}

/**
 * The search after a step's answer: its matches appended to the earlier (older) ones, and progress counted back from
 * the file's size when the search began, so a log growing meanwhile does not move the finish line.
 */
export function searchAnswered(
  text: string,
  rank: string,
  previous: ServerSearch | null,
  answer: Pick<LogSearchResult, 'matches' | 'scannedFrom' | 'size'>,
): ServerSearch {
  return {
    text,
    rank,
    matches: [...(previous?.matches ?? []), ...answer.matches],
    from: previous?.from ?? answer.size,
    scannedFrom: answer.scannedFrom,
    busy: false,
  };
}
