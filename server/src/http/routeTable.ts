// Every HTTP route is declared through route(): method, path, the least role allowed and its options. createApp
// mounts the table with the role guard in front of each handler and keeps it on the app (registeredRoutes), so
// the authorization matrix test reads the very table the app serves, and fails on any Express layer not in it.
import type { Express, RequestHandler, Router } from 'express';
import type { Role } from '@trainboard/shared/auth/roles';
import '../auth/actor.js';

export type RouteMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** 'anonymous' = public (health, auth, the web app); anything else needs a session or token with at least that role. */
export type MinRole = Role | 'anonymous';

export interface RouteOptions {
  /** Unsafe methods with cookie auth need the x-csrf-token header (default true); login opts out (no session yet). */
  csrf?: boolean;
  /** Extra limiter in front of the handler: 'login' = per IP and per user name. */
  rateLimit?: 'login';
  /** Served to anonymous clients too when TRAINBOARD_ANONYMOUS_READ is on (run data for the dashboard). */
  anonymousRead?: boolean;
  /** For the docs and the matrix test's output. */
  summary?: string;
}

export interface RouteDef {
  method: RouteMethod;
  path: string | RegExp;
  minRole: MinRole;
  handler: RequestHandler;
  opts: RouteOptions;
}

export function route(
  method: RouteMethod,
  path: string | RegExp,
  minRole: MinRole,
  handler: RequestHandler,
  opts: RouteOptions = {},
): RouteDef {
  return { method, path, minRole, handler, opts };
}

/** Whether a route needs a CSRF token when called with the session cookie. */
export function needsCsrf(def: RouteDef): boolean {
  return def.method !== 'get' && def.opts.csrf !== false;
}

export type RouteGuards = (def: RouteDef) => RequestHandler[];

/** Mounts the table on a router, each route behind the guards built for it (role check, limiter, CSRF). */
export function mountRoutes(router: Router, defs: readonly RouteDef[], guards: RouteGuards): void {
  for (const def of defs) router[def.method](def.path, ...guards(def), def.handler);
}

const ROUTES_KEY = 'trainboard.routes';

/** The ROUTES registry of one app: what createApp mounted. */
export function registeredRoutes(app: Express): readonly RouteDef[] {
  return (app.locals[ROUTES_KEY] as RouteDef[] | undefined) ?? [];
}

export function recordRoutes(app: Express, defs: readonly RouteDef[]): void {
  app.locals[ROUTES_KEY] = [...registeredRoutes(app), ...defs];
}

/** Collects read-only GET routes for one role, for routers written in Express's `router.get(path, handler)` style. */
export function viewerRoutes(minRole: MinRole = 'viewer') {
  const routes: RouteDef[] = [];
  return {
    routes,
    get(path: string, handler: RequestHandler): void {
      routes.push(route('get', path, minRole, handler, { anonymousRead: minRole === 'viewer' }));
    },
  };
}
