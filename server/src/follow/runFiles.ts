// Which files a run's logs are read through: the run's own cluster (SFTP on its one SSH connection, this machine's
// files for the local executor), so that one server follows and shows the logs of every run on every cluster. A run
// with no cluster (imported, or registered with `trainboard follow`) falls back to the server's default files.
import { SshShell } from '../adapters/sshShell.js';
import type { ClusterHandle } from '../clusters/types.js';
import { localFiles } from './localFiles.js';
import { sshRemoteFiles, type RemoteFiles } from './remoteFiles.js';

/** The files of a run's logs; null when nothing can read them (no cluster and no default). */
export type FilesForRun = (runId: number) => RemoteFiles | null;

export interface RunFilesDeps {
  /** The run's cluster id, null for a run that belongs to no cluster. */
  clusterOfRun(runId: number): number | null;
  /** The cluster's handle (one reused connection per cluster); throws for an unknown or disabled cluster. */
  handle(clusterId: number): ClusterHandle;
  /** What runs without a cluster are read through. */
  fallback: RemoteFiles | null;
  /** Longest wait for one remote file operation before the connection is presumed dead. */
  opTimeoutMs?: number;
}

export function filesForRuns(deps: RunFilesDeps): FilesForRun {
  // One RemoteFiles per handle: a changed cluster gets a new handle from the registry, hence new files.
  const byHandle = new WeakMap<ClusterHandle, RemoteFiles>();
  const filesOf = (handle: ClusterHandle): RemoteFiles => {
    let files = byHandle.get(handle);
    if (!files) {
      files = handle.shell instanceof SshShell ? sshRemoteFiles(handle.shell, deps.opTimeoutMs) : localFiles();
      byHandle.set(handle, files);
    }
    return files;
  };
  return (runId) => {
    const clusterId = deps.clusterOfRun(runId);
    if (clusterId === null) return deps.fallback;
    try {
      const handle = deps.handle(clusterId);
      // A cluster whose run folders the server cannot reach (Kubernetes) has no files to read: its runs' logs are
      // pod log streams (podLogApis.ts). Never this machine's files in their place.
      return handle.backend.runFolderAccess === false ? null : filesOf(handle);
    } catch {
      return null; // a removed or disabled cluster: its runs' logs cannot be read now
    }
  };
}
