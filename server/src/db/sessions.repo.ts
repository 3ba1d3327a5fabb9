// The sessions repository: rows behind the express-session store (auth/sessionStore.ts). Keyed by sha256 of the
// session id, so the database never holds a usable session id.
import type Database from 'better-sqlite3';

export interface SessionRow {
  sidHash: string;
  userId: number | null;
  /** The session object as express-session serialised it (JSON text). */
  data: string;
  expiresAt: number;
  createdAt: number;
  lastSeenAt: number | null;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionMeta {
  ip?: string | null;
  userAgent?: string | null;
  now?: number;
}

export interface SessionsRepo {
  /** The session unless it expired at `now`. */
  get(sidHash: string, now: number): SessionRow | undefined;
  /** Inserts or replaces the session's data and expiry (created_at is kept on replace). */
  set(sidHash: string, userId: number | null, data: string, expiresAt: number, meta?: SessionMeta): void;
  touch(sidHash: string, expiresAt: number, now?: number): void;
  destroy(sidHash: string): void;
  /** Signs a user out everywhere (role change, disable, password change); returns how many. */
  destroyOfUser(userId: number): number;
  /** Deletes expired sessions; returns how many. */
  purgeExpired(now: number): number;
}

/** User agents are stored for the session list only; longer ones are cut. */
const USER_AGENT_MAX = 200;

export function createSessionsRepo(sqlite: Database.Database): SessionsRepo {
  const get = sqlite.prepare<[string, number], SessionRow>(`SELECT sid_hash AS sidHash, user_id AS userId, data,
    expires_at AS expiresAt, created_at AS createdAt, last_seen_at AS lastSeenAt, ip, user_agent AS userAgent
    FROM sessions WHERE sid_hash = ? AND expires_at > ?`);
  const upsert = sqlite.prepare(`INSERT INTO sessions (sid_hash, user_id, data, expires_at, created_at, last_seen_at,
    ip, user_agent) VALUES (@sidHash, @userId, @data, @expiresAt, @now, @now, @ip, @userAgent)
    ON CONFLICT (sid_hash) DO UPDATE SET user_id = excluded.user_id, data = excluded.data,
    expires_at = excluded.expires_at, last_seen_at = excluded.last_seen_at,
    ip = coalesce(excluded.ip, ip), user_agent = coalesce(excluded.user_agent, user_agent)`);
  const touch = sqlite.prepare('UPDATE sessions SET expires_at = ?, last_seen_at = ? WHERE sid_hash = ?');
  const destroy = sqlite.prepare('DELETE FROM sessions WHERE sid_hash = ?');
  const destroyOfUser = sqlite.prepare('DELETE FROM sessions WHERE user_id = ?');
  const purge = sqlite.prepare('DELETE FROM sessions WHERE expires_at <= ?');

  return {
    get: (sidHash, now) => get.get(sidHash, now),
    set(sidHash, userId, data, expiresAt, meta = {}) {
      upsert.run({
        sidHash,
        userId,
        data,
        expiresAt,
        now: meta.now ?? Date.now(),
        ip: meta.ip ?? null,
        userAgent: meta.userAgent == null ? null : meta.userAgent.slice(0, USER_AGENT_MAX),
      });
    },
    touch: (sidHash, expiresAt, now = Date.now()) => void touch.run(expiresAt, now, sidHash),
    destroy: (sidHash) => void destroy.run(sidHash),
    destroyOfUser: (userId) => destroyOfUser.run(userId).changes,
    purgeExpired: (now) => purge.run(now).changes,
  };
}
