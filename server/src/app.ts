// The Express 5 app: the edge (request id, Host allow-list, helmet, limits, session, authentication, Origin and
// CSRF checks), then every route from one table (routeTable.ts) behind its role guard, then JSON errors. No
// listening, no timers: stack.ts/main.ts own the side effects, and tests call createApp with an in-memory database.
import { randomBytes } from 'node:crypto';
import express, { Router, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { createAlertsConfigService } from './alerts/alertsConfig.service.js';
import { createRecoveryPolicyService } from './control/recoveryPolicy.service.js';
import { createAuthService, type AuthService } from './auth/auth.service.js';
import type { AuthStore } from './auth/ports.js';
import { SqliteSessionStore } from './auth/sessionStore.js';
import { createUsersService, type UsersService } from './auth/users.service.js';
import type { OpenDatabase } from './db/client.js';
import { createRepositories, type Repositories } from './db/repositories.js';
import { localFiles } from './follow/localFiles.js';
import type { RemoteFiles } from './follow/remoteFiles.js';
import type { FilesForRun } from './follow/runFiles.js';
import { authenticate, cookieAuthenticated, routeGuards, sessionMiddleware } from './http/authenticate.js';
import { mountRoutes, recordRoutes, route, type RouteDef } from './http/routeTable.js';
import {
  apiLimiter,
  DEFAULT_EDGE,
  hostAllowList,
  hostPolicy,
  originCheck,
  requestId,
  securityHeaders,
  type EdgeOptions,
  type HostPolicy,
} from './http/security.js';
import type { NodesService } from './nodes/nodes.service.js';
import type { PublicSnapshots } from './public/ports.js';
import { createPublicationService } from './public/publication.service.js';
import { alertsRouter } from './routes/alerts.router.js';
import { recoveryPolicyRouter } from './routes/recoveryPolicy.router.js';
import { auditRouter } from './routes/audit.router.js';
import { authRouter } from './routes/auth.router.js';
import { clustersRouter, type ClustersApi } from './routes/clusters.router.js';
import { errorHandler, notFound } from './routes/errors.js';
import { incidentsRouter } from './routes/incidents.router.js';
import { logLinesRouter } from './routes/logLines.router.js';
import { logSearchRouter } from './routes/logSearch.router.js';
import { nodesRouter } from './routes/nodes.router.js';
import { isPublicPath, publicRouter } from './routes/public.router.js';
import { publicationRouter } from './routes/publication.router.js';
import { runDetailsRouter } from './routes/runDetails.router.js';
import { runsRouter } from './routes/runs.router.js';
import { seriesRouter } from './routes/series.router.js';
import { createSeriesCache } from './series/seriesCache.js';
import type { SeriesSource } from './series/seriesSource.js';
import { tokensRouter } from './routes/tokens.router.js';
import { usersRouter } from './routes/users.router.js';
import { webRouter } from './routes/web.router.js';

/** Auth state shared by REST and socket.io (one session middleware, one way to authenticate). */
export interface AuthContext {
  store: AuthStore;
  auth: AuthService;
  users: UsersService;
  session: RequestHandler;
  policy: HostPolicy;
  edge: EdgeOptions;
}

export function createAuthContext(
  store: AuthStore,
  edge: Partial<EdgeOptions> = {},
  onAccessChanged?: (userId: number) => void,
): AuthContext {
  const options = { ...DEFAULT_EDGE, ...edge };
  const hooks = onAccessChanged ? { onAccessChanged } : {};
  const secret = store.settings.getOrCreate('session_secret', () => randomBytes(32).toString('base64url'));
  return {
    store,
    auth: createAuthService({ store, ...hooks }),
    users: createUsersService({ store, ...hooks }),
    session: sessionMiddleware({
      store: new SqliteSessionStore(store.sessions),
      secret,
      trustProxy: options.trustProxy,
    }),
    policy: hostPolicy(options),
    edge: options,
  };
}

export interface AppDeps {
  conn: OpenDatabase;
  /** The repositories over conn, when the caller built them already (the stack shares them with socket.io). */
  repos?: Repositories;
  logger: Logger;
  /** Users, sessions, tokens and audit (createAuthContext); the stack shares it with socket.io. */
  authContext: AuthContext;
  /** The built dashboard (web/dist) to serve with an SPA fallback; omitted in tests and API-only setups. */
  webDir?: string;
  /** Where the followed logs are read for the log viewer when `filesForRun` is not given; this machine's by default. */
  files?: RemoteFiles;
  /** Where each run's logs are read for the log viewer: its cluster's files (the stack builds it from the registry). */
  filesForRun?: FilesForRun;
  /** The run's nodes, from a scheduler poller (its timer is started by whoever owns the scheduler connection). */
  nodes?: NodesService;
  /** Cluster management (WP-B's ClustersService); without it /api/clusters answers 503. */
  clusters?: ClustersApi;
  /** Where /series reads runs' series: the per-run cache (the stack's, so it can warm it), a fresh one by default. */
  series?: SeriesSource;
  /** The published runs' public snapshots (/p/:slug); without it no public page is served. */
  publicSnapshots?: PublicSnapshots;
  /** More routes declared with route() (run control): guarded and checked like every other. */
  routes?: readonly RouteDef[];
  /** Whether alert e-mail can be sent (TRAINBOARD_SMTP_URL set); shown to operators with a run's alert routing. */
  alertEmailAvailable?: boolean;
}

/** Where the log routes read a run's log: the caller's per-run resolver, else one set of files for every run. */
function logFilesOf(deps: AppDeps): FilesForRun {
  if (deps.filesForRun) return deps.filesForRun;
  const files = deps.files ?? localFiles();
  return () => files;
}

function publicOptions(deps: AppDeps) {
  const limitPerMinute = deps.authContext.edge.publicLimitPerMinute;
  return deps.webDir ? { webDir: deps.webDir, limitPerMinute } : { limitPerMinute };
}

/** The session, except on the public page's paths: they set no cookie (a CDN may cache them) and read none. */
function sessionOutsidePublic(sessionMiddleware: RequestHandler): RequestHandler {
  return function session(req, res, next) {
    return isPublicPath(req.path) ? next() : sessionMiddleware(req, res, next);
  };
}

/** The whole route table of an app built with these deps. */
export function appRoutes(deps: AppDeps, repos: Repositories): RouteDef[] {
  const { auth, users, store } = deps.authContext;
  return [
    route('get', '/api/health', 'anonymous', (_req, res) => void res.json({ ok: true })),
    ...authRouter(auth),
    ...usersRouter(users),
    ...tokensRouter(auth, store.users),
    ...clustersRouter(deps.clusters ?? null),
    ...auditRouter(store.audit),
    ...runsRouter(repos),
    ...seriesRouter(repos.runs, deps.series ?? createSeriesCache(repos.series)),
    ...runDetailsRouter(repos),
    ...incidentsRouter(repos),
    ...publicationRouter(createPublicationService({ repos, snapshots: deps.publicSnapshots ?? null })),
    ...alertsRouter(createAlertsConfigService({ repos, emailAvailable: deps.alertEmailAvailable ?? false })),
    ...recoveryPolicyRouter(createRecoveryPolicyService({ repos })),
    ...logLinesRouter(repos, logFilesOf(deps), undefined, store.audit),
    ...logSearchRouter(repos, logFilesOf(deps)),
    ...nodesRouter(repos.runs, deps.nodes ?? null),
    ...(deps.routes ?? []),
    ...(deps.publicSnapshots ? publicRouter(deps.publicSnapshots, publicOptions(deps)) : []),
    ...(deps.webDir ? webRouter(deps.webDir) : []),
  ];
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  const ctx = deps.authContext;
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.edge.trustProxy ? 1 : false);
  app.use(requestId);
  app.use(hostAllowList(ctx.policy));
  app.use(securityHeaders(ctx.edge));
  app.use(express.json({ limit: '100kb' }));
  app.use('/api', apiLimiter(ctx.edge));
  app.use(sessionOutsidePublic(ctx.session));
  app.use(authenticate(ctx.auth));
  app.use(originCheck(ctx.policy, cookieAuthenticated));
  const routes = appRoutes(deps, deps.repos ?? createRepositories(deps.conn.sqlite));
  const router = Router();
  mountRoutes(router, routes, routeGuards(ctx.edge));
  recordRoutes(app, routes);
  app.use(router);
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
