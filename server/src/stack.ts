// The one composition root of the server: one SQLite file, HTTP + socket.io (optionally serving the built
// dashboard), the followers reading each run's log files through its own cluster (SFTP on the cluster's one
// connection, local files for the local executor; the caller's RemoteFiles for runs of no cluster), the control
// plane, and the nodes poller over the caller's ClusterBackend. main.ts (the server
// process), localStack.ts (the embedded default) and the demo all start the server through startServerStack.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { ClusterBackend } from './adapters/clusterBackend.js';
import { createSeriesCache, DEFAULT_SERIES_CACHE_BYTES } from './series/seriesCache.js';
import { freshSeries } from './series/seriesSource.js';
import { warmNewestRuns } from './series/warmUp.js';
import { createApp, createAuthContext, type AuthContext } from './app.js';
import { openDatabase, type OpenDatabase } from './db/client.js';
import { createRepositories, type Repositories } from './db/repositories.js';
import { startFollowManager, type FollowManager } from './follow/followManager.js';
import type { FollowTiming } from './follow/follower.js';
import type { RemoteFiles } from './follow/remoteFiles.js';
import { filesForRuns, type FilesForRun } from './follow/runFiles.js';
import { podLogApisForRuns, type PodLogApiForRun } from './follow/podLogApis.js';
import type { GpuProbe } from './nodes/gpuProbe.js';
import { createNodesService, type NodesService } from './nodes/nodes.service.js';
import { createPublisher } from './realtime/publisher.js';
import type { RouteDef } from './http/routeTable.js';
import type { EdgeOptions } from './http/security.js';
import type { ClustersApi } from './routes/clusters.router.js';
import { disconnectUser, socketAuthOf } from './realtime/socketAuth.js';
import { runRoom } from '@trainboard/shared/realtime';
import { attachRealtime, roomEmitters, type RealtimeServer } from './realtime/socketServer.js';
import { attachPublicNamespace, type PublicRealtimeLimits } from './realtime/publicNamespace.js';
import type { PublicSnapshots } from './public/ports.js';
import { ClustersService } from './clusters/clusters.service.js';
import { createServerControl, type ServerControl } from './control/controlPlane.js';
import { createRecoveryStore } from './control/recoveryStore.js';
import { createPublicSnapshots, type PublicSnapshotsService } from './public/publicSnapshots.js';
import { PARTITION_SHARE_MS, createClusterFactsSource } from './incidents/clusterFacts.js';
import { connectGpuFacts } from './incidents/gpuFacts.js';
import { createClusterNodes } from './nodes/clusterNodes.js';
import { createIncidentsService, type IncidentsService } from './incidents/incidents.service.js';
import { createRecoveryPolicy } from './incidents/recoveryPolicy.js';
import { stackDumperOf } from './incidents/stackDumper.js';
import { createAlertsService, type AlertsService } from './alerts/alerts.service.js';
import { createEmailSender } from './alerts/email.js';

/** Caps on what one client can hold: header bytes, time to send a request, idle keep-alive and connections. */
export const CONNECTION_CAPS = {
  maxHeaderSize: 16 * 1024,
  requestTimeout: 30_000,
  headersTimeout: 10_000,
  keepAliveTimeout: 5_000,
  /** An idle socket (no bytes either way) is closed after this long. */
  idleTimeoutMs: 120_000,
  maxConnections: 512,
};

export interface ServerStackOptions {
  dbPath: string;
  /**
   * Where the logs of runs that belong to no cluster are read (followers, log viewer); a run of a cluster is read
   * through that cluster's connection. Without it such runs are not followed and their /log answers 404.
   */
  files?: RemoteFiles;
  /** Longest wait for one remote file operation on a cluster before its connection is presumed dead. */
  followOpTimeoutMs?: number;
  webDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
  /** How often an idle follower asks for the file's size. */
  pollMs?: number;
  /** How often a follower checks that its file is still the same file. */
  identityCheckMs?: number;
  /** How often the manager looks for newly followed files. */
  scanMs?: number;
  /** How often a pod log follower looks again at a pod with nothing to read yet (default 2 s; tests shorten it). */
  podLogPollMs?: number;
  /** The scheduler the nodes view polls on its own timer; without one, /api/runs/:id/nodes answers 503. */
  scheduler?: { backend: ClusterBackend; gpuProbe: GpuProbe | null; pollMs?: number };
  /** Host/Origin allow-lists, proxy trust, anonymous read, limits (security.ts); defaults are loopback-only. */
  edge?: Partial<EdgeOptions>;
  /** Bytes of the per-run series cache (TRAINBOARD_SERIES_CACHE_MB; server/src/series); 0 = read per request. */
  seriesCacheBytes?: number;
  /** Most simultaneous TCP connections (TRAINBOARD_MAX_CONNECTIONS). */
  maxConnections?: number;
  /** Cluster management for /api/clusters (WP-B's ClustersService). */
  clusters?: ClustersApi;
  /** Extra routes declared with route() (run control). */
  routes?: readonly RouteDef[];
  /** The control plane (runs as durable state machines, the reconcile loop); on unless false. */
  control?: false | { tickMs?: number; graceMs?: number; leaseTtlMs?: number; localWorkDir?: string };
  /** Limits of the anonymous /public socket namespace (per-address sockets, subscribe rate); benches raise them. */
  publicRealtime?: Partial<PublicRealtimeLimits>;
  /** How often the live detectors look for hangs and silence (ms; default 15 s). */
  incidentTickMs?: number;
  /** pending_idle's confirm time (ms; default 2 min): scenario tests shorten it. */
  pendingIdleConfirmMs?: number;
  /** How often each run's checkpoint filesystem is read (ms; default DISK_EVERY_MS, 5 min): scenario tests shorten it. */
  diskEveryMs?: number;
  /** Alerts on incidents (per-run routing set by operators): the SMTP server for e-mail and the dashboard's address. */
  alerts?: AlertsOptions;
}

export interface AlertsOptions {
  /** smtp(s)://user:password@host:port (TRAINBOARD_SMTP_URL); with `from`, e-mail channels can send. A secret. */
  smtpUrl?: string;
  /** The From: of alert e-mail (TRAINBOARD_ALERT_FROM). */
  from?: string;
  /** The dashboard as people reach it (TRAINBOARD_PUBLIC_BASE_URL), for the run page link in alerts. */
  publicBaseUrl?: string;
}

export interface ServerStack {
  url: string;
  conn: OpenDatabase;
  http: Server;
  io: RealtimeServer;
  /** The Express app (its route table: registeredRoutes(app)). */
  app: Express;
  /** Users, tokens, sessions, audit: tests and the demo sign people in through it. */
  authContext: AuthContext;
  /** Null without `files`. */
  manager: FollowManager;
  /** Null with `control: false`. */
  control: ServerControl | null;
  /** The published runs' public snapshots (/p/:slug), rebuilt on ingest, on publish and every 15 s. */
  publicSnapshots: PublicSnapshotsService;
  /** Live incident detection on the followed runs (issue 15); `onChange` feeds alerts and the recovery policy. */
  incidents: IncidentsService;
  /** Alerts on the incidents' changes, to the channels each run routes them to. */
  alerts: AlertsService;
  /** Stops the followers and the server, then closes the database. */
  stop(): Promise<void>;
}

function cappedServer(app: Express, maxConnections?: number): Server {
  const { idleTimeoutMs, maxConnections: defaultMax, ...httpCaps } = CONNECTION_CAPS;
  const http = createServer(httpCaps, app);
  http.maxConnections = maxConnections ?? defaultMax;
  http.setTimeout(idleTimeoutMs);
  return http;
}

/**
 * /api/clusters over WP-B's ClustersService. The controller's registry forgets a changed or removed cluster's
 * connection, so the next tick reconnects with the new settings.
 */
function clustersService(repos: Repositories, control: ServerControl | null): ClustersApi {
  return new ClustersService({ repos, registry: control?.registry ?? { invalidate: async () => undefined } });
}

/** Each run's files: its cluster's (from the control plane's registry), else the caller's default files. */
function runFilesOf(o: ServerStackOptions, repos: Repositories, control: ServerControl | null): FilesForRun {
  const fallback = o.files ?? null;
  if (!control) return () => fallback;
  return filesForRuns({
    clusterOfRun: (runId) => repos.runControl.get(runId)?.clusterId ?? null,
    handle: (clusterId) => control.registry.get(clusterId),
    fallback,
    ...(o.followOpTimeoutMs ? { opTimeoutMs: o.followOpTimeoutMs } : {}),
  });
}

/** Each run's pod log API (a Kubernetes run's leader pod logs), through its cluster's kubeconfig; null otherwise. */
function podLogApisOf(repos: Repositories, control: ServerControl | null): PodLogApiForRun {
  if (!control) return () => null;
  return podLogApisForRuns({
    clusterOfRun: (runId) => repos.runControl.get(runId)?.clusterId ?? null,
    handle: (clusterId) => control.registry.get(clusterId),
  });
}

function startFollowers(
  o: ServerStackOptions,
  conn: OpenDatabase,
  readers: { filesForRun: FilesForRun; podLogApiForRun: PodLogApiForRun },
  publisher: ReturnType<typeof createPublisher>,
  onStatus: ReturnType<typeof roomEmitters>['status'],
  publicSnapshots: PublicSnapshotsService,
  incidents: IncidentsService,
): FollowManager {
  const timing: Partial<FollowTiming> = {
    pollMs: o.pollMs ?? 100,
    ...(o.identityCheckMs ? { identityCheckMs: o.identityCheckMs } : {}),
  };
  return startFollowManager({
    conn,
    logger: o.logger,
    ...readers,
    ...(o.podLogPollMs ? { podLogTiming: { pollMs: o.podLogPollMs } } : {}),
    scanMs: o.scanMs ?? 500,
    timing,
    beforeStart: (runId) => {
      publisher.ensure(runId);
      incidents.follow(runId);
    },
    onCommitted: (runId) => {
      publisher.publish(runId);
      publicSnapshots.committed(runId);
      incidents.committed(runId);
    },
    onBacklog: (runId, size) => incidents.backlog(runId, size),
    onStatus,
  });
}

function nodesService(o: ServerStackOptions, repos: Repositories) {
  return o.scheduler
    ? createNodesService({
        repos,
        backend: o.scheduler.backend,
        gpuProbe: o.scheduler.gpuProbe,
        logger: o.logger,
        ...(o.scheduler.pollMs ? { pollMs: o.scheduler.pollMs } : {}),
      })
    : null;
}

/** Nodes of runs on the database's clusters through their own connection; the environment's scheduler otherwise. */
function nodesOf(o: ServerStackOptions, repos: Repositories, control: ServerControl | null): NodesService | null {
  const fallback = nodesService(o, repos);
  if (!control) return fallback;
  return createClusterNodes({
    repos,
    logger: o.logger,
    clusterOfRun: (runId) => control.store.run(runId)?.clusterId ?? null,
    handleOf: (clusterId) => control.registry.get(clusterId),
    fallback,
    ...(o.scheduler?.pollMs ? { pollMs: o.scheduler.pollMs } : {}),
  });
}

/** The control plane of this server (WP-C), unless `control: false`; its events go to the run's socket room. */
function controlPlaneOf(o: ServerStackOptions, repos: Repositories, conn: OpenDatabase, io: () => RealtimeServer) {
  if (o.control === false) return null;
  const control = createServerControl({ repos, db: conn.db, logger: o.logger, ...o.control });
  control.setEmitter(
    (event, payload) =>
      void io()
        .to(runRoom(payload.runId))
        .emit(event, payload as never),
  );
  return control;
}

/** Bytes of the public pages' own series cache when the shared one is off (2 fields of a few BLOOM-size runs). */
const PUBLIC_SERIES_CACHE_BYTES = 32 * 1024 * 1024;

/** The series cache (unless off) and the public snapshots, which read the loss curve through it. */
function seriesOf(o: ServerStackOptions, repos: Repositories) {
  const series =
    o.seriesCacheBytes === 0
      ? null
      : createSeriesCache(repos.series, { maxBytes: o.seriesCacheBytes ?? DEFAULT_SERIES_CACHE_BYTES });
  const seriesSource = series ?? freshSeries(repos.iterations);
  // Without the shared cache the public pages keep a small one of their own: a rebuild a second must read only the
  // rows appended since the last one, not the whole run.
  const publicSeries = series ?? createSeriesCache(repos.series, { maxBytes: PUBLIC_SERIES_CACHE_BYTES });
  const publicSnapshots = createPublicSnapshots({ repos, series: publicSeries, logger: o.logger });
  return { series, seriesSource, publicSnapshots };
}

/** The anonymous /public namespace: io.use's session auth guards the default namespace only. */
function publicNamespaceOf(o: ServerStackOptions, io: RealtimeServer, ctx: AuthContext, snapshots: PublicSnapshots) {
  return attachPublicNamespace(io, {
    snapshots,
    trustProxy: ctx.edge.trustProxy,
    logger: o.logger,
    ...(o.publicRealtime ? { limits: o.publicRealtime } : {}),
  });
}

/**
 * Live incident detection on the followed runs (its tick starts with the followers); with the control plane, a
 * crash, node failure or hang that opens on an active run asks the recovery policy to act (incidents/recoveryPolicy).
 */
function incidentsOf(o: ServerStackOptions, repos: Repositories, control: ServerControl | null): IncidentsService {
  const facts = control ? clusterFactsOf(o, repos, control) : null;
  const incidents = createIncidentsService({
    repos,
    logger: o.logger,
    ...(o.incidentTickMs ? { tickMs: o.incidentTickMs } : {}),
    ...(o.pendingIdleConfirmMs !== undefined
      ? { clusterDetectors: { pendingIdleConfirmMs: o.pendingIdleConfirmMs } }
      : {}),
    ...(facts ? { clusterFacts: facts } : {}),
  });
  if (control) {
    // The recovery policy asks where a run's jobs may run before a restart that excludes nodes (exclusionShortfall).
    if (facts) control.autoRestarts.useCapacity((runId) => facts.capacity(runId));
    const policy = createRecoveryPolicy({
      store: control.store,
      auto: control.autoRestarts,
      recovery: control.recovery,
      logger: o.logger.child({ component: 'incident-policy' }),
      isReplaying: (runId) => incidents.catchingUp(runId),
      stackDump: stackDumperOf({ store: control.store, backendOf: (id) => control.registry.get(id).backend }),
    });
    incidents.onChange(policy);
    control.recovery.onNoted((i) => incidents.noted(i));
  }
  return incidents;
}

/** The cluster-state facts of controlled runs, read through their cluster's connection (the registry's handle). */
function clusterFactsOf(o: ServerStackOptions, repos: Repositories, control: ServerControl) {
  const logger = o.logger.child({ component: 'cluster-facts' });
  return createClusterFactsSource({
    repos,
    logger,
    // Stateless over the repositories: the same rows the controller's store reads.
    recovery: createRecoveryStore(repos),
    ...(o.diskEveryMs !== undefined ? { diskEveryMs: o.diskEveryMs } : {}),
    // Every tick reads the partition afresh (runs on it share that one read), however short the tick.
    ...(o.incidentTickMs ? { partitionShareMs: Math.min(PARTITION_SHARE_MS, Math.floor(o.incidentTickMs * 0.9)) } : {}),
    backendOf(clusterId) {
      try {
        return control.registry.get(clusterId).backend;
      } catch (err) {
        logger.warn({ err, clusterId }, 'cluster facts: no usable cluster');
        return null;
      }
    },
  });
}

/** Alerts on the incidents' changes; e-mail only with both an SMTP server and a From: address. */
function alertsOf(o: ServerStackOptions, repos: Repositories, incidents: IncidentsService): AlertsService {
  const a = o.alerts ?? {};
  return createAlertsService({
    source: incidents,
    repos,
    logger: o.logger,
    email: a.smtpUrl && a.from ? createEmailSender({ smtpUrl: a.smtpUrl, from: a.from }) : null,
    publicBaseUrl: a.publicBaseUrl ?? null,
  });
}

/** Live detection and the alerts on its changes (the alerts hold no socket or timer until an alert is sent). */
function detectionOf(o: ServerStackOptions, repos: Repositories, control: ServerControl | null) {
  const incidents = incidentsOf(o, repos, control);
  return { incidents, alerts: alertsOf(o, repos, incidents) };
}

/** Listens on host:port; on failure runs `close` (what was opened for this server) and throws the error. */
async function listenOrClose(http: Server, port: number, host: string, close: () => Promise<void>): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
  } catch (err) {
    await close();
    throw err;
  }
}

/** The nodes poller, and (F7) its nvidia-smi samples naming a throughput regression's suspect node. */
function startNodes(nodes: NodesService | null, incidents: IncidentsService): () => Promise<void> {
  if (!nodes) return () => Promise.resolve();
  nodes.start();
  const gpuFacts = connectGpuFacts(nodes, incidents);
  return async () => {
    gpuFacts.stop();
    await nodes.stop();
  };
}

/** @throws the listen error (e.g. EADDRINUSE) after closing the database, so the caller may retry on another port. */
export async function startServerStack(o: ServerStackOptions): Promise<ServerStack> {
  const conn = openDatabase(o.dbPath);
  const repos = createRepositories(conn.sqlite);
  // Sockets of a user whose access changed (logout, revocation, role change) are dropped; io exists by then.
  let onAccessChanged = (_userId: number) => {};
  const authContext = createAuthContext(repos, o.edge, (userId) => onAccessChanged(userId));
  // Control plane: clusters from the database, the reconcile loop (started once listening), its routes.
  const control = controlPlaneOf(o, repos, conn, () => io);
  const nodes = nodesOf(o, repos, control);
  // Each run's logs: files through its cluster, or (Kubernetes) pod log streams through its cluster's API.
  const readers = { filesForRun: runFilesOf(o, repos, control), podLogApiForRun: podLogApisOf(repos, control) };
  const { series, seriesSource, publicSnapshots } = seriesOf(o, repos);
  const { incidents, alerts } = detectionOf(o, repos, control);
  const app = createApp({
    conn,
    repos,
    series: seriesSource,
    publicSnapshots,
    logger: o.logger,
    authContext,
    clusters: o.clusters ?? clustersService(repos, control),
    routes: [...(o.routes ?? []), ...(control?.routes ?? [])],
    // The log viewer reads the logs the way the followers do (SFTP on a cluster).
    filesForRun: readers.filesForRun,
    ...(o.webDir ? { webDir: o.webDir } : {}),
    ...(nodes ? { nodes } : {}),
    alertEmailAvailable: Boolean(o.alerts?.smtpUrl && o.alerts.from),
  });
  const http = cappedServer(app, o.maxConnections);
  let emitPoints: ReturnType<typeof roomEmitters>['points'] = () => false;
  const publisher = createPublisher(conn.sqlite, (runId, batch) => emitPoints(runId, batch));
  const io = attachRealtime(http, {
    publisher,
    logger: o.logger,
    runExists: repos.runs.exists,
    auth: socketAuthOf(authContext),
  });
  const publicLive = publicNamespaceOf(o, io, authContext, publicSnapshots);
  onAccessChanged = (userId) => disconnectUser(io, userId);
  const emitters = roomEmitters(io);
  emitPoints = emitters.points;
  const host = o.host ?? '127.0.0.1';
  await listenOrClose(http, o.port ?? 0, host, async () => {
    publicLive.close();
    await io.close().catch(() => undefined); // the HTTP server never listened: nothing to close there
    conn.close();
  });
  // Followers start once the port is ours: a busy port must not leave a follower reading into this database.
  const manager = startFollowers(o, conn, readers, publisher, emitters.status, publicSnapshots, incidents);
  incidents.start();
  publicSnapshots.start().catch((err: unknown) => o.logger.warn({ err }, 'public snapshots did not start'));
  if (series) void warmNewestRuns(series, repos.runs, o.logger);
  const stopNodes = startNodes(nodes, incidents);
  control?.controller.start();
  const purge = setInterval(() => repos.sessions.purgeExpired(Date.now()), 10 * 60_000).unref();
  const { port } = http.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://${host}:${port}/`,
    conn,
    http,
    io,
    app,
    authContext,
    manager,
    control,
    publicSnapshots,
    incidents,
    alerts,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(purge);
      incidents.stop();
      alerts.stop();
      publicSnapshots.stop();
      publicLive.close();
      await control?.stop();
      await manager.stop();
      await stopNodes();
      await io.close(); // also closes the HTTP server
      conn.close();
    },
  };
}
