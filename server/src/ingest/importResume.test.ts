// An import killed with SIGKILL partway through continues from its committed cursor and ends with exactly the
// rows of a clean import: nothing lost, nothing doubled. The child is the real `trainboard import` binary.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticLog } from '../../../scripts/bench/syntheticLog.js';
import { openDatabase } from '../db/client.js';
import { importLogFile } from './importFile.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = join(repoRoot, 'server/bin/trainboard.mjs');

let dir: string;
let log: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-resume-'));
  log = join(dir, 'main_log.txt');
  writeSyntheticLog(log, 150_000);
  // A second process start that resumes from an earlier checkpoint: the head of the log again, so the
  // resumed import must also get restart segments and supersession right across the kills.
  const text = readFileSync(log, 'utf8');
  appendFileSync(log, text.slice(0, text.indexOf('\n', text.length / 3) + 1));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cursorOf(dbPath: string): number {
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT byte_offset AS o FROM log_sources').get() as { o: number } | undefined;
      return row?.o ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created or not migrated yet
  }
}

/** Starts an import and SIGKILLs it once its committed cursor passed `fraction` of the file. */
async function importAndKill(dbPath: string, fraction: number): Promise<number> {
  const size = statSync(log).size;
  const child = spawn(process.execPath, [bin, 'import', log, '--run', 'tr11', '--db', dbPath], { stdio: 'ignore' });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let done = false;
  void exited.then(() => (done = true));
  while (!done && cursorOf(dbPath) < size * fraction) await new Promise((r) => setTimeout(r, 10));
  expect(done, 'the import finished before it could be killed: use a larger log').toBe(false);
  child.kill('SIGKILL');
  await exited;
  const at = cursorOf(dbPath);
  expect(at).toBeGreaterThan(0);
  expect(at).toBeLessThan(size);
  return at;
}

function dump(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all();
    return {
      iterations: all('SELECT * FROM iterations ORDER BY id'),
      validations: all('SELECT * FROM validations ORDER BY id'),
      events: all('SELECT * FROM events ORDER BY id'),
      runs: all('SELECT name, segment_count, config FROM runs'),
      cursor: all('SELECT byte_offset, line, size, ingest_state FROM log_sources'),
    };
  } finally {
    db.close();
  }
}

describe('import resumed after SIGKILL', () => {
  it('ends with the same rows as a clean import, row for row', async () => {
    const clean = join(dir, 'clean.db');
    const conn = openDatabase(clean);
    await importLogFile({ conn, runName: 'tr11', path: log });
    conn.close();

    const killed = join(dir, 'killed.db');
    const first = await importAndKill(killed, 0.2);
    const second = await importAndKill(killed, 0.6);
    expect(second).toBeGreaterThan(first); // the second run continued, it did not start over
    const conn2 = openDatabase(killed);
    const result = await importLogFile({ conn: conn2, runName: 'tr11', path: log });
    conn2.close();
    expect(result.fromOffset).toBe(second);

    const expected = dump(clean);
    const actual = dump(killed);
    expect(expected.iterations.length).toBeGreaterThan(100_000);
    expect((expected.runs[0] as { segment_count: number }).segment_count).toBe(2);
    // Compare table by table so that a failure names the table, and the big ones by count first.
    for (const table of ['runs', 'cursor', 'events', 'validations', 'iterations'] as const) {
      expect(actual[table].length, table).toBe(expected[table].length);
      expect(actual[table], table).toEqual(expected[table]);
    }
  }, 120_000);
});
