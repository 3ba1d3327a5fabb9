// The follower's file access for jobs of the local executor: the same RemoteFiles contract as SFTP, over node:fs.
// An open file descriptor pins the inode, as an SFTP handle does, so a replaced file is still detected by the
// follower's identity checks.
import { open, stat } from 'node:fs/promises';
import type { RemoteFiles } from '../follow/remoteFiles.js';

export function localFiles(): RemoteFiles {
  return {
    async stat(path) {
      try {
        const s = await stat(path);
        return { inode: s.ino, size: s.size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async open(path) {
      const handle = await open(path, 'r');
      return {
        size: async () => (await handle.stat()).size,
        async read(offset, length) {
          if (length <= 0) return Buffer.alloc(0);
          const buf = Buffer.allocUnsafe(length);
          const { bytesRead } = await handle.read(buf, 0, length, offset);
          return buf.subarray(0, bytesRead);
        },
        close: () => handle.close(),
      };
    },
  };
}
