// The edge, in the order createApp mounts it: request id → Host allow-list → helmet (strict CSP) → API rate limit;
// after authentication: Origin check and CSRF on unsafe methods. Each piece is a maintained middleware or a few
// lines around one; the policies (which hosts, which origins) come from EdgeOptions.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { HttpError } from '../routes/errors.js';

export interface EdgeOptions {
  /**
   * Extra `host[:port]` values the Host header may carry (a reverse proxy's public name). Loopback names
   * (127.0.0.1, localhost, [::1]) on any port are always allowed: a DNS-rebinding page can never send them.
   */
  allowedHosts: readonly string[];
  /** Extra origins (scheme://host[:port]) allowed on unsafe requests and socket.io; the allowed hosts' are implied. */
  allowedOrigins: readonly string[];
  /** Behind a TLS-terminating proxy: trust X-Forwarded-*, Secure cookies, HSTS. */
  trustProxy: boolean;
  /** Read-only anonymous access (TRAINBOARD_ANONYMOUS_READ); off by default. */
  anonymousRead: boolean;
  apiLimitPerMinute: number;
  /** Requests per minute per address to the public page (/p, /p-assets). */
  publicLimitPerMinute: number;
  loginLimit: { perIp: number; perUser: number; windowMs: number };
}

export const DEFAULT_EDGE: EdgeOptions = {
  allowedHosts: [],
  allowedOrigins: [],
  trustProxy: false,
  anonymousRead: false,
  apiLimitPerMinute: 600,
  publicLimitPerMinute: 300,
  loginLimit: { perIp: 10, perUser: 5, windowMs: 15 * 60_000 },
};

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/;

/** Host / Origin policy shared by REST and socket.io. */
export function hostPolicy(o: Pick<EdgeOptions, 'allowedHosts' | 'allowedOrigins'>) {
  const hosts = new Set(o.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set(o.allowedOrigins.map((h) => h.toLowerCase()));
  const hostAllowed = (host: string | undefined) =>
    !!host && (LOOPBACK_HOST.test(host.toLowerCase()) || hosts.has(host.toLowerCase()));
  return {
    hostAllowed,
    originAllowed(origin: string | undefined): boolean {
      if (!origin) return false;
      const o = origin.toLowerCase();
      if (origins.has(o)) return true;
      const match = /^https?:\/\/([^/]+)$/.exec(o);
      return !!match && hostAllowed(match[1]);
    },
  };
}
export type HostPolicy = ReturnType<typeof hostPolicy>;

/** A fresh id per request (never taken from the client), in req.requestId and the X-Request-Id header. */
export const requestId: RequestHandler = function requestId(req, res, next) {
  req.requestId = randomUUID();
  req.actor = null;
  res.setHeader('x-request-id', req.requestId);
  next();
};

/** 421 for a Host outside the allow-list: a rebinding page's requests carry the attacker's name. */
export function hostAllowList(policy: HostPolicy): RequestHandler {
  return function hostAllowList(req, _res, next) {
    next(policy.hostAllowed(req.headers.host) ? undefined : new HttpError(421, 'misdirected', 'unknown host name'));
  };
}

export function securityHeaders(o: Pick<EdgeOptions, 'trustProxy'>): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'"],
        scriptSrc: ["'self'"],
        fontSrc: ["'self'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    // HSTS only means something over TLS; on plain-http loopback it would only confuse.
    strictTransportSecurity: o.trustProxy ? { maxAge: 180 * 86_400 } : false,
    referrerPolicy: { policy: 'no-referrer' },
  });
}

const limited =
  (message: string): RequestHandler =>
  (_req, _res, next) =>
    next(new HttpError(429, 'rate_limited', message));

/** Every /api request, per client address. */
export function apiLimiter(o: Pick<EdgeOptions, 'apiLimitPerMinute'>): RequestHandler {
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: o.apiLimitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: limited('too many requests: slow down'),
  });
  // Named: the authorization test recognises edge middleware by name in the router stack.
  return function apiLimiter(req, res, next) {
    void limiter(req, res, next);
  };
}

/** Login attempts: per address and per user name, so neither spraying nor one account's guessing gets far. */
export function loginLimiters(o: Pick<EdgeOptions, 'loginLimit'>): RequestHandler[] {
  const { perIp, perUser, windowMs } = o.loginLimit;
  const message = 'too many sign-in attempts: wait, then try again';
  const userKey = (req: Request) => {
    const name = (req.body as { username?: unknown } | undefined)?.username;
    return `user:${typeof name === 'string' ? name.toLowerCase().slice(0, 64) : ''}`;
  };
  return [
    rateLimit({ windowMs, limit: perIp, standardHeaders: 'draft-8', legacyHeaders: false, handler: limited(message) }),
    rateLimit({
      windowMs,
      limit: perUser,
      standardHeaders: false,
      legacyHeaders: false,
      keyGenerator: userKey,
      handler: limited(message),
    }),
  ];
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isUnsafe = (req: Request) => !SAFE_METHODS.has(req.method);

/**
 * Unsafe requests: an Origin header, when present, must be allowed; a cookie-authenticated one must carry an
 * allowed Origin (browsers always send it on POST). Bearer-token clients (CLI, scripts) send none.
 */
export function originCheck(policy: HostPolicy, cookieAuthenticated: (req: Request) => boolean): RequestHandler {
  return function originCheck(req, _res, next) {
    if (!isUnsafe(req)) return next();
    const origin = req.headers.origin;
    const ok = origin === undefined ? !cookieAuthenticated(req) : policy.originAllowed(origin);
    next(ok ? undefined : new HttpError(403, 'bad_origin', 'request refused: cross-site'));
  };
}
