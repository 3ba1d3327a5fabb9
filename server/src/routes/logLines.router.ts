// Log text for the log viewer, by byte range of a run's stored log source: the tail, a window around an iteration
// (found through the iterations' byte offsets) or around a byte offset (a search match), or the window at an offset. Only the files the run
// follows are readable (their paths come from the database, never from the request), through the same RemoteFiles
// the follower reads them with: this machine's files for the local executor, SFTP for a cluster's logs.
import { Router } from 'express';
import { z } from 'zod';
import type { LogWindow } from '@trainboard/shared/api';
import type { Repositories } from '../db/repositories.js';
import { localFiles } from '../follow/localFiles.js';
import type { RemoteFiles } from '../follow/remoteFiles.js';
import { HttpError } from './errors.js';
import { openRunLog, readRange } from './logSource.js';
import { runIdReader } from './runParam.js';
import { createSlots, withSlot, type Slots } from './slots.js';

/** Bytes per window: ~1-2k lines of Megatron output, a few hundred KB of JSON. */
export const LOG_WINDOW_BYTES = 256 * 1024;

/**
 * Windows read at once server-wide, and waiting (slots.ts): each costs a few ms of splitting and JSON, and a burst of
 * 50 at once kept health waiting ~270 ms behind them.
 */
export const DEFAULT_LOG_WINDOW_SLOTS = { running: 4, waiting: 64 };

const querySchema = z.object({
  source: z.coerce.number().int().positive().optional(),
  /** Start of the window; omitted = the tail. */
  offset: z.coerce.number().int().nonnegative().optional(),
  /** A window that starts before this iteration's line. */
  iteration: z.coerce.number().int().nonnegative().optional(),
  /** A window around the line holding this byte offset (a search match). */
  around: z.coerce.number().int().nonnegative().optional(),
  length: z.coerce.number().int().min(1).max(LOG_WINDOW_BYTES).default(LOG_WINDOW_BYTES),
});

export function logLinesRouter(
  repos: Pick<Repositories, 'runs' | 'iterations' | 'logSources'>,
  files: RemoteFiles = localFiles(),
  slots: Slots = createSlots(DEFAULT_LOG_WINDOW_SLOTS),
): Router {
  const router = Router();
  const runIdOf = runIdReader(repos.runs);
  router.get('/api/runs/:id/log', async (req, res) => {
    const runId = runIdOf(req);
    const q = querySchema.safeParse(req.query);
    if (!q.success)
      throw new HttpError(
        400,
        'invalid_request',
        q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
      );
    if ([q.data.offset, q.data.iteration, q.data.around].filter((v) => v !== undefined).length > 1) {
      throw new HttpError(400, 'invalid_request', 'give at most one of offset, iteration and around');
    }
    await withSlot(slots, res, 'log windows', async () => {
      const { sourceId, path, handle } = await openRunLog(repos.logSources, files, runId, q.data.source);
      try {
        const size = await handle.size();
        let focusOffset: number | null = null;
        let start: number;
        if (q.data.iteration !== undefined) {
          // The current series' line first: a range of the (run, is_current, iteration) index, instant on a million
          // rows; only if it lies in another source (or is not current), the slower per-source scan.
          const current = repos.iterations.currentLine(runId, q.data.iteration);
          const row = current?.s === sourceId ? current : repos.iterations.lineInSource(sourceId, q.data.iteration);
          focusOffset = row?.o ?? size;
          start = Math.max(0, focusOffset - Math.floor(q.data.length / 2));
        } else if (q.data.around !== undefined) {
          focusOffset = Math.min(q.data.around, size);
          start = Math.max(0, focusOffset - Math.floor(q.data.length / 2));
        } else start = q.data.offset ?? Math.max(0, size - q.data.length);
        start = Math.min(start, size);
        // One byte before the window says whether it starts at a line start.
        const before = start > 0 ? 1 : 0;
        const buf = await readRange(handle, start - before, Math.min(q.data.length, size - start) + before);
        const atLineStart = before === 0 || buf[0] === 10;
        let text = buf.subarray(before);
        // Whole lines only: drop a partial first line and a partial last line.
        let skip = 0;
        if (!atLineStart) {
          const nl = text.indexOf(10);
          skip = nl < 0 ? text.length : nl + 1;
        }
        const lastNl = text.lastIndexOf(10);
        const keepEnd = lastNl < 0 ? skip : lastNl + 1;
        text = text.subarray(skip, Math.max(skip, keepEnd));
        const lines = text.length ? text.toString('utf8').replace(/\n$/, '').split('\n') : [];
        let focus: number | null = null;
        if (focusOffset !== null) {
          let at = start + skip;
          // The line holding the offset (an iteration's line starts at it; a match may point anywhere in its line).
          for (let i = 0; i < lines.length; i++) {
            at += Buffer.byteLength(lines[i] as string) + 1;
            if (at > focusOffset) {
              focus = i;
              break;
            }
          }
        }
        const window: LogWindow = {
          sourceId,
          path,
          size,
          start: start + skip,
          end: start + skip + text.length,
          lines,
          focus,
        };
        res.json(window);
      } finally {
        await handle.close();
      }
    });
  });
  return router;
}
