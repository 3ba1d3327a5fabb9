// What auth reads and writes: WP-A's repositories (PLAN §3.1), narrowed to the auth tables. `transaction` runs a
// mutation and its audit row atomically.
import type { Repositories } from '../db/repositories.js';

export type AuthStore = Pick<
  Repositories,
  'users' | 'sessions' | 'apiTokens' | 'loginLinks' | 'audit' | 'settings' | 'transaction'
>;
export type SessionsPort = Repositories['sessions'];
export type UsersPort = Repositories['users'];
export type AuditPort = Repositories['audit'];
export type { PublicUser, UserRow } from '../db/users.repo.js';
export type { ApiTokenRow } from '../db/apiTokens.repo.js';
export type { AuditRow, NewAuditEntry } from '../db/audit.repo.js';
