import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { folderSize, localDisk, localDisks } from './localDisk.js';

const root = mkdtempSync(join(tmpdir(), 'tb-localdisk-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('localDisk', () => {
  const ckpt = join(root, "global_step100 $(id) 'x'");
  mkdirSync(join(ckpt, 'layer_01'), { recursive: true });
  writeFileSync(join(ckpt, 'layer_01', 'model.pt'), Buffer.alloc(300_000, 1));
  writeFileSync(join(ckpt, 'latest'), 'global_step100');
  symlinkSync('/usr', join(ckpt, 'link-not-followed'));

  it('sums a folder as du -sB1 does (allocated bytes, symlinks not followed)', async () => {
    const du = Number(execFileSync('du', ['-sB1', '--', ckpt], { encoding: 'utf8' }).split('\t')[0]);
    expect(await folderSize(ckpt)).toBe(du);
  });

  it('reports the filesystem as df does, and null for a missing folder or past the walk bound', async () => {
    const r = await localDisk(root, join(root, 'nope'));
    const [, line = ''] = execFileSync('df', ['-B1', '--output=size,used,avail', '--', root], {
      encoding: 'utf8',
    }).split('\n');
    const [size, used] = line.trim().split(/\s+/).map(Number);
    expect(r.totalBytes).toBe(size);
    // Used moves with other writers on a shared machine: within 1 %.
    expect(Math.abs(r.usedBytes - (used ?? 0))).toBeLessThan((size ?? 0) / 100);
    expect(r.folderBytes).toBeNull();
    expect(await folderSize(ckpt, { maxEntries: 2, timeoutMs: 10_000 })).toBeNull();
  });

  it('reads many runs in one call: a missing path is an Error in its place, the others read; one shared deadline', async () => {
    const du = Number(execFileSync('du', ['-sB1', '--', ckpt], { encoding: 'utf8' }).split('\t')[0]);
    const out = await localDisks([
      { path: root, folder: ckpt },
      { path: join(root, 'missing run'), folder: null },
      { path: root, folder: null },
    ]);
    expect(out[0]).toMatchObject({ folderBytes: du });
    expect(out[1]).toBeInstanceOf(Error);
    expect(out[2]).toMatchObject({ folderBytes: null });
    expect((out[2] as { totalBytes: number }).totalBytes).toBeGreaterThan(0);
    // The deadline is the batch's: once spent, later folders are unknown, not walked past it.
    const spent = await localDisks([{ path: root, folder: ckpt }], { maxEntries: 200_000, timeoutMs: 0 });
    expect(spent[0]).toMatchObject({ folderBytes: null });
  });
});
