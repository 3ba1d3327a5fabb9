// What the pod log follower needs from a Kubernetes cluster, and its implementation over our own requests
// (logStream.ts): find the leader's current container instance, and stream one log request.
import type { KubeConfig } from '@kubernetes/client-node';
import {
  isIndexZero,
  jobPodsSelector,
  leaderSelector,
  pickLeader,
  type PodLike,
} from '@trainboard/shared/k8s/leaderPod';
import type { PodLogApi } from '../../follow/podLogPort.js';
import { checkPodLogNames, kubeGet, streamPodLog, type StreamOptions } from './logStream.js';

export type { PodLogApi };

/** A pod list is small, but an answer is never read without a bound. */
const MAX_LIST_BYTES = 16 << 20;

export function kubePodLogApi(kc: KubeConfig, idleTimeoutMs = 120_000): PodLogApi {
  return {
    async leader(target, signal) {
      checkPodLogNames({ namespace: target.namespace, pod: target.jobName, container: target.container });
      const list = (selector: string) => listPods(kc, target.namespace, selector, { signal, idleTimeoutMs });
      let pods = await list(leaderSelector(target.workload, target.jobName));
      // Before 1.28 the Job controller sets the completion index as an annotation only.
      if (pods.length === 0 && target.workload === 'job')
        pods = (await list(jobPodsSelector(target.jobName))).filter(isIndexZero);
      return pickLeader(pods, target.container);
    },
    stream: (req, onChunk, signal) => streamPodLog(kc, req, onChunk, { signal, idleTimeoutMs }),
  };
}

/** The pods of `namespace` matching `selector`, the answer read with a bound. */
async function listPods(kc: KubeConfig, namespace: string, selector: string, opts: StreamOptions): Promise<PodLike[]> {
  const q = new URLSearchParams({ labelSelector: selector });
  const res = await kubeGet(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods?${q.toString()}`, opts);
  let body = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    body += chunk.toString('utf8');
    if (body.length > MAX_LIST_BYTES) {
      res.destroy();
      throw new Error('the pod list is too large');
    }
  }
  return (JSON.parse(body) as { items?: PodLike[] }).items ?? [];
}
