// RemoteFiles over this machine's file system: logs of the local executor's jobs, logs on a shared file system the
// server can read directly, and the follower's unit tests. An open descriptor pins the inode, as an SFTP handle does,
// so a replaced file is still detected by the follower's identity checks.
import { promises as fs } from 'node:fs';
import type { RemoteFiles } from './remoteFiles.js';

export function localFiles(): RemoteFiles {
  return {
    async stat(path) {
      try {
        const st = await fs.stat(path);
        return { inode: st.ino, size: st.size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
    },
    async open(path) {
      const handle = await fs.open(path, 'r');
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
