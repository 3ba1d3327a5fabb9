// The identity of a log file on this machine: inode, size and a hash of its first bytes (see checkIdentity).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileIdentity } from '../db/logSources.repo.js';

/** Bytes hashed at most: enough to tell two logs apart (banner, dates), small enough to read every time. */
export const HEAD_BYTES = 4096;

/**
 * Reads the identity of the file at `path`, hashing its first `headLength` bytes (default: up to HEAD_BYTES).
 * Pass the stored head length to compare with a stored hash. Fewer bytes are hashed if the file is shorter.
 * @throws the fs error (ENOENT, EACCES, EISDIR, …) when the file cannot be read.
 */
export function readFileIdentity(path: string, headLength = HEAD_BYTES): FileIdentity {
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'ENOTFILE' });
    const want = Math.min(headLength, st.size);
    const head = Buffer.alloc(want);
    let got = 0;
    while (got < want) {
      const n = readSync(fd, head, got, want - got, got);
      if (n === 0) break;
      got += n;
    }
    return { inode: st.ino, size: st.size, headHash: createHash('sha256').update(head.subarray(0, got)).digest('hex'), headLength: got };
  } finally {
    closeSync(fd);
  }
}
