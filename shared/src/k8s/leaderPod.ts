// Which pod and which container instance hold a run's log: the leader (rank 0) of the Indexed Job or the master of
// the PyTorchJob. A container that restarted (restartCount went up) or a pod that was replaced (another uid) is a
// new log that starts from its first line, so the instance is named by (pod uid, restart count).

export type Workload = 'job' | 'pytorchjob';

/** The label selector of the leader pod. `jobName` is the Kubernetes object name (already a DNS-1123 label). */
export function leaderSelector(workload: Workload, jobName: string): string {
  return workload === 'job'
    ? `job-name=${jobName},batch.kubernetes.io/job-completion-index=0`
    : `training.kubeflow.org/job-name=${jobName},training.kubeflow.org/replica-type=master`;
}

/**
 * Before Kubernetes 1.28 the completion index is only an annotation: list the Job's pods by `job-name` alone and
 * keep index 0 with `isIndexZero`.
 */
export function jobPodsSelector(jobName: string): string {
  return `job-name=${jobName}`;
}

const INDEX_KEY = 'batch.kubernetes.io/job-completion-index';

export function isIndexZero(pod: PodLike): boolean {
  return (pod.metadata?.labels?.[INDEX_KEY] ?? pod.metadata?.annotations?.[INDEX_KEY]) === '0';
}

/** The fields of a Pod this module reads (timestamps are strings in raw JSON, Dates from the typed client). */
export interface PodLike {
  metadata?: {
    name?: string;
    uid?: string;
    creationTimestamp?: string | Date;
    deletionTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  status?: {
    phase?: string;
    containerStatuses?: {
      name?: string;
      restartCount?: number;
      state?: { waiting?: { reason?: string }; running?: unknown; terminated?: { exitCode?: number; reason?: string } };
    }[];
  };
}

/** One run of one container: its log is one stream, read from its first line. */
export interface LeaderInstance {
  pod: string;
  uid: string;
  restartCount: number;
  /** waiting: no log to read yet (or a restart pending); running: follow it; terminated: read it to its end. */
  state: 'waiting' | 'running' | 'terminated';
}

/** The same container instance (same pod, same restart)? */
export function sameInstance(a: Pick<LeaderInstance, 'uid' | 'restartCount'>, b: typeof a): boolean {
  return a.uid === b.uid && a.restartCount === b.restartCount;
}

function millis(t: string | Date | undefined): number {
  if (t === undefined) return 0;
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * The leader among the pods the selector matched: the newest one (a replaced pod's successor), preferring pods not
 * being deleted; null when there is none (not created yet, or gone).
 */
export function pickLeader(pods: readonly PodLike[], container: string): LeaderInstance | null {
  const named = pods.filter((p) => p.metadata?.name && p.metadata.uid);
  if (named.length === 0) return null;
  const score = (p: PodLike) => (p.metadata?.deletionTimestamp ? 0 : 1);
  const best = [...named].sort(
    (a, b) => score(b) - score(a) || millis(b.metadata?.creationTimestamp) - millis(a.metadata?.creationTimestamp),
  )[0] as PodLike;
  const status = best.status?.containerStatuses?.find((c) => c.name === container);
  const state = status?.state?.running
    ? 'running'
    : status?.state?.terminated
      ? 'terminated'
      : best.status?.phase === 'Succeeded' || best.status?.phase === 'Failed'
        ? 'terminated'
        : 'waiting';
  return {
    pod: best.metadata?.name as string,
    uid: best.metadata?.uid as string,
    restartCount: status?.restartCount ?? 0,
    state,
  };
}
