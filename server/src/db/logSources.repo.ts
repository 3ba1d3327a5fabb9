// Log sources: one followed or imported file per (run, path), with its cursor and identity.
import type Database from 'better-sqlite3';
import { and, count, eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { events, logSources, runs } from './schema.js';

export type LogSource = typeof logSources.$inferSelect;

/** What identifies the bytes of a file independently of its path. */
export interface FileIdentity {
  inode: number | null;
  size: number;
  /** sha256 hex of the first `headLength` bytes. */
  headHash: string;
  headLength: number;
}

export function findLogSource(db: Db, runId: number, path: string): LogSource | undefined {
  return db
    .select()
    .from(logSources)
    .where(and(eq(logSources.runId, runId), eq(logSources.path, path)))
    .get();
}

export function createLogSource(db: Db, runId: number, path: string, identity: FileIdentity, now: number): LogSource {
  return db
    .insert(logSources)
    .values({
      runId,
      path,
      inode: identity.inode,
      size: identity.size,
      headHash: identity.headHash,
      headLength: identity.headLength,
      updatedAt: now,
    })
    .returning()
    .get();
}

/** Records a longer head (the file grew past the bytes hashed at first sight) so later checks cover more. */
export function updateIdentity(db: Db, sourceId: number, identity: FileIdentity): void {
  db.update(logSources)
    .set({ inode: identity.inode, size: identity.size, headHash: identity.headHash, headLength: identity.headLength })
    .where(eq(logSources.id, sourceId))
    .run();
}

/**
 * Forgets a source and every row parsed from it (cascade), in one transaction, so it can be read again from
 * byte 0. The run's segment count is recomputed from the process starts that remain.
 */
export function deleteLogSource(db: Db, source: LogSource): void {
  db.transaction((tx) => {
    tx.delete(logSources).where(eq(logSources.id, source.id)).run();
    const remaining = tx
      .select({ n: count() })
      .from(events)
      .where(and(eq(events.runId, source.runId), eq(events.type, 'run_start')))
      .get();
    tx.update(runs)
      .set({ segmentCount: remaining?.n ?? 0 })
      .where(eq(runs.id, source.runId))
      .run();
  });
}

export interface LogSourcesRepo {
  /**
   * The run's source `sourceId`, or its newest one, when it is a file path (absolute): what the log viewer may read.
   * Paths come from here, never from a request.
   */
  readable(runId: number, sourceId?: number): { id: number; path: string } | undefined;
}

export function createLogSourcesRepo(sqlite: Database.Database): LogSourcesRepo {
  const byId = sqlite.prepare("SELECT id, path FROM log_sources WHERE run_id = ? AND id = ? AND path LIKE '/%'");
  const newest = sqlite.prepare(
    "SELECT id, path FROM log_sources WHERE run_id = ? AND path LIKE '/%' ORDER BY id DESC LIMIT 1",
  );
  return {
    readable: (runId, sourceId) =>
      (sourceId ? byId.get(runId, sourceId) : newest.get(runId)) as { id: number; path: string } | undefined,
  };
}
