import { mkdtempSync, rmSync, truncateSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkFileIdentity, readFileIdentity, type CurrentIdentity, type StoredIdentity } from './fileIdentity.js';

// A file of 10,000 bytes whose first 4,096 were hashed as HEAD, read up to byte 8,000.
const HEAD = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const SHORT = 'c'.repeat(64); // the hash of fewer bytes than were stored: never equal to HEAD
const stored: StoredIdentity = { inode: 7, headHash: HEAD, headLength: 4096, byteOffset: 8000 };
const firstSight: StoredIdentity = { inode: null, headHash: null, headLength: 0, byteOffset: 0 };

describe(checkFileIdentity.name, () => {
  it.each<[string, StoredIdentity, CurrentIdentity, 'ok' | 'truncated' | 'replaced']>([
    ['unchanged', stored, { inode: 7, size: 10_000, headHash: HEAD }, 'ok'],
    ['grown', stored, { inode: 7, size: 50_000, headHash: HEAD }, 'ok'],
    ['exactly at the cursor', stored, { inode: 7, size: 8000, headHash: HEAD }, 'ok'],
    ['shorter than the cursor, same head', stored, { inode: 7, size: 5000, headHash: HEAD }, 'truncated'],
    ['exactly the head, shorter than the cursor', stored, { inode: 7, size: 4096, headHash: HEAD }, 'truncated'],
    ['shorter than the head hashed (cannot compare it)', stored, { inode: 7, size: 100, headHash: SHORT }, 'truncated'],
    ['emptied', stored, { inode: 7, size: 0, headHash: SHORT }, 'truncated'],
    ['other first bytes, grown', stored, { inode: 7, size: 50_000, headHash: OTHER }, 'replaced'],
    ['other first bytes, shorter than the cursor', stored, { inode: 7, size: 5000, headHash: OTHER }, 'replaced'],
    ['another inode, same head and size', stored, { inode: 8, size: 10_000, headHash: HEAD }, 'replaced'],
    ['another inode, shorter', stored, { inode: 8, size: 100, headHash: SHORT }, 'replaced'],
    [
      'no inode on this filesystem, same head',
      { ...stored, inode: null },
      { inode: null, size: 10_000, headHash: HEAD },
      'ok',
    ],
    [
      'no inode stored, other head',
      { ...stored, inode: null },
      { inode: 9, size: 10_000, headHash: OTHER },
      'replaced',
    ],
    ['never seen before', firstSight, { inode: 3, size: 10, headHash: OTHER }, 'ok'],
  ])('%s → %s', (_name, before, now, verdict) => {
    const check = checkFileIdentity(before, now);
    expect(check.ok ? 'ok' : check.reason).toBe(verdict);
  });

  it('says what changed, in words', () => {
    expect(checkFileIdentity(stored, { inode: 7, size: 5000, headHash: HEAD })).toEqual({
      ok: false,
      reason: 'truncated',
      detail: 'the file has 5000 bytes but 8000 were already imported',
    });
    expect(checkFileIdentity(stored, { inode: 8, size: 10_000, headHash: HEAD })).toEqual({
      ok: false,
      reason: 'replaced',
      detail: 'inode changed from 7 to 8',
    });
    expect(checkFileIdentity(stored, { inode: 7, size: 10_000, headHash: OTHER })).toEqual({
      ok: false,
      reason: 'replaced',
      detail: 'its first 4096 bytes differ from the file imported before',
    });
  });
});

describe('checkFileIdentity on real files (readFileIdentity)', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tb-identity-'));
    path = join(dir, 'main_log.txt');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const read = (before: StoredIdentity) => checkFileIdentity(before, readFileIdentity(path, before.headLength));
  const storedFrom = (byteOffset: number): StoredIdentity => ({ ...readFileIdentity(path), byteOffset });

  it('truncate: truncated; rewrite in place with another beginning: replaced; rename over it: replaced', () => {
    writeFileSync(path, 'x'.repeat(6000));
    const before = storedFrom(6000);
    expect(read(before)).toEqual({ ok: true });
    truncateSync(path, 5000);
    expect(read(before)).toMatchObject({ ok: false, reason: 'truncated' });
    writeFileSync(path, `y${'x'.repeat(9000)}`); // same inode (O_TRUNC), longer, other first byte
    expect(read(before)).toMatchObject({
      ok: false,
      reason: 'replaced',
      detail: 'its first 4096 bytes differ from the file imported before',
    });
    writeFileSync(`${path}.new`, 'x'.repeat(9000));
    renameSync(`${path}.new`, path); // same bytes, another inode
    expect(read(before)).toMatchObject({
      ok: false,
      reason: 'replaced',
      detail: expect.stringMatching(/^inode changed/),
    });
  });
});
