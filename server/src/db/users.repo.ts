// The users repository: people who sign in, with their role. Password hashes stay in this layer's rows; `list`
// and the public shape leave them out.
import type Database from 'better-sqlite3';

export type UserRole = 'viewer' | 'operator' | 'admin';

export interface UserRow {
  id: number;
  username: string;
  /** scrypt$N$r$p$salt$hash; never leaves the server. */
  passwordHash: string;
  role: UserRole;
  createdAt: number;
  updatedAt: number | null;
  disabledAt: number | null;
  passwordChangedAt: number | null;
}

export type PublicUser = Omit<UserRow, 'passwordHash'>;

export interface NewUser {
  username: string;
  passwordHash: string;
  role: UserRole;
}

export interface UserPatch {
  role?: UserRole;
  passwordHash?: string;
  /** A time disables the user; null enables it again. */
  disabledAt?: number | null;
}

export interface UsersRepo {
  /** @throws on a duplicate username or an unknown role. */
  insert(u: NewUser, now?: number): PublicUser;
  byName(username: string): UserRow | undefined;
  byId(id: number): UserRow | undefined;
  list(): PublicUser[];
  /** Returns false when no such user. A new password hash sets `password_changed_at`. */
  update(id: number, patch: UserPatch, now?: number): boolean;
  remove(id: number): boolean;
  count(): number;
  /** Enabled admins: the last one cannot be demoted, disabled or deleted. */
  countActiveAdmins(): number;
}

const PUBLIC = `id, username, role, created_at AS createdAt, updated_at AS updatedAt, disabled_at AS disabledAt,
  password_changed_at AS passwordChangedAt`;

export function createUsersRepo(sqlite: Database.Database): UsersRepo {
  const insert = sqlite.prepare<[string, string, string, number, number], PublicUser>(
    `INSERT INTO users (username, password_hash, role, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)
     RETURNING ${PUBLIC}`,
  );
  const byName = sqlite.prepare<[string], UserRow>(
    `SELECT ${PUBLIC}, password_hash AS passwordHash FROM users WHERE username = ?`,
  );
  const byId = sqlite.prepare<[number], UserRow>(
    `SELECT ${PUBLIC}, password_hash AS passwordHash FROM users WHERE id = ?`,
  );
  const list = sqlite.prepare<[], PublicUser>(`SELECT ${PUBLIC} FROM users ORDER BY username`);
  const update = sqlite.prepare(`UPDATE users SET
    role = coalesce(@role, role),
    password_hash = coalesce(@passwordHash, password_hash),
    password_changed_at = CASE WHEN @passwordHash IS NULL THEN password_changed_at ELSE @now END,
    disabled_at = CASE WHEN @setDisabled THEN @disabledAt ELSE disabled_at END,
    updated_at = @now
    WHERE id = @id`);
  const remove = sqlite.prepare('DELETE FROM users WHERE id = ?');
  const count = sqlite.prepare<[], { n: number }>('SELECT count(*) AS n FROM users');
  const admins = sqlite.prepare<[], { n: number }>(
    "SELECT count(*) AS n FROM users WHERE role = 'admin' AND disabled_at IS NULL",
  );

  return {
    insert: (u, now = Date.now()) => insert.get(u.username, u.passwordHash, u.role, now, now)!,
    byName: (username) => byName.get(username),
    byId: (id) => byId.get(id),
    list: () => list.all(),
    update(id, patch, now = Date.now()) {
      const params = {
        id,
        now,
        role: patch.role ?? null,
        passwordHash: patch.passwordHash ?? null,
        setDisabled: patch.disabledAt !== undefined ? 1 : 0,
        disabledAt: patch.disabledAt ?? null,
      };
      return update.run(params).changes > 0;
    },
    remove: (id) => remove.run(id).changes > 0,
    count: () => count.get()!.n,
    countActiveAdmins: () => admins.get()!.n,
  };
}
