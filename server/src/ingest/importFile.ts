// Import of a historical log file: stream it from the stored cursor through the parser into the ingest writer.
// Idempotent (a complete file has its cursor at its end, so a second import reads nothing) and resumable (each
// chunk's rows and the cursor commit together, so a killed import continues where its last commit stopped).
import { closeSync, createReadStream, openSync, readSync, realpathSync } from 'node:fs';
import { createLogParser } from '@trainboard/shared/log/parser';
import type { OpenDatabase } from '../db/client.js';
import {
  createLogSource,
  deleteLogSource,
  findLogSource,
  updateIdentity,
  type FileIdentity,
  type LogSource,
} from '../db/logSources.repo.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { HEAD_BYTES, checkFileIdentity, readFileIdentity } from './fileIdentity.js';
import { createIngestWriter, readCursor, type CommitCounts } from './ingestWriter.js';

/**
 * Bytes per read and per transaction: ~13k tr11 log lines. Measured on the 1M-line synthetic log, 4 MiB
 * transactions commit ~25% faster than 1 MiB ones (fewer WAL commits and checkpoints); larger gave nothing more.
 */
export const DEFAULT_CHUNK_BYTES = 4 << 20;

export interface ImportOptions {
  conn: OpenDatabase;
  runName: string;
  path: string;
  /** Forget what was imported from this file (a replaced or truncated file) and read it again from byte 0. */
  restart?: boolean;
  chunkBytes?: number;
  onProgress?: (progress: ImportProgress) => void;
  now?: () => number;
}

export interface ImportProgress {
  /** Byte position reached in the file. */
  position: number;
  size: number;
  /** Lines and bytes read by this invocation. */
  lines: number;
  bytes: number;
  elapsedMs: number;
}

export interface ImportResult {
  runId: number;
  logSourceId: number;
  path: string;
  /** Cursor at the start and end of this invocation; equal when the file had nothing new. */
  fromOffset: number;
  toOffset: number;
  size: number;
  lines: number;
  unknownLines: number;
  counts: CommitCounts;
  elapsedMs: number;
}

/** The file under the stored cursor is not the file imported before (or not as it was). Nothing was written. */
export class FileIdentityError extends Error {
  constructor(
    readonly reason: 'truncated' | 'replaced' | 'last_line_grew',
    readonly path: string,
    readonly detail: string,
  ) {
    super(
      reason === 'last_line_grew'
        ? `${path} grew after an import that ended on a line without a newline (${detail})`
        : `${path} was ${reason} since it was last imported (${detail})`,
    );
    this.name = 'FileIdentityError';
  }
}

/**
 * Imports `path` into run `runName` (created if needed) from its stored cursor to the file's current end.
 * @throws FileIdentityError when the file was truncated or replaced under the cursor, or grew after an import that
 *   ended on an incomplete line (nothing is written);
 *   fs errors (ENOENT, EACCES, …) when the file cannot be read.
 */
export async function importLogFile(options: ImportOptions): Promise<ImportResult> {
  const { conn } = options;
  const now = options.now ?? Date.now;
  const started = now();
  const path = realpathSync(options.path);
  const identity = readFileIdentity(path);
  const run = findOrCreateRun(conn.db, options.runName);

  const source = checkedLogSource(conn, run.id, path, identity, options.restart, now);

  const cursor = readCursor(conn.sqlite, source.id);
  const counts: CommitCounts = { iterations: 0, validations: 0, events: 0, duplicates: 0 };
  const result: ImportResult = {
    runId: run.id,
    logSourceId: source.id,
    path,
    fromOffset: cursor.offset,
    toOffset: cursor.offset,
    size: identity.size,
    lines: 0,
    unknownLines: 0,
    counts,
    elapsedMs: 0,
  };
  if (cursor.offset >= identity.size) {
    result.elapsedMs = now() - started;
    return result;
  }

  const writer = createIngestWriter(
    conn.sqlite,
    { runId: run.id, logSourceId: source.id },
    { timeSource: 'estimate', now },
  );
  const parser = createLogParser({
    startOffset: cursor.offset,
    startLine: cursor.line,
    ...(cursor.context ? { context: cursor.context } : {}),
  });
  const add = (c: CommitCounts) => addCounts(counts, c);
  // Read only up to the size seen now: a file still growing is imported up to a consistent point.
  const stream = createReadStream(path, {
    start: cursor.offset,
    end: identity.size - 1,
    highWaterMark: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
  });
  let position = cursor.offset;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    add(writer.commit(parser.push(chunk), parser.resumePoint, identity.size));
    position += chunk.length;
    options.onProgress?.({
      position,
      size: identity.size,
      lines: parser.stats.lines,
      bytes: position - cursor.offset,
      elapsedMs: now() - started,
    });
  }
  // A historical file is complete: its last line counts even without a newline, and open groups close.
  add(writer.commit(parser.end(), parser.resumePoint, identity.size));

  result.toOffset = parser.resumePoint.offset;
  result.lines = parser.stats.lines;
  result.unknownLines = parser.stats.unknownLines;
  result.elapsedMs = now() - started;
  return result;
}

/**
 * The file's log source in the run: created on the first import, forgotten first with `restart`, otherwise checked to
 * be the same file as before.
 * @throws FileIdentityError when it is not (truncated, replaced, or grown after an incomplete last line).
 */
function checkedLogSource(
  conn: OpenDatabase,
  runId: number,
  path: string,
  identity: FileIdentity,
  restart: boolean | undefined,
  now: () => number,
): LogSource {
  let source = findLogSource(conn.db, runId, path);
  if (source && restart) {
    deleteLogSource(conn.db, source);
    source = undefined;
  }
  if (source) {
    const check = checkFileIdentity(source, readFileIdentity(path, source.headLength));
    if (!check.ok) throw new FileIdentityError(check.reason, path, check.detail);
    // The import reads a file as complete, so a last line without a newline was stored as it was. If the file
    // grew since, that line may have been cut mid-write: its rest would be misread as a new line. A cursor inside
    // an over-long line is not that: the import stopped while skipping it, and the parser resumes the skip.
    const insideLongLine = readCursor(conn.sqlite, source.id).context?.longLine !== undefined;
    if (
      identity.size > source.byteOffset &&
      source.byteOffset > 0 &&
      !insideLongLine &&
      byteAt(path, source.byteOffset - 1) !== 0x0a
    ) {
      throw new FileIdentityError(
        'last_line_grew',
        path,
        `the line ending at byte ${source.byteOffset} had no newline then`,
      );
    }
    if (source.headLength < HEAD_BYTES && identity.headLength > source.headLength)
      updateIdentity(conn.db, source.id, identity);
  } else {
    source = createLogSource(conn.db, runId, path, identity, now());
  }
  return source;
}

function addCounts(into: CommitCounts, c: CommitCounts): void {
  into.iterations += c.iterations;
  into.validations += c.validations;
  into.events += c.events;
  into.duplicates += c.duplicates;
}

function byteAt(path: string, offset: number): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const one = Buffer.alloc(1);
    return readSync(fd, one, 0, 1, offset) === 1 ? one[0] : undefined;
  } finally {
    closeSync(fd);
  }
}
