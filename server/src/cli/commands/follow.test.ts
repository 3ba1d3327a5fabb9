import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { followedSources } from '../../follow/followedSources.js';
import { captureIo } from '../../testing/captureIo.js';
import { run } from './follow.js';

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-follow-'));
  dbPath = join(dir, 'trainboard.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function followCli(...argv: string[]) {
  const io = captureIo();
  const code = await run([...argv, '--db', dbPath], io);
  return { code, out: io.out(), err: io.err() };
}

describe('trainboard follow', () => {
  it('registers a path (hostile characters kept as data) once, for a running run', async () => {
    const hostile = '/gpfs/logs/$(touch pwned); rm -rf ~ `id` \'q\' "dq"/main_log.txt';
    expect(await followCli(hostile, '--run', 'tr11')).toMatchObject({
      code: 0,
      out: expect.stringContaining('log source 1'),
    });
    expect((await followCli(hostile, '--run', 'tr11')).code).toBe(0);
    const conn = openDatabase(dbPath);
    expect(followedSources(conn.db).map((s) => s.path)).toEqual([hostile]);
    conn.close();
  });

  it('refuses relative paths, control characters and bad run names with exit 2', async () => {
    for (const argv of [
      ['logs/main_log.txt', '--run', 'r'],
      ['/a\nb', '--run', 'r'],
      ['/a', '--run', '../x'],
      ['/a'],
    ]) {
      const r = await followCli(...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toMatch(/^trainboard follow: /);
    }
  });
});
