// The API tokens repository: CLI credentials. Only the sha256 of the secret is stored; `prefix` identifies a token
// in lists.
import type Database from 'better-sqlite3';
import type { UserRole, UserRow } from './users.repo.js';

export interface ApiTokenRow {
  id: number;
  userId: number;
  name: string;
  prefix: string;
  /** The ceiling; the effective role is min(token role, user role) at use time. */
  role: UserRole;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface NewApiToken {
  userId: number;
  name: string;
  tokenHash: string;
  prefix: string;
  role: UserRole;
  expiresAt?: number | null;
}

export interface ApiTokensRepo {
  insert(t: NewApiToken, now?: number): ApiTokenRow;
  /** The live token (not revoked, not expired) and its enabled user; undefined otherwise. */
  byHash(tokenHash: string, now: number): { token: ApiTokenRow; user: UserRow } | undefined;
  get(id: number): ApiTokenRow | undefined;
  /** Tokens of one user, or of everyone (admin), newest first. */
  list(userId?: number): ApiTokenRow[];
  /** Returns false when the token does not exist or was already revoked. */
  revoke(id: number, now: number): boolean;
  touchUsed(id: number, now: number): void;
}

const COLUMNS = `t.id, t.user_id AS userId, t.name, t.prefix, t.role, t.created_at AS createdAt,
  t.last_used_at AS lastUsedAt, t.expires_at AS expiresAt, t.revoked_at AS revokedAt`;

type JoinedRow = ApiTokenRow & {
  u_id: number;
  u_username: string;
  u_passwordHash: string;
  u_role: UserRole;
  u_createdAt: number;
  u_updatedAt: number | null;
  u_disabledAt: number | null;
  u_passwordChangedAt: number | null;
};

function split(r: JoinedRow): { token: ApiTokenRow; user: UserRow } {
  const {
    u_id,
    u_username,
    u_passwordHash,
    u_role,
    u_createdAt,
    u_updatedAt,
    u_disabledAt,
    u_passwordChangedAt,
    ...t
  } = r;
  const user: UserRow = {
    id: u_id,
    username: u_username,
    passwordHash: u_passwordHash,
    role: u_role,
    createdAt: u_createdAt,
    updatedAt: u_updatedAt,
    disabledAt: u_disabledAt,
    passwordChangedAt: u_passwordChangedAt,
  };
  return { token: t, user };
}

export function createApiTokensRepo(sqlite: Database.Database): ApiTokensRepo {
  const insert = sqlite.prepare<[number, string, string, string, string, number | null, number], { id: number }>(
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix, role, expires_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
  );
  const get = sqlite.prepare<[number], ApiTokenRow>(`SELECT ${COLUMNS} FROM api_tokens t WHERE t.id = ?`);
  const byHash = sqlite.prepare<[string, number], JoinedRow>(`SELECT ${COLUMNS}, u.id AS u_id,
    u.username AS u_username, u.password_hash AS u_passwordHash, u.role AS u_role, u.created_at AS u_createdAt,
    u.updated_at AS u_updatedAt, u.disabled_at AS u_disabledAt, u.password_changed_at AS u_passwordChangedAt
    FROM api_tokens t JOIN users u ON u.id = t.user_id
    WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
    AND u.disabled_at IS NULL`);
  const listAll = sqlite.prepare<[], ApiTokenRow>(`SELECT ${COLUMNS} FROM api_tokens t ORDER BY t.id DESC`);
  const listOfUser = sqlite.prepare<[number], ApiTokenRow>(
    `SELECT ${COLUMNS} FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC`,
  );
  const revoke = sqlite.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  const touch = sqlite.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?');

  return {
    insert(t, now = Date.now()) {
      const { id } = insert.get(t.userId, t.name, t.tokenHash, t.prefix, t.role, t.expiresAt ?? null, now)!;
      return get.get(id)!;
    },
    byHash(tokenHash, now) {
      const row = byHash.get(tokenHash, now);
      return row && split(row);
    },
    get: (id) => get.get(id),
    list: (userId) => (userId === undefined ? listAll.all() : listOfUser.all(userId)),
    revoke: (id, now) => revoke.run(now, id).changes > 0,
    touchUsed: (id, now) => void touch.run(now, id),
  };
}
