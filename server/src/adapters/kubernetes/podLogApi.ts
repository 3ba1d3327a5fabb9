// What the pod log follower needs from a Kubernetes cluster, and its implementation over our own requests
// (logStream.ts): find the leader's current container instance, and stream one log request.
import type { KubeConfig } from '@kubernetes/client-node';
import { leaderSelector, pickLeader, type LeaderInstance, type PodLike } from '@trainboard/shared/k8s/leaderPod';
import type { PodLogTarget } from '../../follow/podLogSources.js';
import { checkPodLogNames, kubeGet, streamPodLog, type PodLogRequest } from './logStream.js';

export interface PodLogApi {
  /** The leader pod's current instance of the target container; null when there is no such pod (yet, or any more). */
  leader(target: PodLogTarget, signal: AbortSignal): Promise<LeaderInstance | null>;
  /**
   * One log request: every chunk of the body goes to `onChunk` (synchronously). Resolves when the server ended it
   * properly; rejects with StreamDropped (cut, silent), KubeApiError (an error status) or a network error.
   */
  stream(req: PodLogRequest, onChunk: (chunk: Buffer) => void, signal: AbortSignal): Promise<void>;
}

/** A pod list is small, but an answer is never read without a bound. */
const MAX_LIST_BYTES = 16 << 20;

export function kubePodLogApi(kc: KubeConfig, idleTimeoutMs = 120_000): PodLogApi {
  return {
    async leader(target, signal) {
      checkPodLogNames({ namespace: target.namespace, pod: target.jobName, container: target.container });
      const q = new URLSearchParams({ labelSelector: leaderSelector(target.workload, target.jobName) });
      const path = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods?${q.toString()}`;
      const res = await kubeGet(kc, path, { signal, idleTimeoutMs });
      let body = '';
      for await (const chunk of res as AsyncIterable<Buffer>) {
        body += chunk.toString('utf8');
        if (body.length > MAX_LIST_BYTES) {
          res.destroy();
          throw new Error('the pod list is too large');
        }
      }
      const list = JSON.parse(body) as { items?: PodLike[] };
      return pickLeader(list.items ?? [], target.container);
    },
    stream: (req, onChunk, signal) => streamPodLog(kc, req, onChunk, { signal, idleTimeoutMs }),
  };
}
