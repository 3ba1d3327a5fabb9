// Composition of the control plane for a server process: the store over the repositories, cluster access over
// the registry, the submit and action services, the controller (started by the stack) and the HTTP routes.
import type { Logger } from 'pino';
import type { ClusterRegistry } from '../clusters/clusterRegistry.js';
import type { Db } from '../db/client.js';
import type { Repositories } from '../db/repositories.js';
import type { RouteDef } from '../http/routeTable.js';
import { runControlRoutes } from '../routes/runControl.router.js';
import { createController, type Controller } from './controller.service.js';
import { createFailurePolicy } from './policy.js';
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
  const actions = createRunActionsService({ store, kick });
  const submit = createSubmitRunService({ store, clusters, kick });
  controller = createController({
    store,
    leaseRepo: o.repos.lease,
    clusters,
    policy: createFailurePolicy(actions, o.logger),
    events: o.events ?? NO_EVENTS,
    logger: o.logger.child({ component: 'controller' }),
    ...(o.tickMs ? { tickMs: o.tickMs } : {}),
    ...(o.graceMs ? { graceMs: o.graceMs } : {}),
    ...(o.leaseTtlMs ? { leaseTtlMs: o.leaseTtlMs } : {}),
  });
  const routes = runControlRoutes({ store, clusters, submit, actions });
  return { store, clusters, submit, actions, controller, routes };
}
