// One registration for any log source path a backend names (ClusterBackend.jobLogSource, or the run's main log
// file): the control plane hands the path over and the follow layer, which owns the formats, decides what it is.
import type { Db } from '../db/client.js';
import { registerFollowedFile } from './followedSources.js';
import { parsePodLogSourcePath, registerPodLogSource } from './podLogSources.js';

/** Registers `path` as a followed log source of run `runName`; throws for a path that is no source this layer reads. */
export function registerLogSourcePath(db: Db, runName: string, path: string, now = Date.now()): void {
  // An absolute path is a file on the cluster; anything else must be a per-job stream's source (a pod log).
  if (path.startsWith('/')) {
    registerFollowedFile(db, runName, path, now);
    return;
  }
  const pod = parsePodLogSourcePath(path);
  if (!pod) throw new Error('not a log source path');
  registerPodLogSource(db, runName, pod, now);
}
