// express-session's store over the sessions table (one SQLite connection, one WAL). Rows are keyed by the sha256
// of the session id, so the table alone cannot be replayed as cookies. Expired rows read as absent and are purged
// on a timer the stack owns.
import session, { type SessionData } from 'express-session';
import { hashSecret } from './tokens.js';
import type { SessionsPort } from './ports.js';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** Epoch ms of sign-in: sessions end 7 days after it, however active (absolute lifetime). */
    signedInAt?: number;
    ip?: string;
    userAgent?: string;
  }
}

type Callback = (err?: unknown) => void;

export class SqliteSessionStore extends session.Store {
  constructor(
    private readonly sessions: SessionsPort,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  override get(sid: string, cb: (err: unknown, session?: SessionData | null) => void): void {
    try {
      const row = this.sessions.get(hashSecret(sid), this.now());
      cb(null, row ? (JSON.parse(row.data) as SessionData) : null);
    } catch (err) {
      cb(err);
    }
  }

  override set(sid: string, data: SessionData, cb?: Callback): void {
    this.run(cb, () => {
      const { ip, userAgent, ...rest } = data;
      this.sessions.set(hashSecret(sid), rest.userId ?? null, JSON.stringify(rest), this.expiry(data), {
        ip: ip ?? null,
        userAgent: userAgent?.slice(0, 200) ?? null,
        now: this.now(),
      });
    });
  }

  override touch(sid: string, data: SessionData, cb?: Callback): void {
    this.run(cb, () => this.sessions.touch(hashSecret(sid), this.expiry(data)));
  }

  override destroy(sid: string, cb?: Callback): void {
    this.run(cb, () => this.sessions.destroy(hashSecret(sid)));
  }

  private expiry(data: SessionData): number {
    const expires = data.cookie?.expires;
    return expires ? new Date(expires).getTime() : this.now() + 12 * 3600_000;
  }

  private run(cb: Callback | undefined, fn: () => void): void {
    try {
      fn();
      cb?.();
    } catch (err) {
      cb?.(err);
    }
  }
}
