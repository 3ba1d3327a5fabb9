import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureIo } from '../../testing/captureIo.js';
import { run } from './cluster.js';

let dir: string;
let db: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-cli-'));
  db = join(dir, 'tb.db');
  writeFileSync(join(dir, 'key'), 'not a key');
  writeFileSync(join(dir, 'known_hosts'), '');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await run([...argv, '--db', db], io);
  return { code, out: io.out(), err: io.err() };
}

describe('trainboard cluster', () => {
  it('adds with paths resolved against the current folder, lists, removes', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const added = await cli(
        'add',
        'dev',
        '--host=login.example.org',
        '--user=me',
        '--key=key',
        '--known-hosts=known_hosts',
        '--jobs-root=/scratch/tb',
      );
      expect(added).toMatchObject({ code: 0, err: '' });
      expect(added.out).toContain(`me@login.example.org:22  key ${join(dir, 'key')}`);
    } finally {
      process.chdir(cwd);
    }
    expect((await cli('list', '--json')).out).toContain('"jobsRoot": "/scratch/tb"');
    expect(await cli('remove', 'dev')).toMatchObject({ code: 0, out: 'removed cluster dev\n' });
    expect((await cli('list')).out).toBe('');
  });

  it('names every bad field and stores nothing', async () => {
    const r = await cli('add', 'Bad;name', '--host=-oProxyCommand=x', '--user=me', '--agent', '--jobs-root=rel');
    expect(r.code).toBe(1);
    expect(r.err).toContain('name: must be');
    expect(r.err).toContain('host: must be');
    expect(r.err).toContain('jobsRoot: must be an absolute path');
    expect(r.err).toContain('knownHostsPath: give exactly one');
    expect((await cli('list')).out).toBe('');
  });

  it('answers usage errors with exit 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('test')).code).toBe(2);
    expect((await cli('remove', 'a', 'b')).code).toBe(2);
    expect((await cli('remove', 'nope')).code).toBe(1);
  });
});
