// Which API a run's pod log sources are read through: its own cluster's backend's (ClusterBackend.logStreams:
// Kubernetes, over the kubeconfig its backend loaded), so one server follows runs on several clusters. Runs on a
// backend without per-job log streams, or on no cluster, have no pod log API (their logs are files: runFiles.ts).
import type { ClusterHandle } from '../clusters/types.js';
import type { PodLogApi } from './podLogPort.js';

export type PodLogApiForRun = (runId: number) => PodLogApi | null;

export interface PodLogApisDeps {
  /** The run's cluster id, null for a run that belongs to no cluster. */
  clusterOfRun(runId: number): number | null;
  /** The cluster's handle; throws for an unknown or disabled cluster. */
  handle(clusterId: number): ClusterHandle;
}

export function podLogApisForRuns(deps: PodLogApisDeps): PodLogApiForRun {
  // One API per handle: a changed cluster gets a new handle (and kubeconfig) from the registry.
  const byHandle = new WeakMap<ClusterHandle, PodLogApi>();
  return (runId) => {
    const clusterId = deps.clusterOfRun(runId);
    if (clusterId === null) return null;
    let handle: ClusterHandle;
    try {
      handle = deps.handle(clusterId);
    } catch {
      return null; // a removed or disabled cluster: asked again at the next scan
    }
    if (!handle.backend.logStreams) return null;
    let api = byHandle.get(handle);
    if (!api) {
      api = handle.backend.logStreams();
      byHandle.set(handle, api);
    }
    return api;
  };
}
