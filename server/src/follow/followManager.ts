// Keeps one follower running per log file of every followed run: scans the database every few seconds, starts a
// follower for each new (run, path) and, when a run is no longer followed, lets its followers read to the end of
// their files and stop. Each follower is independent:
// one failing file never stalls another.
import type { Logger } from 'pino';
import type { OpenDatabase } from '../db/client.js';
import { followedSources } from './followedSources.js';
import { startFollower, type Follower, type FollowerDeps } from './follower.js';
import type { FilesForRun } from './runFiles.js';

export interface FollowManagerDeps extends Omit<FollowerDeps, 'files'> {
  conn: OpenDatabase;
  logger: Logger;
  /** Each run's logs are read through its own cluster's files; a run nothing can read is not followed yet. */
  filesForRun: FilesForRun;
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
  const keyOf = (runId: number, path: string) => `${runId}\u0000${path}`;

  function scan(): void {
    let sources;
    try {
      sources = followedSources(deps.conn.db);
    } catch (err) {
      deps.logger.error({ err: (err as Error).message }, 'cannot list followed log sources');
      return;
    }
    const wanted = new Set<string>();
    for (const source of sources) {
      const key = keyOf(source.runId, source.path);
      wanted.add(key);
      if (running.has(key)) continue;
      const files = deps.filesForRun(source.runId);
      if (!files) continue; // asked again at the next scan (a cluster added or enabled later)
      deps.beforeStart?.(source.runId);
      running.set(key, startFollower({ ...deps, files }, source));
    }
    for (const [key, follower] of running) {
      if (wanted.has(key)) continue;
      running.delete(key);
      void follower.finish(); // the job's last lines were written just before its run ended: read them first
    }
  }

  scan();
  const timer = setInterval(scan, deps.scanMs ?? 2_000);
  return {
    followers: () => [...running.values()],
    scan,
    async stop() {
      clearInterval(timer);
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((f) => f.stop()));
    },
  };
}
