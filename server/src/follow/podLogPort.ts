// What the pod log follower needs from a backend whose jobs each have their own log stream (ClusterBackend.logStreams):
// find the leader's current container instance, and stream one log request. Owned here, so follow/ names no
// backend; the Kubernetes adapter implements it (adapters/kubernetes/podLogApi.ts) and throws these errors.
import type { LeaderInstance } from '@trainboard/shared/k8s/leaderPod';
import type { PodLogTarget } from './podLogSources.js';

export interface PodLogRequest {
  namespace: string;
  pod: string;
  container: string;
  /** Keep the stream open for new lines (the running container), or read what there is and end. */
  follow: boolean;
  /** RFC3339; the kubelet sends every line at or after its whole second. Null: from the first line. */
  sinceTime: string | null;
  /** The previous instance of the container (after a restart), which only the kubelet still holds. */
  previous?: boolean;
}

export interface PodLogApi {
  /** The leader pod's current instance of the target container; null when there is no such pod (yet, or any more). */
  leader(target: PodLogTarget, signal: AbortSignal): Promise<LeaderInstance | null>;
  /**
   * One log request: every chunk of the body goes to `onChunk` (synchronously). Resolves when the server ended it
   * properly; rejects with StreamDropped (cut, silent), LogApiError (an error status) or a network error.
   */
  stream(req: PodLogRequest, onChunk: (chunk: Buffer) => void, signal: AbortSignal): Promise<void>;
}

/** The API server answered with an error status; `retryAfterMs` when it said when to come back (429, 503). */
export class LogApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | null,
    readonly retryAfterMs: number | null,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError'; // as before the move: logs and error types read the same
  }
}

/** The connection ended before the server finished the response: resume, nothing after the last line is trusted. */
export class StreamDropped extends Error {
  constructor(
    message: string,
    /** Only silence: nothing broke (a quiet trainer, or a connection that died without a reset). */
    readonly idle = false,
  ) {
    super(message);
    this.name = 'StreamDropped';
  }
}
