// The reconcile loop: every few seconds (and when kicked), in the one process holding the lease, bring every
// controlled run's jobs to its desired state — recover interrupted submissions, observe the scheduler, execute
// requested actions, then plan and submit. Everything it does is in the database first, so a crash loses nothing
// and the next leader continues from the rows.
import type { Logger } from 'pino';
import { errorCode, type ControlContext } from './context.js';
import { ControllerLease, type LeaseRepoPort } from './lease.js';
import { observeJobs, watched } from './observe.js';
import type { ClusterAccess, ControlCluster, ControlEvents, ControlRun, ControlStore } from './ports.js';
import { executeAction } from './executeAction.js';
import { reconcileRun, type FailurePolicy } from './reconcileRun.js';
import { recoverSubmitting, SUBMIT_GRACE_MS } from './recovery.js';

export interface ControllerOptions {
  store: ControlStore;
  leaseRepo: LeaseRepoPort;
  clusters: ClusterAccess;
  policy: FailurePolicy;
  events: ControlEvents;
  logger: Logger;
  tickMs?: number;
  graceMs?: number;
  leaseTtlMs?: number;
  now?: () => number;
}

export interface Controller {
  start(): void;
  stop(): Promise<void>;
  /** Runs a tick now (after the one in progress, if any). */
  kick(): Promise<void>;
  isLeader(): boolean;
}

export function createController(o: ControllerOptions): Controller {
  const now = o.now ?? Date.now;
  const lease = new ControllerLease(o.leaseRepo, o.leaseTtlMs, now);
  const ctx: ControlContext = { store: o.store, lease, events: o.events, logger: o.logger, now };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;

  const loop = async () => {
    do {
      again = false;
      await tick(ctx, o).catch((err: unknown) => o.logger.error({ err }, 'controller tick failed'));
    } while (again && !stopped);
  };
  const kick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = loop().finally(() => (running = null));
    return running;
  };
  return {
    start() {
      void kick();
      timer = setInterval(() => void kick(), o.tickMs ?? 3000);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      lease.release();
    },
    kick,
    isLeader: () => lease.isHeld(),
  };
}

async function tick(ctx: ControlContext, o: ControllerOptions): Promise<void> {
  const status = ctx.lease.ensure();
  if (status === 'not_held') return;
  if (status === 'acquired') ctx.logger.info({ holder: ctx.lease.holder }, 'controller lease acquired');
  const runs = ctx.store.controlledRuns();
  const clusterIds = new Set([
    ...runs.map((r) => r.clusterId),
    ...ctx.store.submittingJobs().map((j) => clusterOf(ctx, j.runId)),
  ]);
  for (const clusterId of clusterIds) {
    if (clusterId === null) continue;
    let cluster: ControlCluster;
    try {
      cluster = o.clusters.get(clusterId);
    } catch (err) {
      ctx.logger.warn({ err, clusterId }, 'cluster unavailable');
      continue;
    }
    try {
      await reconcileCluster(
        ctx,
        o,
        cluster,
        runs.filter((r) => r.clusterId === clusterId),
      );
    } catch (err) {
      // A cluster that does not answer must not stop the others; a lost lease ends the tick.
      if (!ctx.lease.isHeld() || (err as Error).name.startsWith('Lease')) throw err;
      ctx.logger.warn({ err, cluster: cluster.name, code: errorCode(err) }, 'reconcile of a cluster failed');
    }
  }
}

function clusterOf(ctx: ControlContext, runId: number): number | null {
  return ctx.store.run(runId)?.clusterId ?? null;
}

async function reconcileCluster(
  ctx: ControlContext,
  o: ControllerOptions,
  cluster: ControlCluster,
  runs: ControlRun[],
) {
  const runIds = new Set(runs.map((r) => r.runId));
  const submitting = ctx.store.submittingJobs().filter((j) => clusterOf(ctx, j.runId) === cluster.id);
  await recoverSubmitting(ctx, cluster, submitting, o.graceMs ?? SUBMIT_GRACE_MS);
  await observeJobs(
    ctx,
    cluster,
    runs.flatMap((r) => watched(ctx.store.jobsOfRun(r.runId))),
  );
  for (const action of ctx.store.pendingActions().filter((a) => runIds.has(a.runId))) {
    await executeAction(ctx, cluster, action, o.policy);
  }
  for (const run of runs) {
    const fresh = ctx.store.run(run.runId);
    if (fresh) await reconcileRun(ctx, cluster, fresh, o.policy);
  }
}
