// Migration 0001 on a database that 0000 created and the previous release filled: legacy rows survive with their
// ids and references (0001 rebuilds runs, jobs, clusters and users).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationsFolder, openDatabase } from './client.js';
import { createRepositories } from './repositories.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A migrations folder holding only 0000, as the previous release shipped it. */
function initOnlyFolder(root: string): string {
  const folder = join(root, 'migrations-0000');
  mkdirSync(join(folder, 'meta'), { recursive: true });
  copyFileSync(join(migrationsFolder, '0000_init.sql'), join(folder, '0000_init.sql'));
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { tag: string }[];
  };
  journal.entries = journal.entries.filter((e) => e.tag === '0000_init');
  writeFileSync(join(folder, 'meta', '_journal.json'), JSON.stringify(journal));
  return folder;
}

/** What the previous release wrote: a followed run with two jobs, a log source pointing at a job, metrics. */
function fillLegacy(sqlite: Database.Database): void {
  sqlite.exec(`
    INSERT INTO runs (id, name, state, segment_count) VALUES (7, 'tr11-legacy', 'running', 1);
    INSERT INTO runs (id, name) VALUES (9, 'imported-only');
    INSERT INTO jobs (id, run_id, scheduler_job_id, state, node_list, exit_code, updated_at)
      VALUES (3, 7, '1528763', 'FAILED', 'c1', 1, 10), (5, 7, '1528764', 'RUNNING', 'c2', NULL, 20);
    INSERT INTO log_sources (id, run_id, job_id, path, updated_at) VALUES (4, 7, 5, '/logs/main_log.txt', 30);
    INSERT INTO iterations (run_id, log_source_id, byte_offset, line, segment, is_current, iteration, train_iters,
      time_estimated, overhead) VALUES (7, 4, 0, 1, 0, 1, 1, 100, 0, 0), (7, 4, 100, 2, 0, 1, 2, 100, 0, 0);
    INSERT INTO users (id, username, password_hash, role) VALUES (2, 'alice', 'scrypt$x', 'admin');
    INSERT INTO audit_log (at_ms, user_id, action, target) VALUES (1, 2, 'login', 'web');
  `);
}

describe('migration 0001_control_plane', () => {
  it('applies on a populated 0000 database: rows keep their ids and references, new columns take defaults', () => {
    const root = mkdtempSync(join(tmpdir(), 'tb-migrate-'));
    dirs.push(root);
    const path = join(root, 'trainboard.db');
    const legacy = new Database(path);
    legacy.pragma('foreign_keys = ON');
    migrate(drizzle(legacy), { migrationsFolder: initOnlyFolder(root) });
    fillLegacy(legacy);
    legacy.close();

    const { sqlite, close } = openDatabase(path);
    const repos = createRepositories(sqlite);
    const jobs = sqlite
      .prepare('SELECT id, run_id, scheduler_job_id, idem_key, phase, state, node_list FROM jobs ORDER BY id')
      .all();
    expect(jobs).toEqual([
      {
        id: 3,
        run_id: 7,
        scheduler_job_id: '1528763',
        idem_key: null,
        phase: 'submitted',
        state: 'FAILED',
        node_list: 'c1',
      },
      {
        id: 5,
        run_id: 7,
        scheduler_job_id: '1528764',
        idem_key: null,
        phase: 'submitted',
        state: 'RUNNING',
        node_list: 'c2',
      },
    ]);
    expect(repos.jobs.ofRun(7).map((j) => j.jobId)).toEqual(['1528763', '1528764']);
    expect(sqlite.prepare('SELECT job_id FROM log_sources WHERE id = 4').get()).toEqual({ job_id: 5 });
    expect(sqlite.prepare('SELECT count(*) AS n FROM iterations WHERE run_id = 7').get()).toEqual({ n: 2 });
    expect(repos.runs.get(7)).toMatchObject({ name: 'tr11-legacy', state: 'running', segmentCount: 1 });
    // Legacy runs are not controlled: no desired state, so the controller leaves them alone.
    expect(repos.runControl.get(9)).toMatchObject({ desiredState: null, version: 1, chainLength: 2 });
    expect(repos.runControl.active()).toEqual([]);
    expect(repos.users.byId(2)).toMatchObject({ username: 'alice', role: 'admin', disabledAt: null });
    expect(repos.audit.list({})).toEqual([
      expect.objectContaining({ action: 'login', userId: 2, actorKind: 'system' }),
    ]);
    expect(sqlite.pragma('foreign_key_check')).toEqual([]);
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);

    // New rows go on after the legacy ids, and the new protocol works on the migrated table.
    const next = repos.jobs.beginSubmit({
      runId: 7,
      clusterId: repos.clusters.ensureLocal('/jobs').id,
      chainSeq: 1,
      dependsOn: null,
      exclude: null,
      reason: 'initial',
      actionId: null,
      keys: (id) => ({ idemKey: `tb.abc.${id}`, schedName: `x.tb.abc.${id}` }),
    });
    expect(next.id).toBe(6);
    close();
  });
});
