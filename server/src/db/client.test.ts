import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsFolder, openDatabase } from './client.js';

const journalEntries = () =>
  (JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }).entries
    .length;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe(openDatabase.name, () => {
  it('applies every migration on a fresh file database with WAL, foreign keys and a busy timeout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-db-'));
    dirs.push(dir);
    const { sqlite, close } = openDatabase(join(dir, 'nested', 'trainboard.db'));
    const tables = (
      sqlite
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
        )
        .all() as { name: string }[]
    ).map((r) => r.name);
    expect(tables).toEqual([
      'api_tokens',
      'audit_log',
      'clusters',
      'control_lease',
      'events',
      'incidents',
      'iterations',
      'jobs',
      'log_sources',
      'login_links',
      'node_samples',
      'nodes',
      'publications',
      'run_actions',
      'runs',
      'server_settings',
      'sessions',
      'users',
      'validations',
    ]);
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(sqlite.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    close();
  });

  it('is idempotent: reopening an up-to-date database applies nothing again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-db-'));
    dirs.push(dir);
    const path = join(dir, 'x.db');
    openDatabase(path).close();
    const { sqlite, close } = openDatabase(path);
    const applied = sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
    expect(applied.n).toBe(journalEntries());
    close();
  });

  it('plans "current series of run R" as an index range scan', () => {
    const { sqlite, close } = openDatabase(':memory:');
    const plan = sqlite
      .prepare(
        'EXPLAIN QUERY PLAN SELECT iteration, lm_loss FROM iterations WHERE run_id = ? AND is_current = 1 AND iteration BETWEEN ? AND ? ORDER BY iteration',
      )
      .all(1, 0, 100) as { detail: string }[];
    expect(plan.map((p) => p.detail).join('\n')).toMatch(
      /SEARCH iterations USING INDEX iterations_run_current \(run_id=\? AND is_current=\? AND iteration>\? AND iteration<\?\)/,
    );
    close();
  });
});
