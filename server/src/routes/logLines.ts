// Log text for the log viewer, by byte range of a run's stored log source: the tail, a window around an iteration
// (found through the iterations' byte offsets), or the window before/after a given offset. Only the files the run
// follows are readable (their paths come from the database, never from the request), through the same RemoteFiles
// the follower reads them with: this machine's files for the local executor, SFTP for a cluster's logs.
import { Router } from 'express';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import { localFiles } from '../follow/localFiles.js';
import type { OpenRemoteFile, RemoteFiles } from '../follow/remoteFiles.js';
import { HttpError } from './errors.js';

/** Bytes per window: ~1-2k lines of Megatron output, a few hundred KB of JSON. */
export const LOG_WINDOW_BYTES = 256 * 1024;

const querySchema = z.object({
  source: z.coerce.number().int().positive().optional(),
  /** Start of the window; omitted = the tail. */
  offset: z.coerce.number().int().nonnegative().optional(),
  /** A window that starts before this iteration's line. */
  iteration: z.coerce.number().int().nonnegative().optional(),
  length: z.coerce.number().int().min(1).max(LOG_WINDOW_BYTES).default(LOG_WINDOW_BYTES),
});

export interface LogWindow {
  sourceId: number;
  path: string;
  size: number;
  /** Byte offset of the first returned line and just past the last one (whole lines only). */
  start: number;
  end: number;
  lines: string[];
  /** Line to scroll to (an iteration jump), as an index into `lines`. */
  focus: number | null;
}

export function logLinesRouter(sqlite: Database.Database, files: RemoteFiles = localFiles()): Router {
  const router = Router();
  router.get('/api/runs/:id/log', async (req, res) => {
    const runId = z.coerce.number().int().positive().safeParse(req.params.id);
    if (!runId.success) throw new HttpError(400, 'invalid_request', 'run id must be a positive integer');
    const q = querySchema.safeParse(req.query);
    if (!q.success) throw new HttpError(400, 'invalid_request', q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const source = (q.data.source
      ? sqlite.prepare("SELECT id, path FROM log_sources WHERE run_id = ? AND id = ? AND path LIKE '/%'").get(runId.data, q.data.source)
      : sqlite.prepare("SELECT id, path FROM log_sources WHERE run_id = ? AND path LIKE '/%' ORDER BY id DESC LIMIT 1").get(runId.data)) as { id: number; path: string } | undefined;
    if (!source) throw new HttpError(404, 'not_found', `run ${runId.data} has no log file`);
    let handle: OpenRemoteFile;
    try {
      handle = await files.open(source.path);
    } catch (err) {
      throw new HttpError(404, 'not_readable', `the log file cannot be read now: ${(err as Error).message}`);
    }
    try {
      const size = await handle.size();
      let focusOffset: number | null = null;
      let start: number;
      if (q.data.iteration !== undefined) {
        const row = sqlite.prepare('SELECT byte_offset AS o FROM iterations WHERE log_source_id = ? AND iteration >= ? ORDER BY iteration, id DESC LIMIT 1')
          .get(source.id, q.data.iteration) as { o: number } | undefined;
        focusOffset = row?.o ?? size;
        start = Math.max(0, focusOffset - Math.floor(q.data.length / 2));
      } else start = q.data.offset ?? Math.max(0, size - q.data.length);
      start = Math.min(start, size);
      // One byte before the window says whether it starts at a line start.
      const before = start > 0 ? 1 : 0;
      const buf = await handle.read(start - before, Math.min(q.data.length, size - start) + before);
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
        for (let i = 0; i < lines.length; i++) {
          if (at >= focusOffset) { focus = i; break; }
          at += Buffer.byteLength(lines[i] as string) + 1;
        }
      }
      const window: LogWindow = { sourceId: source.id, path: source.path, size, start: start + skip, end: start + skip + text.length, lines, focus };
      res.json(window);
    } finally {
      await handle.close();
    }
  });
  return router;
}
