// The log file a log route may read: one of the run's stored log sources (the path comes from the database, never
// from the request), opened through the RemoteFiles the follower reads it with. Shared by the window and search routes.
import type { LogSourcesRepo } from '../db/logSources.repo.js';
import type { OpenRemoteFile, RemoteFiles } from '../follow/remoteFiles.js';
import { SftpBusyError } from '../adapters/sftpPool.js';
import { HttpError } from './errors.js';

export interface OpenRunLog {
  sourceId: number;
  path: string;
  handle: OpenRemoteFile;
}

/** The given source of the run, or its newest one; 404 when the run has none or the file cannot be opened now. */
export async function openRunLog(
  logSources: LogSourcesRepo,
  files: RemoteFiles | null,
  runId: number,
  sourceId: number | undefined,
): Promise<OpenRunLog> {
  const source = logSources.readable(runId, sourceId);
  if (!source) throw new HttpError(404, 'not_found', `run ${runId} has no log file`);
  // No files for the run: its cluster was removed or disabled, or it belongs to none and the server reads no files.
  if (!files) throw new HttpError(404, 'not_readable', 'the log file cannot be read now', `run ${runId}: no files`);
  try {
    return { sourceId: source.id, path: source.path, handle: await files.open(source.path) };
  } catch (err) {
    // The underlying message names the login node (user@host:port) or the path: the server log keeps it.
    const detail = (err as Error).message;
    if (err instanceof SftpBusyError) throw new HttpError(503, 'busy', 'too many log reads at once; try again', detail);
    throw new HttpError(404, 'not_readable', 'the log file cannot be read now', detail);
  }
}

/** `length` bytes from `offset` (fewer at the end of the file), in parallel pieces: SFTP answers a read in ~32 KiB. */
export async function readRange(
  handle: OpenRemoteFile,
  offset: number,
  length: number,
  pieceBytes = 512 * 1024,
): Promise<Buffer> {
  const pieces: Array<Promise<Buffer>> = [];
  for (let at = offset; at < offset + length; at += pieceBytes)
    pieces.push(readFully(handle, at, Math.min(pieceBytes, offset + length - at)));
  return Buffer.concat(await Promise.all(pieces));
}

/** A read may return fewer bytes than asked before the end of the file; ask again until full or at the end. */
async function readFully(handle: OpenRemoteFile, offset: number, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < length) {
    const part = await handle.read(offset + got, length - got);
    if (part.length === 0) break;
    parts.push(part);
    got += part.length;
  }
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}
