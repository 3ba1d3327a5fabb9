// The database side of following Kubernetes pod logs: which run's leader log a source stands for, and which
// sources are followed. A pod log source's path is `k8s://<namespace>/<workload>/<job>/<container>` — not an
// absolute path, so the file followers and the file log viewer never take it for a file on the cluster.
import type { Workload } from '@trainboard/shared/k8s/leaderPod';
import type { Db, OpenDatabase } from '../db/client.js';
import type { LogSource } from '../db/logSources.repo.js';
import { registerLogSource, sourcesOfFollowedRuns } from './followedSources.js';
import { loadPodLogCursor } from './podLogReader.js';

/** Whose log: the leader pod of `jobName` (the Kubernetes object name) and the container that trains. */
export interface PodLogTarget {
  namespace: string;
  workload: Workload;
  jobName: string;
  container: string;
}

export const POD_LOG_SCHEME = 'k8s://';
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throws unless every name is a DNS-1123 label (what Kubernetes accepts, and nothing a path could be built from). */
export function checkPodLogTarget(t: PodLogTarget): void {
  if (t.workload !== 'job' && t.workload !== 'pytorchjob') throw new Error('invalid workload: job or pytorchjob');
  for (const [what, v] of [
    ['namespace', t.namespace],
    ['job name', t.jobName],
    ['container name', t.container],
  ] as const)
    if (v.length > 63 || !LABEL.test(v)) throw new Error(`invalid ${what}: must be a DNS-1123 label`);
}

export function podLogSourcePath(t: PodLogTarget): string {
  checkPodLogTarget(t);
  return `${POD_LOG_SCHEME}${t.namespace}/${t.workload}/${t.jobName}/${t.container}`;
}

/** The target a pod log source path names; null when it is not one (a file, or an archived source). */
export function parsePodLogSourcePath(path: string): PodLogTarget | null {
  if (!path.startsWith(POD_LOG_SCHEME)) return null;
  const [namespace, workload, jobName, container, ...rest] = path.slice(POD_LOG_SCHEME.length).split('/');
  if (rest.length > 0 || !namespace || !jobName || !container) return null;
  const t = { namespace, workload: workload as Workload, jobName, container };
  try {
    checkPodLogTarget(t);
    return t;
  } catch {
    return null;
  }
}

/** Registers the leader log of `target` as a log source of run `runName` (created if needed, marked running). */
export function registerPodLogSource(db: Db, runName: string, target: PodLogTarget, now = Date.now()): LogSource {
  return registerLogSource(db, runName, podLogSourcePath(target), now);
}

/**
 * The newest pod log source of every followed run. Each job of a run (a resubmission is another Job object) has
 * its own leader pod, hence its own source, registered when it is first seen running; only the newest is followed.
 * An older one stops being wanted when the next is registered, so the follow manager lets it read its pod's log to
 * the end (finish: followed until the pod ends or the drain times out) — and a finished Job's follower does not
 * keep asking the API server about it forever.
 */
export function followedPodLogSources(db: Db): LogSource[] {
  return [...newestByRun(sourcesOfFollowedRuns(db, `${POD_LOG_SCHEME}%`)).values()];
}

/**
 * The older pod log sources of followed runs whose stored cursor has not ended: a log that was being read when the
 * next Job's source took over and was not read to its end (the server restarted during the drain). The follow
 * manager finishes them again; one never read (no instance) has nothing to finish.
 */
export function unfinishedOlderPodLogSources(conn: OpenDatabase): LogSource[] {
  const all = sourcesOfFollowedRuns(conn.db, `${POD_LOG_SCHEME}%`);
  const newest = newestByRun(all);
  return all.filter((s) => {
    if (newest.get(s.runId)?.id === s.id) return false;
    try {
      const cursor = loadPodLogCursor(conn, s.id);
      return cursor.instance !== null && !cursor.ended;
    } catch {
      return false; // an unreadable cursor: that source is left, the others are finished
    }
  });
}

function newestByRun(all: readonly LogSource[]): Map<number, LogSource> {
  const newest = new Map<number, LogSource>();
  for (const s of all) if ((newest.get(s.runId)?.id ?? -1) < s.id) newest.set(s.runId, s);
  return newest;
}
