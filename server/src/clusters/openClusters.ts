// Opens what `trainboard cluster` needs from a database file: the clusters repository, the audit log and a
// ClustersService over them. (Wired to the data layer's repositories.)
import type { ClusterCliDeps } from '../cli/commands/cluster.js';

export function openClusterServiceDeps(_dbPath: string): Promise<ClusterCliDeps> {
  return Promise.reject(new Error('the clusters repository is not available in this build yet'));
}
