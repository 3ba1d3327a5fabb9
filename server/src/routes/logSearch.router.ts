// Searching a run's whole log for a literal text, newest matches first: GET /api/runs/:id/log/search. The file is read
// backward from `before` (default: its end) in chunks through the same RemoteFiles as the log windows, and scanned by
// the pure BackwardLineSearch. Each request is bounded (matches, bytes read, time) so a search of a 300 MB log over
// SFTP never holds the server long: the answer says where it stopped (`scannedFrom`) and why, and the client continues
// with before=scannedFrom. The budget holds inside a line too (a line over 1 MiB is skipped, never held whole), the
// event loop gets a turn between chunks, a closed connection stops the scan, and a few searches run at once
// server-wide (slots.ts). The query is a literal (no regular expression from the user).
import { setImmediate as nextTurn } from 'node:timers/promises';
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import { z } from 'zod';
import type { LogSearchResult, LongLine } from '@trainboard/shared/api';
import { maskSecrets } from '@trainboard/shared/log/redact';
import { BackwardLineSearch, MAX_CARRY_BYTES, type LogSearchMatch } from '@trainboard/shared/log/search';
import type { Repositories } from '../db/repositories.js';
import { localFiles } from '../follow/localFiles.js';
import type { OpenRemoteFile } from '../follow/remoteFiles.js';
import type { FilesForRun } from '../follow/runFiles.js';
import { HttpError } from './errors.js';
import { openRunLog, readRange } from './logSource.js';
import { runIdReader } from './runParam.js';
import { createSlots, withSlot, type Slots } from './slots.js';

export const SEARCH_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SearchBudget {
  /** Bytes read per chunk. */
  chunkBytes: number;
  /** Stop after reading this many bytes (once the scan moved past the first line or into a too-long line). */
  maxBytes: number;
  /** Stop after this long (likewise). */
  maxMs: number;
  /** Longest partial line held while looking for its start; a longer line is skipped and reported. */
  maxLineBytes: number;
}

export const DEFAULT_SEARCH_BUDGET: SearchBudget = {
  chunkBytes: SEARCH_CHUNK_BYTES,
  maxBytes: 64 * 1024 * 1024,
  maxMs: 2_000,
  maxLineBytes: MAX_CARRY_BYTES,
};

/**
 * Searches running at once in this server, and waiting for a turn. One search holds up to a chunk, a carried line
 * and their copy (~10 MiB with the defaults) and a core for up to its time budget: 20 unbounded ones took 5 GB and
 * starved /api/health. Past the queue a search is refused with 503 at once, not queued behind minutes of work.
 */
export const DEFAULT_SEARCH_SLOTS = { running: 2, waiting: 16 };

const searchQuerySchema = z.object({
  q: z
    .string()
    .min(1)
    .max(200)
    .refine((s) => !/[\r\n]/.test(s), 'must be one line'),
  before: z.coerce.number().int().nonnegative().optional(),
  rank: z.coerce.number().int().nonnegative().max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  source: z.coerce.number().int().positive().optional(),
});

export interface SearchOptions {
  before?: number;
  limit: number;
  budget: SearchBudget;
  now?: () => number;
  /** Aborted when the client went away: the scan stops before its next chunk and the call rejects. */
  signal?: AbortSignal;
}

/** Scans backward from `before` until `limit` matches, the budget, the start of the file, or an abort. */
export async function searchLogBackward(
  handle: OpenRemoteFile,
  query: { text: string; rank?: number },
  opts: SearchOptions,
): Promise<Omit<LogSearchResult, 'sourceId'>> {
  const now = opts.now ?? Date.now;
  const size = await handle.size();
  const end = Math.min(opts.before ?? size, size);
  const search = new BackwardLineSearch(query, end, { maxCarryBytes: opts.budget.maxLineBytes });
  const matches: LogSearchMatch[] = [];
  const startedAt = now();
  const answer = (scannedFrom: number, stoppedEarly: LogSearchResult['stoppedEarly']) => ({
    matches,
    scannedFrom,
    scannedTo: end,
    size,
    stoppedEarly,
    longLines: [...search.longLines, ...partOf(search.skippedPart)],
    insideLongLine: search.insideLongLine,
  });
  let pos = end;
  let read = 0;
  while (pos > 0) {
    opts.signal?.throwIfAborted();
    // Budgets apply once the scan moved on (a whole line searched, or into a too-long line, which is never held
    // whole), so a continuation always makes progress and no line can keep a request past its budget.
    const movedOn = search.scannedFrom < end;
    if (movedOn && read >= opts.budget.maxBytes) return answer(search.scannedFrom, 'bytes');
    if (movedOn && now() - startedAt >= opts.budget.maxMs) return answer(search.scannedFrom, 'time');
    const start = Math.max(0, pos - opts.budget.chunkBytes);
    const chunk = await readRange(handle, start, pos - start);
    if (chunk.length !== pos - start)
      throw new HttpError(409, 'log_changed', 'the log file shrank during the search; search again');
    const found = search.push(chunk, start);
    pos = start;
    read += chunk.length;
    const room = opts.limit - matches.length;
    if (found.length >= room) {
      matches.push(...found.slice(0, room));
      // With matches left over in this chunk, resume just before the oldest match returned (the lines after it were
      // searched and are in this answer); else from where the scan got.
      const scannedFrom =
        found.length > room ? (matches[matches.length - 1] as LogSearchMatch).offset : search.scannedFrom;
      return answer(scannedFrom, scannedFrom > 0 ? 'limit' : null);
    }
    matches.push(...found);
    // Let health checks, other requests and signals in between chunks, even when the reads are served from cache.
    await nextTurn();
  }
  return answer(search.scannedFrom, null);
}

const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * Matches as a reader of the masked log sees them: each line masked, and a line that matched only inside a secret
 * dropped, so a search is no oracle for a secret's characters. (`scannedFrom` is unchanged: continuing works.)
 */
export function maskMatches<R extends { matches: LogSearchMatch[] }>(result: R, query: string): R {
  const needle = asciiLower(query);
  const matches = result.matches
    .map((m) => ({ ...m, line: maskSecrets(m.line).text }))
    .filter((m) => asciiLower(m.line).includes(needle));
  return { ...result, matches };
}

const partOf = (part: LongLine | null): LongLine[] => (part === null ? [] : [part]);

export function logSearchRouter(
  repos: Pick<Repositories, 'runs' | 'logSources'>,
  filesForRun: FilesForRun = () => localFiles(),
  budget: SearchBudget = DEFAULT_SEARCH_BUDGET,
  slots: Slots = createSlots(DEFAULT_SEARCH_SLOTS),
): RouteDef[] {
  // Read-only views of a run: any signed-in user.
  const router = viewerRoutes();
  const runIdOf = runIdReader(repos.runs);
  router.get('/api/runs/:id/log/search', async (req, res) => {
    const runId = runIdOf(req);
    const q = searchQuerySchema.safeParse(req.query);
    if (!q.success)
      throw new HttpError(
        400,
        'invalid_request',
        q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    await withSlot(slots, res, 'log searches', async (signal) => {
      const { sourceId, handle } = await openRunLog(repos.logSources, filesForRun(runId), runId, q.data.source);
      try {
        const result = await searchLogBackward(
          handle,
          { text: q.data.q, rank: q.data.rank },
          { before: q.data.before, limit: q.data.limit, budget, signal },
        );
        res.json({ sourceId, ...maskMatches(result, q.data.q) } satisfies LogSearchResult);
      } finally {
        await handle.close();
      }
    });
  });
  return router.routes;
}
