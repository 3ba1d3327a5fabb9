// Keeps one follower running per log file of every followed run: scans the database every few seconds, starts a
// follower for each new (run, path) and, when a run is no longer followed, lets its followers read to the end of
// their files and stop. Each follower is independent:
// one failing file never stalls another. A Kubernetes run's log is a pod log source (`k8s://…`), followed through
// the log API by a pod log follower when `podLogApiForRun` gives its cluster's API; the rest is the same.
import type { Logger } from 'pino';
import type { PodLogApi } from './podLogPort.js';
import type { OpenDatabase } from '../db/client.js';
import type { LogSource } from '../db/logSources.repo.js';
import { followedSources } from './followedSources.js';
import { startFollower, type Follower, type FollowerDeps } from './follower.js';
import { startPodLogFollower, type PodFollowTiming } from './podLogFollower.js';
import { followedPodLogSources, unfinishedOlderPodLogSources } from './podLogSources.js';
import type { FilesForRun } from './runFiles.js';

export interface FollowManagerDeps extends Omit<FollowerDeps, 'files'> {
  conn: OpenDatabase;
  logger: Logger;
  /** Each run's logs are read through its own cluster's files; a run nothing can read is not followed yet. */
  filesForRun: FilesForRun;
  /** The Kubernetes API of a run's cluster, for its pod log sources; null (or absent) when none can be reached now. */
  podLogApiForRun?: (runId: number) => PodLogApi | null;
  /** The pod log followers' own timing (tests shorten the wait for a pod to appear). */
  podLogTiming?: Partial<PodFollowTiming>;
  /** Called before a run's first follower starts (the publisher notes what the run already holds). */
  beforeStart?: (runId: number) => void;
  scanMs?: number;
}

export interface FollowManager {
  followers(): Follower[];
  /** Scan now (also done every scanMs). */
  scan(): void;
  stop(): Promise<void>;
}

export function startFollowManager(deps: FollowManagerDeps): FollowManager {
  const running = new Map<string, Follower>();
  /** Followers reading to the end of a log no longer wanted (finish in progress): never started twice. */
  const draining = new Map<string, Follower>();
  const keyOf = (runId: number, path: string) => `${runId}\u0000${path}`;

  function drain(key: string, follower: Follower): void {
    draining.set(key, follower);
    // The job's last lines were written just before its run ended (or the next job took over): read them first.
    void follower.finish().finally(() => {
      if (draining.get(key) === follower) draining.delete(key);
    });
  }

  function scan(): void {
    let sources: LogSource[];
    try {
      sources = [...followedSources(deps.conn.db), ...followedPodLogSources(deps.conn.db)];
    } catch (err) {
      deps.logger.error({ err: (err as Error).message }, 'cannot list followed log sources');
      return;
    }
    // Apart: an unreadable pod log cursor must not stop every other follower (files included) from starting.
    let unfinished: LogSource[] = [];
    try {
      unfinished = unfinishedOlderPodLogSources(deps.conn);
    } catch (err) {
      deps.logger.error({ err: (err as Error).message }, 'cannot list unfinished pod log sources');
    }
    const wanted = new Set<string>();
    for (const source of sources) {
      const key = keyOf(source.runId, source.path);
      wanted.add(key);
      if (running.has(key) || draining.has(key)) continue;
      const follower = startOne(source);
      if (follower) running.set(key, follower);
    }
    for (const [key, follower] of running) {
      if (wanted.has(key)) continue;
      running.delete(key);
      drain(key, follower);
    }
    // An older log not read to its end (the server restarted while it drained) is finished again.
    for (const source of unfinished) {
      const key = keyOf(source.runId, source.path);
      if (running.has(key) || draining.has(key)) continue;
      const follower = startOne(source);
      if (follower) drain(key, follower);
    }
  }

  /** A follower for `source` through its run's cluster; null to ask again at the next scan (a cluster added later). */
  function startOne(source: LogSource): Follower | null {
    if (source.path.startsWith('/')) {
      const files = deps.filesForRun(source.runId);
      if (!files) return null;
      deps.beforeStart?.(source.runId);
      return startFollower({ ...deps, files }, source);
    }
    const api = deps.podLogApiForRun?.(source.runId) ?? null;
    if (!api) return null;
    deps.beforeStart?.(source.runId);
    // Not the file timing: a pod list every 100 ms would load the API server; the pod follower has its own.
    const { conn, logger, onCommitted, onStatus, onBacklog } = deps;
    const optional = {
      ...(onStatus ? { onStatus } : {}),
      ...(onBacklog ? { onBacklog } : {}),
      ...(deps.podLogTiming ? { timing: deps.podLogTiming } : {}),
    };
    return startPodLogFollower({ conn, logger, onCommitted, api, ...optional }, source);
  }

  scan();
  const timer = setInterval(scan, deps.scanMs ?? 2_000);
  return {
    followers: () => [...running.values()],
    scan,
    async stop() {
      clearInterval(timer);
      const all = [...running.values(), ...draining.values()];
      running.clear();
      draining.clear();
      await Promise.all(all.map((f) => f.stop()));
    },
  };
}
