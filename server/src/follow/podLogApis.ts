// Which Kubernetes API a run's pod log sources are read through: its own cluster's (the kubeconfig the cluster's
// KubernetesBackend loaded), so one server follows runs on several clusters. Runs of other kinds of cluster, or of
// none, have no pod log API (their logs are files: runFiles.ts).
import type { PodLogApi } from '../adapters/kubernetes/podLogApi.js';
import { kubePodLogApi } from '../adapters/kubernetes/podLogApi.js';
import { KubernetesBackend } from '../adapters/kubernetes/kubernetesBackend.js';
import type { ClusterHandle } from '../clusters/types.js';

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
    if (handle.row.kind !== 'kubernetes' || !(handle.backend instanceof KubernetesBackend)) return null;
    let api = byHandle.get(handle);
    if (!api) {
      api = kubePodLogApi(handle.backend.kube.kc);
      byHandle.set(handle, api);
    }
    return api;
  };
}
