// The one-time sign-in links repository (the demo prints one). Only the sha256 of the link's secret is stored.
import type Database from 'better-sqlite3';

export interface LoginLinksRepo {
  insert(tokenHash: string, userId: number, expiresAt: number, now?: number): void;
  /**
   * Marks the link used and returns its user, or undefined when unknown, expired or already used.
   * One conditional UPDATE: two concurrent requests cannot both consume it.
   */
  consume(tokenHash: string, now: number): number | undefined;
}

export function createLoginLinksRepo(sqlite: Database.Database): LoginLinksRepo {
  const insert = sqlite.prepare(
    'INSERT INTO login_links (token_hash, user_id, expires_at, created_at) VALUES (?, ?, ?, ?)',
  );
  const consume = sqlite.prepare<[number, string, number], { userId: number }>(`UPDATE login_links SET used_at = ?
    WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id AS userId`);
  return {
    insert: (tokenHash, userId, expiresAt, now = Date.now()) => void insert.run(tokenHash, userId, expiresAt, now),
    consume: (tokenHash, now) => consume.get(now, tokenHash, now)?.userId,
  };
}
