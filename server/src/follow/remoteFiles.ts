// Reading a growing file on the cluster by byte offset: identity (inode, size) from `stat` over an exec channel,
// bytes over SFTP from an open handle.
//
// Why SFTP reads and not `tail -c +N -F` on an exec channel: the follower must know the exact byte offset of
// every byte it parses, and must notice when the file under the path is no longer the file it was reading.
// `tail -F` reopens a replaced or truncated file by itself and splices the new file's bytes into the same stdout
// stream, reporting it only as a human-readable line on stderr, racing with stdout: the offsets of what follows
// become guesswork. With SFTP the follower asks for bytes [offset, offset+n) of one open file (the handle pins the
// inode, as `tail -f` by descriptor would), sees the size on every poll (a truncation is a size below the cursor),
// and compares inode and head bytes itself before reading on. The cost is polling: one fstat every 100 ms while
// idle (one small request on an already open SFTP channel, no process started on the login node), which keeps the
// added latency under ~100 ms. SFTP v3 has no inode, so `stat -L` over exec gives it on each (re)connect and every
// few seconds while idle (one short process, not per poll).
//
// The SFTP channels are the connection's shared pool (adapters/sftpPool.ts): an open file holds a share of one
// channel until closed, so the log routes and the followers together never ask the login node for more sessions
// than the pool's limit. Every request fails at once when the connection drops (the pool sees it go).
import type { Stats } from 'ssh2';
import type { Shell } from '../adapters/shell.js';
import type { SftpLease } from '../adapters/sftpPool.js';

export interface RemoteFileStat {
  inode: number;
  size: number;
}

export interface OpenRemoteFile {
  /** Current size of the open file (fstat on the handle: the file opened, even if the path was replaced since). */
  size(): Promise<number>;
  /** Up to `length` bytes from `offset`; fewer at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export interface RemoteFiles {
  /** Identity of the file at `path` (symlinks followed); null when it does not exist (yet). */
  stat(path: string): Promise<RemoteFileStat | null>;
  open(path: string): Promise<OpenRemoteFile>;
}

/** What RemoteFiles needs from a transport: commands (for stat) and pooled SFTP (for bytes). SshShell has both. */
export interface SftpCapableShell extends Shell {
  sftpLease(): Promise<SftpLease>;
}

export class FileStatError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileStatError';
  }
}

/** A remote operation did not answer in time; the connection under it was closed so the next one reconnects. */
export class RemoteTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} got no answer within ${ms} ms`);
    this.name = 'RemoteTimeoutError';
  }
}

/**
 * Every operation is bounded by `opTimeoutMs`: a callback that never comes (a request sent on a connection that
 * is silently dying, before keepalives notice) must not freeze a follower. On a timeout the shared connection is
 * closed, so everything using it reconnects instead of waiting on the same dead socket. The wait for a pooled SFTP
 * channel is not an operation: a busy pool says nothing about the connection, and the pool bounds that wait itself.
 */
export function sshRemoteFiles(shell: SftpCapableShell, opTimeoutMs = 10_000): RemoteFiles {
  const bounded = <T>(what: string, p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        void shell.close();
        reject(new RemoteTimeoutError(what, opTimeoutMs));
      }, opTimeoutMs);
      p.then(
        (v) => (clearTimeout(timer), resolve(v)),
        (e: unknown) => (clearTimeout(timer), reject(e)),
      );
    });
  return {
    stat: (path) => bounded(`stat ${path}`, statOverExec(shell, path)),
    async open(path) {
      const lease = await shell.sftpLease();
      let handle: Buffer;
      try {
        handle = await bounded(
          `open ${path}`,
          lease.call<Buffer>((sftp, done) => sftp.open(path, 'r', done)),
        );
      } catch (err) {
        lease.release();
        throw err;
      }
      return {
        size: async () =>
          (
            await bounded(
              `fstat ${path}`,
              lease.call<Stats>((sftp, done) => sftp.fstat(handle, done)),
            )
          ).size,
        read: (offset, length) => bounded(`read ${path} at ${offset}`, readAt(lease, handle, offset, length)),
        close: () => closeHandle(lease, handle),
      };
    },
  };
}

async function statOverExec(shell: Shell, path: string): Promise<RemoteFileStat | null> {
  const r = await shell.exec(['stat', '-L', '-c', '%i %s', '--', path], { timeoutMs: 15_000 });
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr)) return null;
    throw new FileStatError(
      path,
      `stat ${path} on ${shell.target} failed: ${r.stderr.trim() || `exit ${r.code ?? r.signal}`}`,
    );
  }
  const m = /^(\d+) (\d+)\s*$/.exec(r.stdout);
  if (!m) throw new FileStatError(path, `unexpected stat output for ${path}: ${JSON.stringify(r.stdout.slice(0, 80))}`);
  return { inode: Number(m[1]), size: Number(m[2]) };
}

function readAt(lease: SftpLease, handle: Buffer, offset: number, length: number): Promise<Buffer> {
  if (length <= 0) return Promise.resolve(Buffer.alloc(0));
  const buf = Buffer.allocUnsafe(length);
  return lease.call<Buffer>((sftp, done) =>
    sftp.read(handle, buf, 0, length, offset, (err, bytesRead) => {
      // ssh2 reports end of file as an error with code 1 (SSH_FX_EOF).
      if (err && (err as Error & { code?: number }).code !== 1) return done(err, buf);
      done(null, buf.subarray(0, err ? 0 : bytesRead));
    }),
  );
}

/** Closes the handle, then gives the channel share back. Bounded: on a dying connection the answer may never come. */
function closeHandle(lease: SftpLease, handle: Buffer): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      lease.release();
      resolve();
    };
    const timer = setTimeout(done, 1_000);
    lease.call<void>((sftp, cb) => sftp.close(handle, (err) => cb(err, undefined))).then(done, done);
  });
}
