// The lease repository: one named lease (the controller's) with a TTL and a fencing token. The token grows by one
// on every acquisition of an expired or free lease, so a holder that paused past its TTL can tell (assertHeld)
// that someone may have acted in between, and must stop.
import type Database from 'better-sqlite3';

/** The caller no longer holds the lease under its token: abort the transaction and the tick. */
export class LeaseLostError extends Error {
  constructor(
    readonly leaseName: string,
    readonly holder: string,
    readonly token: number,
  ) {
    super(`lease ${leaseName} is no longer held by ${holder} with token ${token}`);
    this.name = 'LeaseLostError';
  }
}

export interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  acquiredAt: number;
  expiresAt: number;
  renewedAt: number;
}

export interface LeaseRepo {
  /**
   * Takes the lease when it is free or expired (token + 1), or extends it when `holder` already holds it
   * (same token). `held: false` returns the current holder's token.
   */
  tryAcquire(name: string, holder: string, ttlMs: number, now: number): { held: boolean; token: number };
  /** Extends the lease when `holder` still holds it under `token` (nobody took over); false otherwise. */
  renew(name: string, holder: string, token: number, ttlMs: number, now: number): boolean;
  /** Expires the lease now (keeping the token, so the next holder's token is higher). */
  release(name: string, holder: string): void;
  /** @throws LeaseLostError unless `holder` holds an unexpired lease under `token`. Call inside each tx. */
  assertHeld(name: string, holder: string, token: number, now: number): void;
  get(name: string): LeaseRow | undefined;
}

export function createLeaseRepo(sqlite: Database.Database): LeaseRepo {
  const get = sqlite.prepare<[string], LeaseRow>(`SELECT name, holder, token, acquired_at AS acquiredAt,
    expires_at AS expiresAt, renewed_at AS renewedAt FROM control_lease WHERE name = ?`);
  const insert = sqlite.prepare(`INSERT INTO control_lease (name, holder, token, acquired_at, expires_at, renewed_at)
    VALUES (?, ?, 1, ?, ?, ?)`);
  const takeOver = sqlite.prepare(`UPDATE control_lease SET holder = ?, token = token + 1, acquired_at = ?,
    expires_at = ?, renewed_at = ? WHERE name = ?`);
  const extend = sqlite.prepare(`UPDATE control_lease SET expires_at = ?, renewed_at = ?
    WHERE name = ? AND holder = ? AND token = ?`);
  const release = sqlite.prepare('UPDATE control_lease SET expires_at = 0 WHERE name = ? AND holder = ?');

  // IMMEDIATE: read-then-write under the write lock, so two processes cannot both see the lease free.
  const tryAcquire = sqlite.transaction((name: string, holder: string, ttlMs: number, now: number) => {
    const row = get.get(name);
    if (!row) {
      insert.run(name, holder, now, now + ttlMs, now);
      return { held: true, token: 1 };
    }
    if (row.expiresAt > now) {
      if (row.holder !== holder) return { held: false, token: row.token };
      extend.run(now + ttlMs, now, name, holder, row.token);
      return { held: true, token: row.token };
    }
    takeOver.run(holder, now, now + ttlMs, now, name);
    return { held: true, token: row.token + 1 };
  });

  return {
    tryAcquire: (name, holder, ttlMs, now) => tryAcquire.immediate(name, holder, ttlMs, now),
    renew: (name, holder, token, ttlMs, now) => extend.run(now + ttlMs, now, name, holder, token).changes === 1,
    release: (name, holder) => void release.run(name, holder),
    assertHeld(name, holder, token, now) {
      const row = get.get(name);
      if (!row || row.holder !== holder || row.token !== token || row.expiresAt <= now) {
        throw new LeaseLostError(name, holder, token);
      }
    },
    get: (name) => get.get(name),
  };
}
