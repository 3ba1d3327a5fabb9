// The identity of a log file: inode, size and a hash of its first bytes, and the one rule (checkFileIdentity) by
// which `trainboard import` and the followers decide that the file at a path is no longer the file they read.
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { FileIdentity } from '../db/logSources.repo.js';

/** What was stored about a file when it was read: a log source's identity columns and its cursor. */
export interface StoredIdentity {
  inode: number | null;
  /** sha256 hex of the first `headLength` bytes; null before the file was first seen. */
  headHash: string | null;
  headLength: number;
  /** Bytes already read (the cursor). */
  byteOffset: number;
}

/** The file now at the path: `headHash` covers its first min(stored.headLength, size) bytes. */
export interface CurrentIdentity {
  inode: number | null;
  size: number;
  headHash: string;
}

export type IdentityCheck = { ok: true } | { ok: false; reason: 'truncated' | 'replaced'; detail: string };

/**
 * Is the file at the path still the file the cursor belongs to? A file may only have grown since.
 *
 * - **replaced**: another inode, or other first bytes. The head is what tells two logs apart (banner, dates),
 *   so a file rewritten in place (same inode, `>` or truncate-and-write) with another beginning is another file,
 *   exactly as one renamed over the path is. Nothing read from the old one may be continued.
 * - **truncated**: the same beginning (or too short to compare it), but fewer bytes than were already read: the
 *   same file cut back (a `truncate`, copytruncate rotation). A file shorter than the head that was hashed cannot
 *   show its head any more, and it did shrink, so it counts as truncated.
 *
 * Both import and follow stop reading across either change: import refuses (`--restart` reads it again), a
 * follower archives the old source and reads the new file as a new source from byte 0. Only the label differs.
 */
export function checkFileIdentity(stored: StoredIdentity, current: CurrentIdentity): IdentityCheck {
  if (stored.inode !== null && current.inode !== null && stored.inode !== current.inode) {
    return { ok: false, reason: 'replaced', detail: `inode changed from ${stored.inode} to ${current.inode}` };
  }
  const headComparable = stored.headHash !== null && current.size >= stored.headLength;
  if (headComparable && stored.headHash !== current.headHash) {
    return {
      ok: false,
      reason: 'replaced',
      detail: `its first ${stored.headLength} bytes differ from the file imported before`,
    };
  }
  if (current.size < stored.byteOffset) {
    return {
      ok: false,
      reason: 'truncated',
      detail: `the file has ${current.size} bytes but ${stored.byteOffset} were already imported`,
    };
  }
  if (stored.headHash !== null && !headComparable) {
    return {
      ok: false,
      reason: 'truncated',
      detail: `the file has ${current.size} bytes, fewer than the ${stored.headLength} first bytes seen before`,
    };
  }
  return { ok: true };
}

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
    return {
      inode: st.ino,
      size: st.size,
      headHash: createHash('sha256').update(head.subarray(0, got)).digest('hex'),
      headLength: got,
    };
  } finally {
    closeSync(fd);
  }
}
