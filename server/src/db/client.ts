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
  migrateWithoutForeignKeys(sqlite, db);
  return { db, sqlite, close: () => sqlite.close() };
}

/**
 * Applies pending migrations with foreign-key enforcement off, then checks every reference.
 * Why: a migration rebuilds tables (create new, copy, drop old, rename) inside the migrator's transaction, where
 * `PRAGMA foreign_keys` is a no-op; with enforcement on, dropping `runs` or `clusters` would cascade-delete their
 * jobs, metrics and nodes. This is SQLite's documented procedure for schema changes.
 * @throws when a migration fails or leaves a dangling reference.
 */
function migrateWithoutForeignKeys(sqlite: Database.Database, db: Db): void {
  sqlite.pragma('foreign_keys = OFF');
  try {
    migrate(db, { migrationsFolder });
    const dangling = sqlite.pragma('foreign_key_check') as unknown[];
    if (dangling.length > 0) throw new Error(`migration left ${dangling.length} dangling foreign key(s)`);
  } finally {
    sqlite.pragma('foreign_keys = ON');
  }
}
