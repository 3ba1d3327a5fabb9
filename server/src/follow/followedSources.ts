// The database side of following: which files are followed, their identity, and what happens to a source whose
// file was truncated or replaced.
import { and, eq, inArray, like } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import type { FileIdentity, LogSource } from '../db/logSources.repo.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { logSources, runs } from '../db/schema.js';

/** Runs in these states have their log files followed; any other state stops their followers. */
export const FOLLOWED_RUN_STATES = ['pending', 'running'] as const;

/**
 * Registers `path` (on the cluster) as a log file of run `runName` (created if needed and marked `running`).
 * The file may not exist yet (job pending): its identity is recorded when the follower first opens it.
 */
export function registerFollowedFile(db: Db, runName: string, path: string, now = Date.now()): LogSource {
  if (!path.startsWith('/')) throw new Error(`a followed log path must be absolute, got ${JSON.stringify(path)}`);
  return registerLogSource(db, runName, path, now);
}

/**
 * Registers a checked log source path (a file, or a pod log's `k8s://` path) of run `runName`, created if needed
 * and marked `running` unless already followed or cancelled (an operator's cancel is never undone by a log seen
 * late); registering it again returns the existing source.
 */
export function registerLogSource(db: Db, runName: string, path: string, now: number): LogSource {
  const run = findOrCreateRun(db, runName);
  if (!(FOLLOWED_RUN_STATES as readonly string[]).includes(run.state) && run.state !== 'cancelled')
    db.update(runs).set({ state: 'running' }).where(eq(runs.id, run.id)).run();
  const existing = db
    .select()
    .from(logSources)
    .where(and(eq(logSources.runId, run.id), eq(logSources.path, path)))
    .get();
  if (existing) return existing;
  return db
    .insert(logSources)
    .values({ runId: run.id, path, inode: null, size: 0, headHash: null, headLength: 0, updatedAt: now })
    .returning()
    .get();
}

/** Every live log source of every followed run (absolute paths: a replaced file's old source is not followed). */
export function followedSources(db: Db): LogSource[] {
  return sourcesOfFollowedRuns(db, '/%');
}

/** The log sources of every followed run whose path is LIKE `pathPattern` (which kind of source: file or pod log). */
export function sourcesOfFollowedRuns(db: Db, pathPattern: string): LogSource[] {
  return db
    .select({ source: logSources })
    .from(logSources)
    .innerJoin(runs, eq(runs.id, logSources.runId))
    .where(and(inArray(runs.state, [...FOLLOWED_RUN_STATES]), like(logSources.path, pathPattern)))
    .all()
    .map((r) => r.source);
}

export function loadSource(db: Db, id: number): LogSource | undefined {
  return db.select().from(logSources).where(eq(logSources.id, id)).get();
}

export function recordIdentity(db: Db, sourceId: number, identity: FileIdentity): void {
  db.update(logSources)
    .set({ inode: identity.inode, headHash: identity.headHash, headLength: identity.headLength })
    .where(eq(logSources.id, sourceId))
    .run();
}

/**
 * The file at a followed path is no longer the file that was read (truncated, or replaced by another inode).
 * Nothing read from it is lost or re-read: the old source keeps its rows and cursor under a path marked as
 * replaced, and a fresh source for the same path starts at byte 0 of the new file, in one transaction. The new
 * file's iterations then follow the usual restart rules (an iteration that goes backwards supersedes).
 */
export function replaceSource(db: Db, old: LogSource, reason: 'truncated' | 'replaced', now = Date.now()): LogSource {
  return db.transaction((tx) => {
    // Not absolute any more, so never followed again; still says which file it was and why it stopped.
    const archivedPath = `[${reason} ${new Date(now).toISOString()} source ${old.id}] ${old.path}`;
    tx.update(logSources).set({ path: archivedPath, updatedAt: now }).where(eq(logSources.id, old.id)).run();
    return tx
      .insert(logSources)
      .values({
        runId: old.runId,
        jobId: old.jobId,
        path: old.path,
        inode: null,
        size: 0,
        headHash: null,
        headLength: 0,
        updatedAt: now,
      })
      .returning()
      .get();
  });
}
