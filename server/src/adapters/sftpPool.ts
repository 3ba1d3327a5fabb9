// A small pool of SFTP channels on one SSH connection, shared by the followers and the log routes.
//
// Why a pool: every SFTP channel is a session on the login node, and OpenSSH refuses sessions beyond MaxSessions
// (10 by default) per connection, counting the exec channels Slurm commands use too. One channel per log request
// hit that limit; a refusal then looked like a dead connection, which was forgotten (never closed) and a new one
// opened: connections piled up on the login node. Here at most `maxChannels` channels are open, each carrying the
// requests of up to `leasesPerChannel` callers (an SFTP channel multiplexes requests by id); callers beyond that wait
// in a bounded queue, and a refused channel only lowers how many the pool tries to hold.
//
// Why every request goes through `call`: ssh2 never answers a request written to a channel that has already
// closed (it is stored and forgotten), so an fstat after a drop used to wait out the whole operation timeout. A
// channel here fails every pending request the moment it or its connection goes away, and refuses new ones at once.
import type { SFTPWrapper } from 'ssh2';
import { ShellError } from './shell.js';

export interface SftpPoolOptions {
  /** Most SFTP channels open at once: below the server's MaxSessions, which exec channels share. */
  maxChannels: number;
  /** Most callers (open files) sharing one channel. */
  leasesPerChannel: number;
  /** Most callers waiting for a channel; the next one is refused with SftpBusyError. */
  maxQueue: number;
  /** Longest wait in the queue. */
  queueTimeoutMs: number;
  /** A channel nobody has used for this long is closed. */
  idleMs: number;
}

export const DEFAULT_SFTP_POOL: SftpPoolOptions = {
  maxChannels: 4,
  leasesPerChannel: 16,
  maxQueue: 64,
  queueTimeoutMs: 10_000,
  idleMs: 15_000,
};

type Done<T> = (err: Error | null | undefined, value: T) => void;

/** One caller's share of a channel. `release` once when done (later calls are ignored). */
export interface SftpLease {
  /** One SFTP request; rejects at once if the channel or its connection is, or becomes, gone. */
  call<T>(op: (sftp: SFTPWrapper, done: Done<T>) => void): Promise<T>;
  release(): void;
}

export interface SftpPoolStats {
  channels: number;
  opening: number;
  leases: number;
  waiting: number;
}

/** The pool is full: too many reads at once. Says nothing about the connection, which stays up. */
export class SftpBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SftpBusyError';
  }
}

class Channel {
  leases = 0;
  gone: Error | null = null;
  private readonly pending = new Set<(err: Error) => void>();
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly sftp: SFTPWrapper,
    private readonly onGone: (ch: Channel) => void,
  ) {
    const lost = () => this.kill(new ShellError('closed', 'the SFTP channel closed'));
    sftp.on('close', lost);
    sftp.on('end', lost);
    sftp.on('error', lost);
  }

  call<T>(op: (sftp: SFTPWrapper, done: Done<T>) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.gone) return reject(this.gone);
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        this.pending.delete(fail);
        reject(err);
      };
      this.pending.add(fail);
      try {
        op(this.sftp, (err, value) => {
          if (err) return fail(err);
          if (settled) return;
          settled = true;
          this.pending.delete(fail);
          resolve(value);
        });
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Fails what is pending, refuses what comes, and ends the channel (a no-op if it is already closed). */
  kill(err: Error): void {
    if (this.gone) return;
    this.gone = err;
    this.idle(null);
    for (const fail of [...this.pending]) fail(err);
    this.pending.clear();
    this.sftp.end();
    this.onGone(this);
  }

  idle(timer: NodeJS.Timeout | null): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = timer;
  }
}

interface Waiter {
  resolve: (lease: SftpLease) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class SftpPool {
  private readonly options: SftpPoolOptions;
  private readonly channels: Channel[] = [];
  private readonly waiters: Waiter[] = [];
  private opening = 0;
  /** How many channels to try to hold: maxChannels, lowered while the server refuses more. */
  private limit: number;
  private gone: Error | null = null;

  /** `open` opens one channel on the connection; `label` names the server in messages (no secrets). */
  constructor(
    private readonly open: () => Promise<SFTPWrapper>,
    private readonly label: string,
    options: Partial<SftpPoolOptions> = {},
  ) {
    this.options = { ...DEFAULT_SFTP_POOL, ...options };
    this.limit = this.options.maxChannels;
  }

  acquire(): Promise<SftpLease> {
    if (this.gone) return Promise.reject(this.gone);
    if (this.waiters.length >= this.options.maxQueue) {
      return Promise.reject(
        new SftpBusyError(
          `too many file reads at once on ${this.label} (${this.waiters.length} waiting): try again shortly`,
        ),
      );
    }
    return new Promise<SftpLease>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(
            new SftpBusyError(`no SFTP channel on ${this.label} became free within ${this.options.queueTimeoutMs} ms`),
          );
        }, this.options.queueTimeoutMs),
      };
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** The connection is gone: fail the waiters and every channel's pending requests, refuse new callers. */
  destroy(err: Error): void {
    if (this.gone) return;
    this.gone = err;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    for (const ch of [...this.channels]) ch.kill(err);
  }

  stats(): SftpPoolStats {
    return {
      channels: this.channels.length,
      opening: this.opening,
      waiting: this.waiters.length,
      leases: this.channels.reduce((n, ch) => n + ch.leases, 0),
    };
  }

  /** Hands free channel capacity to waiters in order, and opens one more channel when they need it. */
  private pump(): void {
    while (this.waiters.length > 0) {
      const ch = this.leastLoaded();
      if (!ch) break;
      this.grant(this.waiters.shift() as Waiter, ch);
    }
    // One channel opening at a time: it serves leasesPerChannel waiters, the pump runs again when it is open.
    if (this.waiters.length > 0 && this.opening === 0 && this.channels.length < this.limit) this.openOne();
  }

  private leastLoaded(): Channel | null {
    let best: Channel | null = null;
    for (const ch of this.channels)
      if (ch.leases < this.options.leasesPerChannel && (!best || ch.leases < best.leases)) best = ch;
    return best;
  }

  private grant(w: Waiter, ch: Channel): void {
    clearTimeout(w.timer);
    ch.leases++;
    ch.idle(null);
    let released = false;
    w.resolve({
      call: (op) => ch.call(op),
      release: () => {
        if (released) return;
        released = true;
        this.release(ch);
      },
    });
  }

  private release(ch: Channel): void {
    ch.leases--;
    if (!ch.gone && ch.leases === 0 && this.waiters.length === 0) {
      const timer = setTimeout(
        () => ch.kill(new ShellError('closed', 'the SFTP channel was idle')),
        this.options.idleMs,
      );
      timer.unref();
      ch.idle(timer);
    }
    this.pump();
  }

  private openOne(): void {
    this.opening++;
    this.open().then(
      (sftp) => {
        this.opening--;
        if (this.gone) return void sftp.end();
        this.channels.push(new Channel(sftp, (gone) => this.forget(gone)));
        this.pump();
      },
      (err: unknown) => {
        this.opening--;
        if (this.gone) return;
        const error = err instanceof Error ? err : new Error(String(err));
        if (this.channels.length === 0) {
          // Nothing to share: the callers learn why now (they retry), rather than wait for a channel that won't come.
          for (const w of this.waiters.splice(0)) {
            clearTimeout(w.timer);
            w.reject(error);
          }
          return;
        }
        // The server holds us at this many (MaxSessions, exec channels counted): share them, ask again when one closes.
        this.limit = this.channels.length;
        this.pump();
      },
    );
  }

  private forget(ch: Channel): void {
    const i = this.channels.indexOf(ch);
    if (i >= 0) this.channels.splice(i, 1);
    this.limit = this.options.maxChannels;
    if (!this.gone) this.pump();
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }
}
