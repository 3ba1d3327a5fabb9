// Runs: looked up by their unique name (what `--run NAME` and the dashboard use).
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

export function findRunByName(db: Db, name: string): Run | undefined {
  return db.select().from(runs).where(eq(runs.name, name)).get();
}
