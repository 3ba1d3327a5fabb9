// One follower per Kubernetes pod log source: an independent loop that finds the run's leader pod, follows its log
// through the log API (follow=true, timestamps=true) from the committed cursor, and ingests what it reads through
// the one ingest path (rows + cursors in one transaction, PodLogReader). The Slurm follower's twin for a log that
// is not a file:
// - Exactly once: every request starts from the stored cursor (sinceTime = the second of the last committed line;
//   the overlap is de-duplicated), so after a drop, an error or a kill -9 nothing is lost or doubled.
// - A container instance is one log: when the leader restarts (restartCount) or is replaced (another pod uid),
//   the old instance is read to its end first (`previous=true` or by its pod name) and the new one from its
//   first line. What cannot be read any more is stored as a log_gap event that says so in words.
// - A clean end of a follow is not the end of the log (proxies and apiserver restarts end streams cleanly): the
//   pod is looked at again, and only a terminated instance is finished (its last line committed even without
//   `\n`). Errors back off (250 ms doubling to 10 s, from the minimum again after progress; a 429 or 503 waits at
//   least its Retry-After); the loop never gives up until stop().
import type { Logger } from 'pino';
import { sameInstance, type LeaderInstance } from '@trainboard/shared/k8s/leaderPod';
import type { FollowerStatus as FollowStatus } from '@trainboard/shared/realtime';
import { LogApiError as KubeApiError, StreamDropped, type PodLogApi } from './podLogPort.js';
import type { OpenDatabase } from '../db/client.js';
import type { LogSource } from '../db/logSources.repo.js';
import {
  followerHandle,
  initialStatus,
  runFollowLoop,
  setStatus,
  type FollowCore,
  type Follower,
} from './followLoop.js';
import { loadPodLogCursor, PodLogReader, type PodInstance, type PodLogCursor } from './podLogReader.js';
import { parsePodLogSourcePath, type PodLogTarget } from './podLogSources.js';

export interface PodFollowTiming {
  /** Wait between looks at a pod with nothing to read (not created yet, waiting, or finished). */
  pollMs: number;
  /** After this long without new bytes, close open multi-line groups (a crash is often the last thing logged). */
  quietFlushMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

export const DEFAULT_POD_FOLLOW_TIMING: PodFollowTiming = {
  pollMs: 2_000,
  quietFlushMs: 1_500,
  backoffMinMs: 250,
  backoffMaxMs: 10_000,
};

export interface PodLogFollowerDeps {
  conn: OpenDatabase;
  api: PodLogApi;
  logger: Logger;
  /** Called after every commit that may have inserted rows (the realtime publisher reads them from the DB). */
  onCommitted: (runId: number) => void;
  onStatus?: (status: FollowStatus) => void;
  /** A log followed for the first time already held lines: what they show happened before we watched. */
  onBacklog?: (runId: number, endOffset: number) => void;
  timing?: Partial<PodFollowTiming>;
  /** Longest line parsed, in bytes (default the parser's 1 MiB). */
  maxLineBytes?: number;
}

interface PodFollowContext extends FollowCore {
  deps: PodLogFollowerDeps;
  timing: PodFollowTiming;
  target: PodLogTarget;
  source: LogSource;
  /** Set when the source had never been read: lines stamped before this second are its backlog. */
  backlogBeforeSec: number | null;
}

export function startPodLogFollower(deps: PodLogFollowerDeps, source: LogSource): Follower {
  const target = parsePodLogSourcePath(source.path);
  if (!target) throw new Error(`log source ${source.id} is not a pod log`);
  const ctx: PodFollowContext = {
    deps,
    timing: { ...DEFAULT_POD_FOLLOW_TIMING, ...deps.timing },
    log: deps.logger.child({ runId: source.runId, podLog: source.path }),
    target,
    source,
    stopper: new AbortController(),
    finishing: false,
    progressed: false,
    backlogBeforeSec: null,
    status: initialStatus(source),
  };
  if (loadPodLogCursor(deps.conn, source.id).instance === null)
    ctx.backlogBeforeSec = Math.floor(Date.now() / 1000) - 2;
  const loop = runFollowLoop(ctx, {
    step: () => step(ctx),
    waitMs: ctx.timing.pollMs,
    handled: (err) => {
      if (ctx.finishing && err instanceof Error && err.name === 'AbortError') return true; // the drain timed out
      if (!(err instanceof StreamDropped && err.idle)) return false;
      // A quiet log (a long eval or checkpoint save) is not an error: ask again at once, from the cursor.
      ctx.log.debug({ err: err.message }, 'pod log quiet: reconnecting');
      return true;
    },
    statusMessage: publicMessage,
    retryAfterMs: (err) => (err instanceof KubeApiError ? (err.retryAfterMs ?? 0) : 0),
    interrupted: 'pod log interrupted',
  });
  // finish() does not cut a follow short: a pod still running (a replaced Job in its grace period) writes its last
  // lines after the next source was registered, so it is followed until it ends or the drain times out.
  return followerHandle(ctx, source, loop, {
    drainWarning: 'could not read the end of the pod log after the run ended: stopped without it',
    onDrainTimeout: () => noteDrainTimeout(ctx),
  });
}

/** The drain timed out before the instance ended: its cursor ends with a log_gap event that says so in words. */
function noteDrainTimeout(ctx: PodFollowContext): void {
  try {
    const cursor = loadPodLogCursor(ctx.deps.conn, ctx.source.id);
    if (!cursor.instance || cursor.ended) return;
    const after = cursor.fed.lastTs ?? 'its start';
    newReader(ctx, cursor).endInstanceWithLoss(
      `Kubernetes log gap: pod ${cursor.instance.pod} was still running when its log stopped being followed (the drain timed out); lines it wrote after ${after} are missing.`,
    );
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message }, 'pod log: recording the unread end failed');
  }
}

/** What a status line may say about an error: no names, no URLs, no tokens (the logger gets the detail). */
function publicMessage(err: unknown): string {
  if (err instanceof KubeApiError)
    return `the Kubernetes API answered ${err.status}${err.reason ? ` ${err.reason}` : ''}`;
  if (err instanceof StreamDropped) return 'the log stream dropped';
  return 'cannot read the pod log';
}

/** One decision and at most one request: which instance to read, and reading it. */
async function step(ctx: PodFollowContext): Promise<'again' | 'wait' | 'done'> {
  const cursor = loadPodLogCursor(ctx.deps.conn, ctx.source.id);
  const leader = await ctx.deps.api.leader(ctx.target, ctx.stopper.signal);
  const current = cursor.instance;
  if (current && !cursor.ended && (!leader || !sameInstance(current, leader))) {
    await readOldInstanceToEnd(ctx, cursor, current, leader);
    return 'again';
  }
  const idle = () => {
    if (ctx.finishing) return 'done' as const;
    setStatus(ctx, { state: 'waiting_for_file', message: null });
    return 'wait' as const;
  };
  if (!leader) return idle();
  if (!current || !sameInstance(current, leader)) {
    newReader(ctx, cursor).startInstance(leader, skippedRestarts(current, leader));
    return 'again';
  }
  // An instance taken for over (its pod was missing from one list) that runs after all is read on from the cursor.
  if ((cursor.ended && leader.state !== 'running') || leader.state === 'waiting') return idle();
  return readCurrent(ctx, cursor, leader);
}

/** Restarts that happened while nobody read them (the kubelet keeps only the previous instance's log). */
function skippedRestarts(previous: PodInstance | null, next: LeaderInstance): string | null {
  if (!previous || previous.uid !== next.uid || next.restartCount <= previous.restartCount + 1) return null;
  const missed = next.restartCount - previous.restartCount - 1;
  return `Kubernetes log gap: container restarted ${missed} more time(s) in pod ${next.pod} while its log was not read; the logs of those runs are gone from the kubelet and are missing here.`;
}

function newReader(ctx: PodFollowContext, cursor: PodLogCursor): PodLogReader {
  return new PodLogReader(
    {
      conn: ctx.deps.conn,
      log: ctx.log,
      runId: ctx.source.runId,
      sourceId: ctx.source.id,
      ...(ctx.deps.maxLineBytes !== undefined ? { maxLineBytes: ctx.deps.maxLineBytes } : {}),
      ...(ctx.backlogBeforeSec !== null && ctx.deps.onBacklog
        ? { backlog: { beforeSec: ctx.backlogBeforeSec, onBacklog: backlogReporter(ctx) } }
        : {}),
      onCommitted: (offset) => {
        ctx.progressed = true;
        ctx.deps.onCommitted(ctx.source.runId);
        setStatus(ctx, { offset });
      },
    },
    cursor,
  );
}

function backlogReporter(ctx: PodFollowContext): (endOffset: number) => void {
  return (endOffset) => ctx.deps.onBacklog?.(ctx.source.runId, endOffset);
}

/**
 * Reads the followed instance once (following it while it runs). A clean end finishes the instance only if it is
 * over (terminated, restarted or gone): a clean end while it runs is a proxy's or apiserver's, and the next step
 * reconnects from the cursor.
 */
async function readCurrent(
  ctx: PodFollowContext,
  cursor: PodLogCursor,
  leader: LeaderInstance,
): Promise<'again' | 'done'> {
  const instance = cursor.instance as PodInstance;
  // Followed while it runs, finishing or not: only its end (or the drain timeout) ends a finishing follower.
  const follow = leader.state === 'running';
  const reader = await readOnce(ctx, cursor, instance, { follow, previous: false });
  const now = follow ? await ctx.deps.api.leader(ctx.target, ctx.stopper.signal) : leader;
  if (!now || !sameInstance(now, instance) || now.state === 'terminated') {
    reader.endInstance();
    return 'again';
  }
  if (ctx.finishing) reader.flushGroups();
  return 'again';
}

/**
 * The followed instance is over and was not read to its end (a drop, or the server was down): read the rest from
 * the kubelet — `previous=true` for the restart just before the current one, the old pod by name when it was
 * replaced — or, when the kubelet no longer has it, say that its last lines may be missing.
 */
async function readOldInstanceToEnd(
  ctx: PodFollowContext,
  cursor: PodLogCursor,
  old: PodInstance,
  leader: LeaderInstance | null,
): Promise<void> {
  const sameUid = leader !== null && leader.uid === old.uid;
  if (sameUid && leader.restartCount > old.restartCount + 1) {
    newReader(ctx, cursor).endInstanceWithLoss(lostMessage(cursor, old));
    return;
  }
  try {
    const reader = await readOnce(ctx, cursor, old, { follow: false, previous: sameUid });
    reader.endInstance();
  } catch (err) {
    if (!(err instanceof KubeApiError) || (err.status !== 404 && err.status !== 400)) throw err;
    newReader(ctx, cursor).endInstanceWithLoss(lostMessage(cursor, old));
  }
}

function lostMessage(cursor: PodLogCursor, old: PodInstance): string {
  const after = cursor.fed.lastTs ?? 'its start';
  return `Kubernetes log gap: the log of pod ${old.pod} (restart ${old.restartCount}) is no longer available; lines it wrote after ${after} may be missing.`;
}

/** One log request from the cursor into a fresh reader; resolves with the reader when the server ended cleanly. */
async function readOnce(
  ctx: PodFollowContext,
  cursor: PodLogCursor,
  instance: PodInstance,
  mode: { follow: boolean; previous: boolean },
): Promise<PodLogReader> {
  const reader = newReader(ctx, cursor);
  const request = new AbortController();
  const onStop = () => request.abort();
  ctx.stopper.signal.addEventListener('abort', onStop);
  const quiet = setInterval(
    () => {
      try {
        if (reader.unflushed && Date.now() - reader.lastData >= ctx.timing.quietFlushMs) reader.flushGroups();
      } catch (err) {
        // The commit failed: end this request; the next one starts again from what is committed.
        ctx.log.warn({ err: (err as Error).message }, 'pod log: committing closed groups failed');
        request.abort();
      }
    },
    Math.max(10, ctx.timing.quietFlushMs / 2),
  );
  setStatus(ctx, { state: 'following', message: null });
  ctx.log.debug({ pod: instance.pod, since: reader.sinceTime, ...mode }, 'reading pod log');
  try {
    await ctx.deps.api.stream(
      {
        namespace: ctx.target.namespace,
        pod: instance.pod,
        container: ctx.target.container,
        sinceTime: reader.sinceTime,
        ...mode,
      },
      (chunk) => reader.push(chunk),
      request.signal,
    );
    return reader;
  } finally {
    clearInterval(quiet);
    ctx.stopper.signal.removeEventListener('abort', onStop);
  }
}
