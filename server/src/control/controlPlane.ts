// Composition of the control plane for a server process: the store over the repositories, cluster access over
// the registry, the submit and action services, the controller (started by the stack) and the HTTP routes.
import type { Logger } from 'pino';
import { ClusterRegistry } from '../clusters/clusterRegistry.js';
import type { Db } from '../db/client.js';
import type { Repositories } from '../db/repositories.js';
import type { RouteDef } from '../http/routeTable.js';
import { runControlRoutes } from '../routes/runControl.router.js';
import { createController, type Controller } from './controller.service.js';
import { createAutoRestarts, type AutoRestarts } from './autoRestart.js';
import { createFailurePolicy } from './policy.js';
import { createRecoveryStore, type RecoveryStore } from './recoveryStore.js';
import type { ClusterAccess, ControlEvents, ControlStore } from './ports.js';
import { createRunActionsService, type RunActionsService } from './runActions.service.js';
import { createControlStore } from './store.js';
import { createSubmitRunService, type SubmitRunService } from './submitRun.service.js';

export interface ControlPlaneOptions {
  repos: Repositories;
  db: Db;
  registry: ClusterRegistry;
  logger: Logger;
  events?: ControlEvents;
  tickMs?: number;
  graceMs?: number;
  leaseTtlMs?: number;
}

export interface ControlPlane {
  store: ControlStore;
  clusters: ClusterAccess;
  submit: SubmitRunService;
  actions: RunActionsService;
  /** The per-run recovery policy's state (policy, pending restart, ledger). */
  recovery: RecoveryStore;
  /** Automatic restarts under the per-run policy: the failure policy and the incident policy both go through it. */
  autoRestarts: AutoRestarts;
  controller: Controller;
  routes: RouteDef[];
}

const NO_EVENTS: ControlEvents = { runUpdated: () => undefined, actionFinished: () => undefined };

/** The registry's handles as the control plane sees them. */
export function clusterAccess(registry: ClusterRegistry): ClusterAccess {
  return {
    get(nameOrId) {
      const h = registry.get(nameOrId);
      return { id: h.row.id, name: h.row.name, row: h.row, backend: h.backend, shell: h.shell, files: h.files };
    },
  };
}

export function createControlPlane(o: ControlPlaneOptions): ControlPlane {
  const store = createControlStore(o.repos, o.db);
  const clusters = clusterAccess(o.registry);
  let controller: Controller | null = null;
  const kick = () => void controller?.kick();
  const actions = createRunActionsService({ store, kick, backendOf: (run) => clusters.get(run.clusterId).backend });
  const recovery = createRecoveryStore(o.repos);
  const autoRestarts = createAutoRestarts({
    store,
    actions,
    recovery,
    logger: o.logger.child({ component: 'recovery' }),
  });
  const submit = createSubmitRunService({ store, clusters, kick });
  controller = createController({
    store,
    leaseRepo: o.repos.lease,
    clusters,
    policy: createFailurePolicy(store, autoRestarts),
    events: o.events ?? NO_EVENTS,
    logger: o.logger.child({ component: 'controller' }),
    ...(o.tickMs ? { tickMs: o.tickMs } : {}),
    ...(o.graceMs ? { graceMs: o.graceMs } : {}),
    ...(o.leaseTtlMs ? { leaseTtlMs: o.leaseTtlMs } : {}),
  });
  const routes = runControlRoutes({ store, clusters, submit, actions });
  return { store, clusters, submit, actions, recovery, autoRestarts, controller, routes };
}

export type ControlEmitter = (
  event: 'run.updated' | 'action.finished',
  payload: { runId: number; version?: number; actionId?: number; state?: string },
) => void;

export interface ServerControl extends ControlPlane {
  /** The clusters' connections: ClustersService invalidates a changed or removed cluster's handle. */
  registry: ClusterRegistry;
  /** Where `run.updated` / `action.finished` go (socket.io rooms), once the socket server exists. */
  setEmitter(emit: ControlEmitter): void;
  /** Stops the loop (releasing the lease) and closes every cluster connection. */
  stop(): Promise<void>;
}

/** The control plane of a server process: clusters from the database through one registry. */
export function createServerControl(o: {
  repos: Repositories;
  db: Db;
  logger: Logger;
  tickMs?: number;
  graceMs?: number;
  leaseTtlMs?: number;
  localWorkDir?: string;
}): ServerControl {
  let emit: ControlEmitter = () => undefined;
  o = { ...controlTimingFromEnv(process.env), ...o };
  const registry = new ClusterRegistry({
    repo: o.repos.clusters,
    ...(o.localWorkDir ? { localWorkDir: o.localWorkDir } : {}),
  });
  const plane = createControlPlane({
    ...o,
    registry,
    events: {
      runUpdated: (runId, version) => emit('run.updated', { runId, version }),
      actionFinished: (runId, actionId, state) => emit('action.finished', { runId, actionId, state }),
    },
  });
  return {
    ...plane,
    registry,
    setEmitter: (e) => void (emit = e),
    async stop() {
      await plane.controller.stop();
      await registry.closeAll();
    },
  };
}

/**
 * Loop timing from TRAINBOARD_CONTROL_TICK_MS, TRAINBOARD_SUBMIT_GRACE_MS and TRAINBOARD_LEASE_TTL_MS (tests shorten
 * them); unset or invalid values keep the defaults (3 s, 90 s, 15 s).
 */
export function controlTimingFromEnv(env: NodeJS.ProcessEnv): {
  tickMs?: number;
  graceMs?: number;
  leaseTtlMs?: number;
} {
  const ms = (v: string | undefined) => {
    const n = Number(v);
    return Number.isInteger(n) && n >= 100 && n <= 3_600_000 ? n : undefined;
  };
  const tickMs = ms(env.TRAINBOARD_CONTROL_TICK_MS);
  const graceMs = ms(env.TRAINBOARD_SUBMIT_GRACE_MS);
  const leaseTtlMs = ms(env.TRAINBOARD_LEASE_TTL_MS);
  return { ...(tickMs ? { tickMs } : {}), ...(graceMs ? { graceMs } : {}), ...(leaseTtlMs ? { leaseTtlMs } : {}) };
}
