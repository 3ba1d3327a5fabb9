// The nodes view of every run, whichever cluster it runs on: runs of a cluster in the database (the control plane's
// registry: `trainboard cluster add`) get that cluster's own nodes service, made on first use over the registry's
// one connection, with nvidia-smi reached through it (srun --overlap on Slurm, the process itself locally); runs
// without a cluster (and runs on this machine's own executor) keep the server's environment-configured scheduler. Every per-cluster
// service polls only the runs someone watches (a viewer, or F7's open throughput regression), as a single one does.
import type { Logger } from 'pino';
import type { ClusterHandle } from '../clusters/types.js';
import type { EventsRepo } from '../db/events.repo.js';
import type { JobsRepo } from '../db/jobs.repo.js';
import { localGpuProbe, FAKE_NVIDIA_SMI_DIR, type GpuProbe } from './gpuProbe.js';
import { createNodesService, type NodesService } from './nodes.service.js';

type GpuListener = Parameters<NodesService['onGpus']>[0];

export interface ClusterNodesOptions {
  repos: { jobs: JobsRepo; events: EventsRepo };
  logger: Logger;
  /** The cluster a run was submitted to (null: none, or not a controlled run). */
  clusterOfRun(runId: number): number | null;
  /** The registry's handle of a cluster (throws when the row is gone or unusable). */
  handleOf(clusterId: number): ClusterHandle;
  /** The environment-configured scheduler, for runs without a cluster. */
  fallback: NodesService | null;
  pollMs?: number;
}

function probeOf(h: ClusterHandle): GpuProbe | null {
  // The local executor names its one node `localhost`; the fake nvidia-smi answers when no real one is installed.
  if (h.row.kind === 'local') return localGpuProbe({ nodeName: 'localhost', fallbackPath: FAKE_NVIDIA_SMI_DIR });
  // The backend's own probe (Slurm: an srun --overlap step). Without one (Kubernetes: no shell, no step into a pod)
  // node health is what the backend's nodes() reports: conditions, allocatable GPUs, taints.
  return h.backend.gpuProbe?.() ?? null;
}

export function createClusterNodes(o: ClusterNodesOptions): NodesService {
  /** One service per cluster, made over the registry's handle; a changed row (a new handle) gets a new one. */
  const perCluster = new Map<number, { handle: ClusterHandle; service: NodesService }>();
  const listeners = new Set<GpuListener>();
  let started = false;

  const serviceOf = (clusterId: number): NodesService => {
    const handle = o.handleOf(clusterId);
    const known = perCluster.get(clusterId);
    if (known?.handle === handle) return known.service;
    if (known) void known.service.stop();
    const service = createNodesService({
      repos: o.repos,
      backend: handle.backend,
      gpuProbe: probeOf(handle),
      logger: o.logger.child({ component: 'nodes', clusterId }),
      ...(o.pollMs ? { pollMs: o.pollMs } : {}),
    });
    service.onGpus((runId, facts) => listeners.forEach((l) => l(runId, facts)));
    if (started) service.start();
    perCluster.set(clusterId, { handle, service });
    return service;
  };

  /**
   * The service that knows the run's nodes, or null when nothing can (the route answers 503). Never another
   * cluster's: job ids are per cluster, so asking the environment's scheduler about this run's job would show a
   * stranger's nodes.
   */
  const forRunId = (runId: number): NodesService | null => {
    const clusterId = o.clusterOfRun(runId);
    if (clusterId === null) return o.fallback;
    try {
      // This machine's own executor is the environment's scheduler when there is one (the demo's local stack).
      if (o.fallback && o.handleOf(clusterId).row.kind === 'local') return o.fallback;
      return serviceOf(clusterId);
    } catch (err) {
      o.logger.warn({ err, runId, clusterId }, 'nodes: the run’s cluster cannot be reached');
      return null;
    }
  };

  const all = () => [...[...perCluster.values()].map((c) => c.service), ...(o.fallback ? [o.fallback] : [])];

  return {
    async forRun(runId) {
      const s = forRunId(runId);
      if (!s) throw new NoSchedulerError();
      return s.forRun(runId);
    },
    async poll() {
      await Promise.all(all().map((s) => s.poll()));
    },
    watch(runId) {
      forRunId(runId)?.watch(runId);
    },
    onGpus(listener) {
      listeners.add(listener);
      const off = o.fallback?.onGpus(listener);
      return () => {
        listeners.delete(listener);
        off?.();
      };
    },
    start() {
      started = true;
      all().forEach((s) => s.start());
    },
    async stop() {
      started = false;
      await Promise.all(all().map((s) => s.stop()));
    },
  };
}

/** No cluster and no environment scheduler: the run's node states cannot be known. */
export class NoSchedulerError extends Error {
  constructor() {
    super('this server is not connected to a scheduler for this run: node states are unknown');
    this.name = 'NoSchedulerError';
  }
}
