// High-entropy secrets (API tokens, one-time login links, session ids): 32 random bytes, stored only as sha256.
// A slow hash adds nothing for secrets nobody can guess; a leaked database leaks nothing usable.
import { createHash, randomBytes } from 'node:crypto';

export const API_TOKEN_PREFIX = 'tbt_';

export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What lists show of a token: enough to recognise it, nothing to use. */
export function tokenPrefix(secret: string): string {
  return secret.slice(0, API_TOKEN_PREFIX.length + 8);
}

/** `Authorization: Bearer tbt_…` → the token; anything else (other schemes, cookies, query strings) → null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer ([A-Za-z0-9_-]{20,200})$/.exec(header ?? '');
  return match?.[1]?.startsWith(API_TOKEN_PREFIX) ? match[1] : null;
}
