// Who is asking: a Bearer API token first (CLI, scripts), else the session cookie. Sets req.actor (null when
// anonymous); requireRole and the CSRF check are the per-route guards mounted in front of every handler.
import type { Request, RequestHandler } from 'express';
import session from 'express-session';
import { csrfSync } from 'csrf-sync';
import { roleAtLeast } from '@trainboard/shared/auth/roles';
import type { AuthService } from '../auth/auth.service.js';
import type { SqliteSessionStore } from '../auth/sessionStore.js';
import { bearerToken } from '../auth/tokens.js';
import { HttpError } from '../routes/errors.js';
import type { MinRole, RouteDef, RouteGuards } from './routeTable.js';
import { loginLimiters, type EdgeOptions } from './security.js';

export const SESSION_COOKIE = 'tb.sid';
export const SESSION_IDLE_MS = 12 * 3600_000;
export const SESSION_ABSOLUTE_MS = 7 * 86_400_000;

export function sessionMiddleware(o: {
  store: SqliteSessionStore;
  secret: string;
  trustProxy: boolean;
}): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    store: o.store,
    secret: o.secret,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    proxy: o.trustProxy,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      // Secure whenever the request came over TLS (through a trusted proxy): plain-http loopback still works.
      secure: o.trustProxy ? 'auto' : false,
      maxAge: SESSION_IDLE_MS,
      path: '/',
    },
  });
}

/** True when the request is authenticated by the session cookie (the ambient credential CSRF is about). */
export const cookieAuthenticated = (req: Request) => req.actor?.kind === 'user';

export function authenticate(auth: AuthService, now: () => number = Date.now): RequestHandler {
  return function authenticate(req, _res, next) {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const secret = bearerToken(header);
      req.actor = secret ? auth.actorForToken(secret, req.requestId) : null;
      // A wrong token is an error, not a silent fall-back to the cookie.
      return next(req.actor ? undefined : new HttpError(401, 'unauthorized', 'invalid or revoked token'));
    }
    const s = req.session as (typeof req.session & { userId?: number; signedInAt?: number }) | undefined;
    if (s?.userId !== undefined) {
      const expired = s.signedInAt !== undefined && now() - s.signedInAt > SESSION_ABSOLUTE_MS;
      req.actor = expired ? null : auth.actorForSession(s.userId, req.requestId);
    }
    next();
  };
}

export const { generateToken: csrfToken, isRequestValid: csrfValid } = csrfSync({
  getTokenFromRequest: (req) => {
    const header = req.headers['x-csrf-token'];
    return typeof header === 'string' ? header : undefined;
  },
});

export function requireRole(minRole: MinRole, anonymousRead = false): RequestHandler {
  // anonymousRead: this route serves anonymous clients when the server allows read-only anonymous access.
  return (req, _res, next) => {
    if (minRole === 'anonymous') return next();
    const actor = req.actor;
    if (!actor) {
      if (anonymousRead && req.method === 'GET') return next();
      return next(new HttpError(401, 'unauthorized', 'sign in first'));
    }
    next(
      roleAtLeast(actor.role, minRole) ? undefined : new HttpError(403, 'forbidden', 'your role does not allow this'),
    );
  };
}

/** Unsafe methods with the session cookie need the session's CSRF token in x-csrf-token. */
export const requireCsrf: RequestHandler = (req, _res, next) =>
  next(
    !cookieAuthenticated(req) || csrfValid(req) ? undefined : new HttpError(403, 'csrf', 'missing or stale CSRF token'),
  );

/** The guards of one route: login limiter, role, CSRF. */
export function routeGuards(edge: Pick<EdgeOptions, 'loginLimit' | 'anonymousRead'>): RouteGuards {
  const login = loginLimiters(edge);
  return (def: RouteDef) => [
    ...(def.opts.rateLimit === 'login' ? login : []),
    requireRole(def.minRole, edge.anonymousRead && def.opts.anonymousRead === true),
    ...(def.method !== 'get' && def.opts.csrf !== false ? [requireCsrf] : []),
  ];
}
