// One follower per followed log file: an independent loop that tails the file on the cluster from the committed
// cursor and ingests what it reads through the one ingest path (rows + cursor in one transaction).
//
// - Exactly once: the parser resumes from the cursor stored with the rows (its resume point), so after any error,
//   reconnect or kill -9 the bytes after the last commit are read again and nothing before it is.
// - Batching: every poll reads everything new (up to maxBatchBytes) and commits it in one transaction, so a burst
//   costs one transaction per 4 MiB (as the import) and a trickle waits at most one poll (100 ms) before its commit.
// - Identity: on every (re)connect the file's inode, size and head bytes are compared with the stored ones; while
//   following, the size is checked on every poll and the inode every few seconds. A truncated or replaced file
//   gets a new log source (replaceSource); nothing is read across the change.
// - A file that does not exist yet is waited for; errors back off (capped) and the loop never gives up until stop().
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { createLogParser } from '@trainboard/shared/log/parser';
import type { FollowStatus } from '@trainboard/shared/realtime';
import type { OpenDatabase } from '../db/client.js';
import type { LogSource } from '../db/logSources.repo.js';
import { HEAD_BYTES, checkFileIdentity } from '../ingest/fileIdentity.js';
import { createIngestWriter, readCursor } from '../ingest/ingestWriter.js';
import { loadSource, recordIdentity, replaceSource } from './followedSources.js';
import type { OpenRemoteFile, RemoteFiles } from './remoteFiles.js';

export interface FollowTiming {
  /** Wait between size checks when the file has nothing new. */
  pollMs: number;
  /** After this long without new bytes, close open multi-line groups (a crash is often the last thing logged). */
  quietFlushMs: number;
  /** How often to compare the path's inode with the open file's while idle. */
  identityCheckMs: number;
  /** Wait between checks for a file that does not exist yet. */
  waitForFileMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
  /** Most bytes read and committed in one transaction. */
  maxBatchBytes: number;
}

export const DEFAULT_FOLLOW_TIMING: FollowTiming = {
  pollMs: 100, quietFlushMs: 1_500, identityCheckMs: 5_000, waitForFileMs: 1_000, backoffMinMs: 250, backoffMaxMs: 10_000,
  maxBatchBytes: 4 << 20,
};

export interface FollowerDeps {
  conn: OpenDatabase;
  files: RemoteFiles;
  logger: Logger;
  /** Called after every commit that may have inserted rows (the realtime publisher reads them from the DB). */
  onCommitted: (runId: number) => void;
  onStatus?: (status: FollowStatus) => void;
  timing?: Partial<FollowTiming>;
}

export interface Follower {
  readonly runId: number;
  readonly path: string;
  status(): FollowStatus;
  /** Stops the loop after the current step (a commit in progress completes) and closes the file. */
  stop(): Promise<void>;
  /**
   * The run ended: read to the end of the file once more (its last lines were written just before the job ended),
   * commit with open groups closed, then stop. Stops anyway after `drainTimeoutMs` (cluster unreachable).
   */
  finish(drainTimeoutMs?: number): Promise<void>;
}

/** Why the current file must not be read on: it is not the file the stored cursor belongs to. */
class FileChanged extends Error {
  constructor(readonly reason: 'truncated' | 'replaced', detail: string) {
    super(detail);
  }
}

export function startFollower(deps: FollowerDeps, initial: LogSource): Follower {
  const timing = { ...DEFAULT_FOLLOW_TIMING, ...deps.timing };
  const log = deps.logger.child({ runId: initial.runId, path: initial.path });
  const stopper = new AbortController();
  let finishing = false;
  let sourceId = initial.id;
  let status: FollowStatus = { runId: initial.runId, logSourceId: initial.id, path: initial.path, state: 'reconnecting', offset: initial.byteOffset, message: null };
  const setStatus = (patch: Partial<FollowStatus>) => {
    const next = { ...status, ...patch, logSourceId: sourceId };
    const changed = next.state !== status.state || next.message !== status.message || next.logSourceId !== status.logSourceId;
    status = next;
    if (changed) deps.onStatus?.(status);
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopper.signal.aborted) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        stopper.signal.removeEventListener('abort', done);
        resolve();
      }
      stopper.signal.addEventListener('abort', done);
    });

  function stopNow(why: string | null): 'waiting' {
    if (why) log.warn(why);
    stopper.abort();
    return 'waiting';
  }

  /** One connection's worth of following; returns normally to be called again, throws on transport errors. */
  async function session(): Promise<'again' | 'waiting'> {
    const source = loadSource(deps.conn.db, sourceId);
    if (!source) throw new Error(`log source ${sourceId} disappeared`);
    const before = await deps.files.stat(source.path);
    if (!before) {
      if (finishing) return stopNow('the run ended before its log file appeared');
      setStatus({ state: 'waiting_for_file', message: null });
      return 'waiting';
    }
    const file = await deps.files.open(source.path);
    try {
      const after = await deps.files.stat(source.path);
      // Replaced between stat and open: try again rather than guess which file the handle holds.
      if (!after || after.inode !== before.inode) return 'again';
      const inode = before.inode;
      const size = await file.size();
      const head = await readHead(file, Math.min(HEAD_BYTES, size));
      const check = source.inode === null ? null : checkFileIdentity(source, { inode, size, headHash: sha256(head.subarray(0, source.headLength)) });
      if (check && !check.ok) throw new FileChanged(check.reason, check.detail);
      if (source.inode === null || head.length > source.headLength) {
        recordIdentity(deps.conn.db, source.id, { inode, size, headHash: sha256(head), headLength: head.length });
      }
      await tail(source, file, inode, head);
      return 'again';
    } finally {
      await file.close();
    }
  }

  async function tail(source: LogSource, file: OpenRemoteFile, inode: number, knownHead: Buffer): Promise<void> {
    const target = { runId: source.runId, logSourceId: source.id };
    const writer = createIngestWriter(deps.conn.sqlite, target, { timeSource: 'arrival' });
    const cursor = readCursor(deps.conn.sqlite, source.id);
    const parser = createLogParser({ startOffset: cursor.offset, startLine: cursor.line, ...(cursor.context ? { context: cursor.context } : {}) });
    let position = cursor.offset;
    let head = knownHead;
    let lastData = Date.now();
    let flushed = true;
    let lastIdentityCheck = Date.now();
    let ahead: { at: number; bytes: Promise<Buffer> } | null = null;
    setStatus({ state: 'following', offset: cursor.offset, message: null });
    log.info({ offset: position }, 'following');

    while (!stopper.signal.aborted) {
      // Only a size read after finish() was asked for proves the end was reached (a read already in flight may
      // predate the job's last lines).
      const mayFinish = finishing;
      const size = await file.size();
      // Shrunk, or (a truncation followed by a rewrite past our position shows only in the bytes) other first bytes.
      if (size < position || (size > position && head.length > 0 && !(await readHead(file, head.length)).equals(head))) {
        const current = { inode, size, headHash: sha256(await readHead(file, Math.min(head.length, size))) };
        const check = checkFileIdentity({ inode, headHash: sha256(head), headLength: head.length, byteOffset: position }, current);
        if (!check.ok) throw new FileChanged(check.reason, check.detail);
      }
      if (size > position) {
        const chunk = ahead?.at === position ? await ahead.bytes : await file.read(position, Math.min(size - position, timing.maxBatchBytes));
        ahead = null;
        if (chunk.length === 0) throw new Error(`read at ${position} returned nothing though the file has ${size} bytes`);
        if (head.length < HEAD_BYTES && position < HEAD_BYTES) {
          head = await readHead(file, Math.min(HEAD_BYTES, size));
          recordIdentity(deps.conn.db, source.id, { inode, size, headHash: sha256(head), headLength: head.length });
        }
        position += chunk.length;
        // Under load, ask for the next chunk before parsing and committing this one: the transfer overlaps the work.
        if (size > position) {
          const bytes = file.read(position, Math.min(size - position, timing.maxBatchBytes));
          bytes.catch(() => undefined); // if it fails, the awaited read below reports it (or the session is over)
          ahead = { at: position, bytes };
        }
        writer.commit(parser.push(chunk), parser.resumePoint, size);
        deps.onCommitted(source.runId);
        setStatus({ offset: parser.resumePoint.offset });
        lastData = Date.now();
        flushed = false;
        continue; // more may be waiting: read again without sleeping
      }
      if (mayFinish) {
        const events = parser.flush();
        if (events.length > 0) {
          writer.commit(events, parser.resumePoint, size);
          deps.onCommitted(source.runId);
        }
        stopNow(null);
        return;
      }
      if (!flushed && Date.now() - lastData >= timing.quietFlushMs) {
        const events = parser.flush();
        if (events.length > 0) {
          writer.commit(events, parser.resumePoint, size);
          deps.onCommitted(source.runId);
        }
        flushed = true;
      }
      if (Date.now() - lastIdentityCheck >= timing.identityCheckMs) {
        lastIdentityCheck = Date.now();
        const now = await deps.files.stat(source.path);
        // Everything the old file held has been read (size === position): the rest belongs to the new file.
        if (!now || now.inode !== inode) {
          if (!now) throw new Error(`${source.path} disappeared`);
          throw new FileChanged('replaced', `the path now names inode ${now.inode} (was ${inode})`);
        }
      }
      await sleep(timing.pollMs);
    }
  }

  const loop = (async () => {
    let backoff = timing.backoffMinMs;
    while (!stopper.signal.aborted) {
      try {
        const outcome = await session();
        if (outcome === 'waiting') await sleep(timing.waitForFileMs);
        backoff = timing.backoffMinMs;
      } catch (err) {
        if (stopper.signal.aborted) break;
        if (err instanceof FileChanged) {
          const old = loadSource(deps.conn.db, sourceId);
          if (old) {
            const fresh = replaceSource(deps.conn.db, old, err.reason);
            log.warn({ reason: err.reason, detail: err.message, oldSource: old.id, newSource: fresh.id }, 'log file changed under the cursor: reading the new file as a new log source');
            sourceId = fresh.id;
            setStatus({ state: 'following', offset: 0, message: `file ${err.reason} (${err.message}); now reading it as a new log source` });
          }
          continue;
        }
        const message = err instanceof Error ? err.message : String(err);
        log.warn({ err: message, retryInMs: backoff }, 'follow interrupted');
        setStatus({ state: 'reconnecting', message });
        await sleep(backoff);
        backoff = Math.min(backoff * 2, timing.backoffMaxMs);
      }
    }
    setStatus({ state: 'stopped', message: null });
  })();

  return {
    runId: initial.runId,
    path: initial.path,
    status: () => status,
    async stop() {
      stopper.abort();
      await loop;
    },
    async finish(drainTimeoutMs = 60_000) {
      finishing = true;
      const timer = setTimeout(() => {
        log.warn({ drainTimeoutMs }, 'could not read the end of the log after the run ended: stopped without it');
        stopper.abort();
      }, drainTimeoutMs);
      await loop;
      clearTimeout(timer);
    },
  };
}

async function readHead(file: OpenRemoteFile, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < length) {
    const b = await file.read(got, length - got);
    if (b.length === 0) break;
    parts.push(b);
    got += b.length;
  }
  return Buffer.concat(parts);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}
