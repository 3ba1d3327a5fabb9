// Roles and the name patterns every boundary validates with (REST bodies, CLI arguments, socket payloads).
// viewer reads; operator acts on runs; admin manages clusters and users. Roles are ordered: a higher role can do
// everything a lower one can.
import { z } from 'zod';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** True when `actual` may do what `required` may. */
export function roleAtLeast(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}

/** The lower of two roles: a token's effective role is min(token role, its user's role at use time). */
export function minRole(a: Role, b: Role): Role {
  return RANK[a] <= RANK[b] ? a : b;
}

/** A user name: lower case, starts with a letter, 2–32 characters; never reaches a shell, but stays boring anyway. */
export const USERNAME = z
  .string()
  .regex(/^[a-z][a-z0-9._-]{1,31}$/, 'user names are 2-32 of a-z 0-9 . _ - starting with a letter');

/** A cluster name: lower case, starts with a letter, up to 32 characters. */
export const CLUSTER_NAME = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'cluster names are 1-32 of a-z 0-9 - starting with a letter');

/** An API token's label. */
export const TOKEN_NAME = z
  .string()
  .regex(/^[A-Za-z0-9._ -]{1,64}$/, 'token names are 1-64 of letters, digits, . _ - and spaces');

/** Passwords: long enough to matter, short enough that scrypt's input stays bounded. */
export const PASSWORD = z.string().min(10, 'passwords have at least 10 characters').max(256);

/** The signed-in user as /api/auth/me answers it. */
export interface SessionUserDto {
  id: number;
  username: string;
  role: Role;
}

export interface MeResponse {
  user: SessionUserDto | null;
  /** Send it as the `x-csrf-token` header on every POST/PATCH/DELETE made with the session cookie. */
  csrfToken: string | null;
}
