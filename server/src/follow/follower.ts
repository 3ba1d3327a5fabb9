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
// - A file that does not exist yet is waited for; errors back off (capped, and from the minimum again after any
//   progress) and the loop never gives up until stop(). A dropped connection fails the pending request at once
//   (the transport sees it go), so a follower is reading again about one backoff plus one reconnect after a drop.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { createLogParser } from '@trainboard/shared/log/parser';
import type { FollowerStatus as FollowStatus } from '@trainboard/shared/realtime';
import type { OpenDatabase } from '../db/client.js';
import type { LogSource } from '../db/logSources.repo.js';
import { HEAD_BYTES, checkFileIdentity } from '../ingest/fileIdentity.js';
import { createIngestWriter, readCursor } from '../ingest/ingestWriter.js';
import { loadSource, recordIdentity, replaceSource } from './followedSources.js';
import {
  followerHandle,
  initialStatus,
  runFollowLoop,
  setStatus,
  sleep,
  type FollowCore,
  type Follower,
} from './followLoop.js';
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
  pollMs: 100,
  quietFlushMs: 1_500,
  identityCheckMs: 5_000,
  waitForFileMs: 1_000,
  backoffMinMs: 250,
  backoffMaxMs: 10_000,
  maxBatchBytes: 4 << 20,
};

export interface FollowerDeps {
  conn: OpenDatabase;
  files: RemoteFiles;
  logger: Logger;
  /** Called after every commit that may have inserted rows (the realtime publisher reads them from the DB). */
  onCommitted: (runId: number) => void;
  onStatus?: (status: FollowStatus) => void;
  /** A file followed for the first time already held `size` bytes: what they say happened before we watched. */
  onBacklog?: (runId: number, size: number) => void;
  timing?: Partial<FollowTiming>;
}

// The handle's type lives with the loop both followers share; importers of the file follower keep finding it here.
export type { Follower };

/** Why the current file must not be read on: it is not the file the stored cursor belongs to. */
class FileChanged extends Error {
  constructor(
    readonly reason: 'truncated' | 'replaced',
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * What one follower's steps share: its settings, its logger, the stop signal, the source being read and the status
 * it reports. One object instead of closures inside startFollower, so each step is a function of its own.
 */
interface FollowContext extends FollowCore {
  deps: FollowerDeps;
  timing: FollowTiming;
  sourceId: number;
}

export function startFollower(deps: FollowerDeps, initial: LogSource): Follower {
  const ctx: FollowContext = {
    deps,
    timing: { ...DEFAULT_FOLLOW_TIMING, ...deps.timing },
    log: deps.logger.child({ runId: initial.runId, path: initial.path }),
    stopper: new AbortController(),
    finishing: false,
    sourceId: initial.id,
    progressed: false,
    status: initialStatus(initial),
  };
  const loop = runFollowLoop(ctx, {
    step: () => session(ctx),
    waitMs: ctx.timing.waitForFileMs,
    // A changed file is read on as a new source at once.
    handled: (err) => {
      if (!(err instanceof FileChanged)) return false;
      readAsNewSource(ctx, err);
      return true;
    },
    statusMessage: (err) => (err instanceof Error ? err.message : String(err)),
    interrupted: 'follow interrupted',
  });
  return followerHandle(ctx, initial, loop, {
    drainWarning: 'could not read the end of the log after the run ended: stopped without it',
  });
}

function stopNow(ctx: FollowContext, why: string | null): 'wait' {
  if (why) ctx.log.warn(why);
  ctx.stopper.abort();
  return 'wait';
}

/** The file under the cursor is another one now: keep the old rows under a renamed source, read the new file from 0. */
function readAsNewSource(ctx: FollowContext, err: FileChanged): void {
  const old = loadSource(ctx.deps.conn.db, ctx.sourceId);
  if (!old) return;
  const fresh = replaceSource(ctx.deps.conn.db, old, err.reason);
  ctx.log.warn(
    { reason: err.reason, detail: err.message, oldSource: old.id, newSource: fresh.id },
    'log file changed under the cursor: reading the new file as a new log source',
  );
  ctx.sourceId = fresh.id;
  setStatus(ctx, {
    logSourceId: fresh.id,
    state: 'following',
    offset: 0,
    message: `file ${err.reason} (${err.message}); now reading it as a new log source`,
  });
}

/** One connection's worth of following; returns normally to be called again, throws on transport errors. */
async function session(ctx: FollowContext): Promise<'again' | 'wait'> {
  const { deps } = ctx;
  const source = loadSource(deps.conn.db, ctx.sourceId);
  if (!source) throw new Error(`log source ${ctx.sourceId} disappeared`);
  const before = await deps.files.stat(source.path);
  if (!before) {
    if (ctx.finishing) return stopNow(ctx, 'the run ended before its log file appeared');
    setStatus(ctx, { state: 'waiting_for_file', message: null });
    return 'wait';
  }
  const file = await deps.files.open(source.path);
  try {
    const after = await deps.files.stat(source.path);
    // Replaced between stat and open: try again rather than guess which file the handle holds.
    if (!after || after.inode !== before.inode) return 'again';
    const inode = before.inode;
    const head = await checkIdentity(ctx, source, file, inode);
    ctx.progressed = true;
    await tail(ctx, source, file, inode, head);
    return 'again';
  } finally {
    await file.close();
  }
}

/** Throws FileChanged unless the open file is the one the stored cursor belongs to; returns its head bytes. */
async function checkIdentity(
  ctx: FollowContext,
  source: LogSource,
  file: OpenRemoteFile,
  inode: number,
): Promise<Buffer> {
  const size = await file.size();
  const head = await readHead(file, Math.min(HEAD_BYTES, size));
  const check =
    source.inode === null
      ? null
      : checkFileIdentity(source, { inode, size, headHash: sha256(head.subarray(0, source.headLength)) });
  if (check && !check.ok) throw new FileChanged(check.reason, check.detail);
  if (source.inode === null && size > 0) ctx.deps.onBacklog?.(source.runId, size);
  if (source.inode === null || head.length > source.headLength) {
    recordIdentity(ctx.deps.conn.db, source.id, { inode, size, headHash: sha256(head), headLength: head.length });
  }
  return head;
}

/** A followed file's read state within one session: the parser and writer resume from the committed cursor. */
interface Tail {
  source: LogSource;
  file: OpenRemoteFile;
  inode: number;
  writer: ReturnType<typeof createIngestWriter>;
  parser: ReturnType<typeof createLogParser>;
  position: number;
  head: Buffer;
  lastData: number;
  flushed: boolean;
  lastIdentityCheck: number;
  /** The next chunk, requested before the current one is parsed and committed. */
  ahead: { at: number; bytes: Promise<Buffer> } | null;
}

/** Reads what the file gains until stopped (or, once finishing, until its end); throws on errors and file changes. */
async function tail(
  ctx: FollowContext,
  source: LogSource,
  file: OpenRemoteFile,
  inode: number,
  head: Buffer,
): Promise<void> {
  const { deps } = ctx;
  const cursor = readCursor(deps.conn.sqlite, source.id);
  const t: Tail = {
    source,
    file,
    inode,
    head,
    position: cursor.offset,
    lastData: Date.now(),
    flushed: true,
    lastIdentityCheck: Date.now(),
    ahead: null,
    writer: createIngestWriter(
      deps.conn.sqlite,
      { runId: source.runId, logSourceId: source.id },
      { timeSource: 'arrival' },
    ),
    parser: createLogParser({
      startOffset: cursor.offset,
      startLine: cursor.line,
      ...(cursor.context ? { context: cursor.context } : {}),
    }),
  };
  setStatus(ctx, { state: 'following', offset: cursor.offset, message: null });
  ctx.log.info({ offset: t.position }, 'following');
  while (!ctx.stopper.signal.aborted) {
    // Only a size read after finish() was asked for proves the end was reached (a read already in flight may
    // predate the job's last lines).
    const mayFinish = ctx.finishing;
    const size = await file.size();
    // Shrunk, or (a truncation followed by a rewrite past our position shows only in the bytes) other first bytes.
    if (
      size < t.position ||
      (size > t.position && t.head.length > 0 && !(await readHead(file, t.head.length)).equals(t.head))
    ) {
      const current = { inode, size, headHash: sha256(await readHead(file, Math.min(t.head.length, size))) };
      const check = checkFileIdentity(
        { inode, headHash: sha256(t.head), headLength: t.head.length, byteOffset: t.position },
        current,
      );
      if (!check.ok) throw new FileChanged(check.reason, check.detail);
    }
    if (size > t.position) {
      await readAndCommit(ctx, t, size);
      continue; // more may be waiting: read again without sleeping
    }
    if (mayFinish) {
      flushOpenGroups(ctx, t, size);
      stopNow(ctx, null);
      return;
    }
    if (!t.flushed && Date.now() - t.lastData >= ctx.timing.quietFlushMs) {
      flushOpenGroups(ctx, t, size);
      t.flushed = true;
    }
    if (Date.now() - t.lastIdentityCheck >= ctx.timing.identityCheckMs) await checkPathStillNamesFile(ctx, t);
    await sleep(ctx, ctx.timing.pollMs);
  }
}

/** Reads the bytes past the position (at most maxBatchBytes) and commits their events with the new cursor. */
async function readAndCommit(ctx: FollowContext, t: Tail, size: number): Promise<void> {
  const { timing, deps } = ctx;
  const chunk =
    t.ahead?.at === t.position
      ? await t.ahead.bytes
      : await t.file.read(t.position, Math.min(size - t.position, timing.maxBatchBytes));
  t.ahead = null;
  if (chunk.length === 0) throw new Error(`read at ${t.position} returned nothing though the file has ${size} bytes`);
  if (t.head.length < HEAD_BYTES && t.position < HEAD_BYTES) {
    t.head = await readHead(t.file, Math.min(HEAD_BYTES, size));
    recordIdentity(deps.conn.db, t.source.id, {
      inode: t.inode,
      size,
      headHash: sha256(t.head),
      headLength: t.head.length,
    });
  }
  t.position += chunk.length;
  // Under load, ask for the next chunk before parsing and committing this one: the transfer overlaps the work.
  if (size > t.position) {
    const bytes = t.file.read(t.position, Math.min(size - t.position, timing.maxBatchBytes));
    bytes.catch(() => undefined); // if it fails, the awaited read above reports it next time (or the session is over)
    t.ahead = { at: t.position, bytes };
  }
  t.writer.commit(t.parser.push(chunk), t.parser.resumePoint, size);
  ctx.progressed = true;
  deps.onCommitted(t.source.runId);
  setStatus(ctx, { offset: t.parser.resumePoint.offset });
  t.lastData = Date.now();
  t.flushed = false;
}

/** Closes open multi-line groups (the parser has no clock) and commits what that emits. */
function flushOpenGroups(ctx: FollowContext, t: Tail, size: number): void {
  const events = t.parser.flush();
  if (events.length === 0) return;
  t.writer.commit(events, t.parser.resumePoint, size);
  ctx.progressed = true;
  ctx.deps.onCommitted(t.source.runId);
}

/** While idle: does the path still name the open file? Everything it held has been read, the rest is another file's. */
async function checkPathStillNamesFile(ctx: FollowContext, t: Tail): Promise<void> {
  t.lastIdentityCheck = Date.now();
  const now = await ctx.deps.files.stat(t.source.path);
  if (!now) throw new Error(`${t.source.path} disappeared`);
  if (now.inode !== t.inode)
    throw new FileChanged('replaced', `the path now names inode ${now.inode} (was ${t.inode})`);
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
