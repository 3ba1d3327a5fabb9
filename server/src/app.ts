// The Express 5 app: REST routes and JSON errors. No listening, no timers: main.ts owns the side effects, and
// tests call createApp with an in-memory database.
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { OpenDatabase } from './db/client.js';
import { createRepositories, type Repositories } from './db/repositories.js';
import type { RemoteFiles } from './follow/remoteFiles.js';
import type { NodesService } from './nodes/nodes.service.js';
import { errorHandler, notFound } from './routes/errors.js';
import { logLinesRouter } from './routes/logLines.router.js';
import { logSearchRouter } from './routes/logSearch.router.js';
import { nodesRouter } from './routes/nodes.router.js';
import { runDetailsRouter } from './routes/runDetails.router.js';
import { runsRouter } from './routes/runs.router.js';
import { webRouter } from './routes/web.router.js';

export interface AppDeps {
  conn: OpenDatabase;
  /** The repositories over conn, when the caller built them already (the stack shares them with socket.io). */
  repos?: Repositories;
  logger: Logger;
  /** The built dashboard (web/dist) to serve with an SPA fallback; omitted in tests and API-only setups. */
  webDir?: string;
  /** Where the followed logs are read for the log viewer: SFTP on a cluster; this machine's files by default. */
  files?: RemoteFiles;
  /** The run's nodes, from a scheduler poller (its timer is started by whoever owns the scheduler connection). */
  nodes?: NodesService;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '100kb' }));
  app.get('/api/health', (_req, res) => void res.json({ ok: true }));
  const repos = deps.repos ?? createRepositories(deps.conn.sqlite);
  app.use(runsRouter(repos));
  app.use(runDetailsRouter(repos));
  app.use(logLinesRouter(repos, deps.files));
  app.use(logSearchRouter(repos, deps.files));
  app.use(nodesRouter(repos.runs, deps.nodes ?? null));
  if (deps.webDir) app.use(webRouter(deps.webDir));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
