// Opening the database: better-sqlite3 with the pragmas every process needs, then drizzle's migrator.
// You rarely need to edit this unless a pragma or the migrations folder moves.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema>;

export interface OpenDatabase {
  /** drizzle over the connection: schema-typed queries for everything off the hot path. */
  db: Db;
  /** The raw connection, for prepared statements on the ingest hot path. */
  sqlite: Database.Database;
  close(): void;
}

export const migrationsFolder = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens (creating if needed) the SQLite database at `path` (`:memory:` for tests) and applies pending migrations.
 * @throws when the file cannot be opened or a migration fails.
 */
export function openDatabase(path: string): OpenDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  // WAL: readers (the dashboard) never block the ingest writer. NORMAL is durable across process crashes
  // in WAL mode (only an OS crash can lose the last commits, never corrupt). busy_timeout lets a second
  // process (an import while the server runs) wait for the write lock instead of failing at once.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder });
  return { db, sqlite, close: () => sqlite.close() };
}
