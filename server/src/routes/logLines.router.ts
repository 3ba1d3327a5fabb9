// Log text for the log viewer, by byte range of a run's stored log source: the tail, a window around an iteration
// (found through the iterations' byte offsets) or around a byte offset (a search match), or the window at an offset. Only the files the run
// follows are readable (their paths come from the database, never from the request), through the same RemoteFiles
// the follower reads them with: this machine's files for the local executor, SFTP for a cluster's logs.
// Training logs print secrets (tokens, passwords): every window is masked (maskSecrets); an admin may reveal one
// window unmasked with POST /log/reveal, which is audited.
import { basename } from 'node:path';
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { LogWindow } from '@trainboard/shared/api';
import { maskSecrets } from '@trainboard/shared/log/redact';
import { actorFields } from '../auth/auth.service.js';
import type { AuditPort } from '../auth/ports.js';
import type { Repositories } from '../db/repositories.js';
import { localFiles } from '../follow/localFiles.js';
import type { RemoteFiles } from '../follow/remoteFiles.js';
import type { FilesForRun } from '../follow/runFiles.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';
import { openRunLog, readRange } from './logSource.js';
import { runIdReader } from './runParam.js';
import { createSlots, withSlot, type Slots } from './slots.js';

/** Bytes per window: ~1-2k lines of Megatron output, a few hundred KB of JSON. */
export const LOG_WINDOW_BYTES = 256 * 1024;

/**
 * Windows read at once server-wide, and waiting (slots.ts): each costs a few ms of splitting, masking and JSON, and a
 * burst of 50 at once kept health waiting ~270 ms behind them. With 4 at once (and masking) health still waited up to
 * 327 ms in the abuse bench; with 2 its worst was 47–77 ms over three runs, and a window is cheap enough that 2 keep up.
 */
export const DEFAULT_LOG_WINDOW_SLOTS = { running: 2, waiting: 64 };

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

type LogQuery = z.infer<typeof querySchema>;
type LogRepos = Pick<Repositories, 'runs' | 'iterations' | 'logSources'>;

function parseQuery(raw: unknown): LogQuery {
  const q = querySchema.safeParse(raw);
  if (!q.success)
    throw new HttpError(
      400,
      'invalid_request',
      q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  if ([q.data.offset, q.data.iteration, q.data.around].filter((v) => v !== undefined).length > 1) {
    throw new HttpError(400, 'invalid_request', 'give at most one of offset, iteration and around');
  }
  return q.data;
}

/** Reads one window of whole lines (raw text: the caller masks). */
async function readWindow(repos: LogRepos, files: RemoteFiles | null, runId: number, q: LogQuery): Promise<LogWindow> {
  const { sourceId, path, handle } = await openRunLog(repos.logSources, files, runId, q.source);
  try {
    const size = await handle.size();
    let focusOffset: number | null = null;
    let start: number;
    if (q.iteration !== undefined) {
      // The current series' line first: a range of the (run, is_current, iteration) index, instant on a million
      // rows; only if it lies in another source (or is not current), the slower per-source scan.
      const current = repos.iterations.currentLine(runId, q.iteration);
      const row = current?.s === sourceId ? current : repos.iterations.lineInSource(sourceId, q.iteration);
      focusOffset = row?.o ?? size;
      start = Math.max(0, focusOffset - Math.floor(q.length / 2));
    } else if (q.around !== undefined) {
      focusOffset = Math.min(q.around, size);
      start = Math.max(0, focusOffset - Math.floor(q.length / 2));
    } else start = q.offset ?? Math.max(0, size - q.length);
    start = Math.min(start, size);
    // One byte before the window says whether it starts at a line start.
    const before = start > 0 ? 1 : 0;
    const buf = await readRange(handle, start - before, Math.min(q.length, size - start) + before);
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
    return {
      sourceId,
      path,
      size,
      start: start + skip,
      end: start + skip + text.length,
      lines,
      focus: focusLine(lines, start + skip, focusOffset),
    };
  } finally {
    await handle.close();
  }
}

/** The line holding the offset (an iteration's line starts at it; a match may point anywhere in its line). */
function focusLine(lines: string[], firstOffset: number, focusOffset: number | null): number | null {
  if (focusOffset === null) return null;
  let at = firstOffset;
  for (let i = 0; i < lines.length; i++) {
    at += Buffer.byteLength(lines[i] as string) + 1;
    if (at > focusOffset) return i;
  }
  return null;
}

export function logLinesRouter(
  repos: LogRepos,
  filesForRun: FilesForRun = () => localFiles(),
  slots: Slots = createSlots(DEFAULT_LOG_WINDOW_SLOTS),
  audit?: AuditPort,
): RouteDef[] {
  const runIdOf = runIdReader(repos.runs);
  const serve =
    (reveal: (req: Request, runId: number, window: LogWindow) => LogWindow): RequestHandler =>
    async (req, res) => {
      const runId = runIdOf(req);
      // The reveal sends its window in the body (a POST), the viewer's GET in the query string.
      const q = parseQuery(req.method === 'GET' ? req.query : req.body);
      await withSlot(slots, res, 'log windows', async () => {
        res.json(reveal(req, runId, await readWindow(repos, filesForRun(runId), runId, q)));
      });
    };
  // Masked text, and only the file's name: where a run's log lives (user, project folders) is for admins.
  const masked = (req: Request, window: LogWindow): LogWindow => ({
    ...window,
    path: req.actor?.role === 'admin' ? window.path : basename(window.path),
    lines: window.lines.map((l) => maskSecrets(l).text),
  });
  return [
    route(
      'get',
      '/api/runs/:id/log',
      'viewer',
      serve((req, _runId, window) => masked(req, window)),
      { anonymousRead: true },
    ),
    route(
      'post',
      '/api/runs/:id/log/reveal',
      'admin',
      serve((req, runId, window) => {
        if (!audit || !req.actor) throw new HttpError(503, 'unavailable', 'revealing needs the audit log');
        audit.append({
          atMs: Date.now(),
          ...actorFields(req.actor),
          action: 'log.reveal',
          targetKind: 'log_source',
          targetId: String(window.sourceId),
          runId,
          result: 'ok',
          details: { start: window.start, end: window.end },
        });
        return window;
      }),
      { summary: 'one unmasked window, audited' },
    ),
  ];
}
