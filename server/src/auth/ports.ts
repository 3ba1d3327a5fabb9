// What auth needs from the database, per PLAN §3.1 (WP-A's users/sessions/apiTokens/loginLinks/audit repositories).
// Auth codes against these shapes only; db/ implements them, tests may pass the in-memory fakes of testing/.
import type { Role } from '@trainboard/shared/auth/roles';

export interface UserRow {
  id: number;
  username: string;
  passwordHash: string;
  role: Role;
  disabledAt: number | null;
}

export interface UsersPort {
  insert(u: { username: string; passwordHash: string; role: Role }): UserRow;
  byName(username: string): UserRow | undefined;
  byId(id: number): UserRow | undefined;
  list(): UserRow[];
  update(id: number, patch: Partial<Pick<UserRow, 'passwordHash' | 'role' | 'disabledAt'>>): void;
  remove(id: number): void;
  count(): number;
}

export interface SessionRecord {
  userId: number | null;
  data: string;
  expiresAt: number;
}

export interface SessionsPort {
  get(sidHash: string, now: number): SessionRecord | undefined;
  set(
    sidHash: string,
    userId: number | null,
    data: string,
    expiresAt: number,
    meta: { ip?: string | null; userAgent?: string | null; now: number },
  ): void;
  touch(sidHash: string, expiresAt: number): void;
  destroy(sidHash: string): void;
  destroyOfUser(userId: number): void;
  purgeExpired(now: number): number;
}

export interface ApiTokenRow {
  id: number;
  userId: number;
  name: string;
  prefix: string;
  role: Role;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  revokedAt: number | null;
}

export interface ApiTokensPort {
  insert(t: {
    userId: number;
    name: string;
    tokenHash: string;
    prefix: string;
    role: Role;
    createdAt: number;
    expiresAt: number | null;
  }): ApiTokenRow;
  /** A live token (not revoked, not expired) and its user. */
  byHash(tokenHash: string, now: number): { token: ApiTokenRow; user: UserRow } | undefined;
  list(userId?: number): ApiTokenRow[];
  revoke(id: number, now: number): void;
  touchUsed(id: number, now: number): void;
}

export interface LoginLinksPort {
  insert(tokenHash: string, userId: number, expiresAt: number): void;
  /** Single use: the user id the first time, undefined after (or when expired). */
  consume(tokenHash: string, now: number): number | undefined;
}

export type AuditResult = 'requested' | 'ok' | 'failed' | 'refused';

export interface NewAuditEntry {
  atMs: number;
  actorKind: 'user' | 'token' | 'system' | 'local';
  actorName: string;
  userId?: number | null;
  tokenId?: number | null;
  requestId?: string | null;
  action: string;
  targetKind?: string | null;
  targetId?: string | null;
  runId?: number | null;
  clusterId?: number | null;
  command?: string | null;
  result: AuditResult;
  errorCode?: string | null;
  message?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditRow extends NewAuditEntry {
  id: number;
}

export interface AuditQuery {
  runId?: number;
  actor?: string;
  before?: number;
  limit?: number;
}

export interface AuditPort {
  append(e: NewAuditEntry): number;
  list(q: AuditQuery): AuditRow[];
}

export interface SettingsPort {
  getOrCreate(key: string, make: () => string): string;
}

/** Everything auth reads and writes; `transaction` runs a mutation and its audit row atomically. */
export interface AuthStore {
  users: UsersPort;
  sessions: SessionsPort;
  apiTokens: ApiTokensPort;
  loginLinks: LoginLinksPort;
  audit: AuditPort;
  settings: SettingsPort;
  transaction<T>(fn: () => T): T;
}
