// Searching a run's whole log for a literal text, newest matches first: GET /api/runs/:id/log/search. The file is read
// backward from `before` (default: its end) in chunks through the same RemoteFiles as the log windows, and scanned by
// the pure BackwardLineSearch. Each request is bounded (matches, bytes read, time) so a search of a 300 MB log over
// SFTP never holds the server long: the answer says where it stopped (`scannedFrom`, a line start) and why, and the
// client continues with before=scannedFrom. The query is a literal (no regular expression from the user).
import { Router } from 'express';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { LogSearchResult } from '@trainboard/shared/api';
import { BackwardLineSearch, type LogSearchMatch } from '@trainboard/shared/log/search';
import { localFiles } from '../follow/localFiles.js';
import type { OpenRemoteFile, RemoteFiles } from '../follow/remoteFiles.js';
import { HttpError } from './errors.js';
import { openRunLog, readRange } from './logSource.js';
import { runIdReader } from './runParam.js';

export const SEARCH_CHUNK_BYTES = 4 * 1024 * 1024;

export interface SearchBudget {
  /** Bytes read per chunk. */
  chunkBytes: number;
  /** Stop after reading this many bytes (once at least one whole line was scanned). */
  maxBytes: number;
  /** Stop after this long (likewise). */
  maxMs: number;
}

export const DEFAULT_SEARCH_BUDGET: SearchBudget = { chunkBytes: SEARCH_CHUNK_BYTES, maxBytes: 64 * 1024 * 1024, maxMs: 2_000 };

const searchQuerySchema = z.object({
  q: z.string().min(1).max(200).refine((s) => !/[\r\n]/.test(s), 'must be one line'),
  before: z.coerce.number().int().nonnegative().optional(),
  rank: z.coerce.number().int().nonnegative().max(1_000_000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  source: z.coerce.number().int().positive().optional(),
});

/** Scans backward from `before` until `limit` matches, the budget, or the start of the file. */
export async function searchLogBackward(handle: OpenRemoteFile, query: { text: string; rank?: number }, opts: { before?: number; limit: number; budget: SearchBudget; now?: () => number }): Promise<Omit<LogSearchResult, 'sourceId'>> {
  const now = opts.now ?? Date.now;
  const size = await handle.size();
  const end = Math.min(opts.before ?? size, size);
  const search = new BackwardLineSearch(query, end);
  const matches: LogSearchMatch[] = [];
  const startedAt = now();
  let pos = end;
  let read = 0;
  let stoppedEarly: LogSearchResult['stoppedEarly'] = null;
  while (pos > 0) {
    // Budgets apply once a whole line was searched, so a continuation always moves on.
    const movedOn = search.scannedFrom < end;
    if (movedOn && read >= opts.budget.maxBytes) { stoppedEarly = 'bytes'; break; }
    if (movedOn && now() - startedAt >= opts.budget.maxMs) { stoppedEarly = 'time'; break; }
    const start = Math.max(0, pos - opts.budget.chunkBytes);
    const chunk = await readRange(handle, start, pos - start);
    if (chunk.length !== pos - start) throw new HttpError(409, 'log_changed', 'the log file shrank during the search; search again');
    const found = search.push(chunk, start);
    pos = start;
    read += chunk.length;
    const room = opts.limit - matches.length;
    if (found.length >= room) {
      matches.push(...found.slice(0, room));
      // With matches left over in this chunk, resume just before the oldest match returned (the lines after it were
      // searched and are in this answer); else from where the scan got.
      const scannedFrom = found.length > room ? (matches[matches.length - 1] as LogSearchMatch).offset : search.scannedFrom;
      return { matches, scannedFrom, scannedTo: end, size, stoppedEarly: scannedFrom > 0 ? 'limit' : null };
    }
    matches.push(...found);
  }
  return { matches, scannedFrom: search.scannedFrom, scannedTo: end, size, stoppedEarly };
}

export function logSearchRouter(sqlite: Database.Database, files: RemoteFiles = localFiles(), budget: SearchBudget = DEFAULT_SEARCH_BUDGET): Router {
  const router = Router();
  const runIdOf = runIdReader(sqlite);
  router.get('/api/runs/:id/log/search', async (req, res) => {
    const runId = runIdOf(req);
    const q = searchQuerySchema.safeParse(req.query);
    if (!q.success) throw new HttpError(400, 'invalid_request', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { sourceId, handle } = await openRunLog(sqlite, files, runId, q.data.source);
    try {
      const result = await searchLogBackward(handle, { text: q.data.q, rank: q.data.rank }, { before: q.data.before, limit: q.data.limit, budget });
      res.json({ sourceId, ...result } satisfies LogSearchResult);
    } finally {
      await handle.close();
    }
  });
  return router;
}
