// Sign-in, API tokens and one-time login links. No req/res: routes and the socket handshake call it with what
// they read, and it answers users, actors and audit rows. Failures look the same whatever went wrong.
import { minRole, roleAtLeast, type Role } from '@trainboard/shared/auth/roles';
import { HttpError } from '../routes/errors.js';
import type { Actor } from './actor.js';
import { DUMMY_HASH, verifyPassword } from './passwords.js';
import type { ApiTokenRow, AuthStore, PublicUser, UserRow } from './ports.js';
import { API_TOKEN_PREFIX, hashSecret, newSecret, tokenPrefix } from './tokens.js';

export interface RequestContext {
  requestId: string;
  ip?: string | undefined;
}

export interface AuthServiceDeps {
  store: AuthStore;
  now?: () => number;
  /** Called when a user's sessions and sockets must end (logout everywhere, role change, disable, revoke). */
  onAccessChanged?: (userId: number) => void;
}

export type AuthService = ReturnType<typeof createAuthService>;

type Audit = (e: Omit<Parameters<AuthStore['audit']['append']>[0], 'atMs'>) => number;

/** API tokens: create (secret returned once), list, revoke. */
function tokenFunctions(deps: AuthServiceDeps, audit: Audit) {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  return {
    /** A new token for `owner`; the secret is returned once and stored only as a hash. */
    createToken(
      owner: Pick<PublicUser, 'id' | 'username' | 'role'>,
      name: string,
      role: Role | undefined,
      actor: AuditActor,
    ): { secret: string; token: ApiTokenRow } {
      const granted = role ?? owner.role;
      if (!roleAtLeast(owner.role, granted))
        throw new HttpError(400, 'invalid_request', 'a token cannot have a higher role than its user');
      const secret = newSecret(API_TOKEN_PREFIX);
      const token = store.transaction(() => {
        const row = store.apiTokens.insert(
          {
            userId: owner.id,
            name,
            tokenHash: hashSecret(secret),
            prefix: tokenPrefix(secret),
            role: granted,
            expiresAt: null,
          },
          now(),
        );
        audit({
          ...actorFields(actor),
          action: 'token.create',
          targetKind: 'token',
          targetId: String(row.id),
          result: 'ok',
          details: { user: owner.username, name, role: granted },
        });
        return row;
      });
      return { secret, token };
    },

    /** Own tokens; an admin's view may include everyone's. */
    listTokens(actor: Actor, all: boolean): ApiTokenRow[] {
      return all && actor.role === 'admin' ? store.apiTokens.list() : store.apiTokens.list(actor.userId);
    },

    revokeToken(id: number, actor: AuditActor): void {
      const token = store.apiTokens.list().find((t) => t.id === id && t.revokedAt === null);
      if (!token || (token.userId !== actor.userId && actor.role !== 'admin'))
        throw new HttpError(404, 'not_found', 'no such token');
      store.transaction(() => {
        store.apiTokens.revoke(id, now());
        audit({
          ...actorFields(actor),
          action: 'token.revoke',
          targetKind: 'token',
          targetId: String(id),
          result: 'ok',
        });
      });
      deps.onAccessChanged?.(token.userId);
    },
  };
}

export function createAuthService(deps: AuthServiceDeps) {
  const { store } = deps;
  const now = deps.now ?? Date.now;
  const audit: Audit = (e) => store.audit.append({ atMs: now(), ...e });

  const userActor = (user: UserRow, requestId: string): Actor => ({
    kind: 'user',
    userId: user.id,
    name: user.username,
    role: user.role,
    requestId,
  });

  return {
    /** The user when name and password match an enabled account; null otherwise (audited, same answer for all). */
    async login(username: string, password: string, ctx: RequestContext): Promise<UserRow | null> {
      const user = store.users.byName(username);
      const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH));
      if (user && ok && user.disabledAt === null) {
        audit({
          actorKind: 'user',
          actorName: user.username,
          userId: user.id,
          requestId: ctx.requestId,
          action: 'auth.login',
          result: 'ok',
        });
        return user;
      }
      audit({
        actorKind: 'system',
        // The name only when it exists: a typo'd password pasted into the name field stays out of the audit.
        actorName: user ? user.username : 'unknown',
        userId: user?.id ?? null,
        requestId: ctx.requestId,
        action: 'auth.login_failed',
        result: 'refused',
        message: ctx.ip ? `from ${ctx.ip}` : null,
      });
      return null;
    },

    /** Signed out: the user's live sockets are dropped too (they reconnect with whatever credential is left). */
    signedOut(userId: number): void {
      deps.onAccessChanged?.(userId);
    },

    actorForSession(userId: number, requestId: string): Actor | null {
      const user = store.users.byId(userId);
      return user && user.disabledAt === null ? userActor(user, requestId) : null;
    },

    actorForToken(secret: string, requestId: string): Actor | null {
      const found = store.apiTokens.byHash(hashSecret(secret), now());
      if (!found || found.user.disabledAt !== null) return null;
      store.apiTokens.touchUsed(found.token.id, now());
      return {
        kind: 'token',
        userId: found.user.id,
        name: found.user.username,
        role: minRole(found.token.role, found.user.role),
        tokenId: found.token.id,
        requestId,
      };
    },

    ...tokenFunctions(deps, audit),

    /** A one-time sign-in URL secret (demo): single use, expires after ttlMs. */
    createLoginLink(userId: number, ttlMs: number): string {
      const secret = newSecret();
      store.loginLinks.insert(hashSecret(secret), userId, now() + ttlMs);
      return secret;
    },

    consumeLoginLink(secret: string, ctx: RequestContext): UserRow | null {
      const userId = store.loginLinks.consume(hashSecret(secret), now());
      const user = userId === undefined ? undefined : store.users.byId(userId);
      if (!user || user.disabledAt !== null) return null;
      audit({
        actorKind: 'user',
        actorName: user.username,
        userId: user.id,
        requestId: ctx.requestId,
        action: 'auth.login_link',
        result: 'ok',
      });
      return user;
    },
  };
}

/** Who did it, for audit rows: a request's actor, or the CLI's local user. */
export type AuditActor =
  Actor | { kind: 'local'; name: string; userId: null; role: Role; requestId?: undefined; tokenId?: undefined };

export function actorFields(actor: AuditActor) {
  return {
    actorKind: actor.kind,
    actorName: actor.kind === 'local' ? `local:${actor.name}` : actor.name,
    userId: actor.userId,
    tokenId: actor.tokenId ?? null,
    requestId: actor.requestId ?? null,
  };
}
