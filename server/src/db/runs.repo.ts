// The runs repository: runs looked up by their unique name (what `--run NAME` uses) or by id (every /api/runs/:id
// route and the socket subscribe).
import type Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import type { Db } from './client.js';
import { runs } from './schema.js';

export type Run = typeof runs.$inferSelect;

/** Returns the run called `name`, creating it (state `imported`) when it does not exist yet. */
export function findOrCreateRun(db: Db, name: string): Run {
  const existing = db.select().from(runs).where(eq(runs.name, name)).get();
  if (existing) return existing;
  return db.insert(runs).values({ name }).returning().get();
}

export interface RunRow {
  id: number;
  name: string;
  state: string;
  segmentCount: number;
  config: string | null;
}

export interface RunsRepo {
  exists(id: number): boolean;
  get(id: number): RunRow | undefined;
  /** Every run, newest first, without its config. */
  list(): Omit<RunRow, 'config'>[];
}

export function createRunsRepo(sqlite: Database.Database): RunsRepo {
  const exists = sqlite.prepare('SELECT 1 FROM runs WHERE id = ?');
  const get = sqlite.prepare('SELECT id, name, state, segment_count AS segmentCount, config FROM runs WHERE id = ?');
  const list = sqlite.prepare('SELECT id, name, state, segment_count AS segmentCount FROM runs ORDER BY id DESC');
  return {
    exists: (id) => exists.get(id) !== undefined,
    get: (id) => get.get(id) as RunRow | undefined,
    list: () => list.all() as Omit<RunRow, 'config'>[],
  };
}
