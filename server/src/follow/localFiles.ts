// RemoteFiles over this machine's file system: following a log on a shared file system the server can read
// directly, and the follower's unit tests.
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
          const buf = Buffer.alloc(length);
          const { bytesRead } = await handle.read(buf, 0, length, offset);
          return buf.subarray(0, bytesRead);
        },
        close: () => handle.close(),
      };
    },
  };
}
