// Opens what `trainboard cluster` needs from a database file: the repositories, a registry and the service.
import type { ClusterCliDeps } from '../cli/commands/cluster.js';
import { openDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { ClusterRegistry } from './clusterRegistry.js';
import { ClustersService } from './clusters.service.js';

export function openClusterServiceDeps(dbPath: string): Promise<ClusterCliDeps> {
  const conn = openDatabase(dbPath);
  const repos = createRepositories(conn.sqlite);
  const registry = new ClusterRegistry({ repo: repos.clusters });
  const service = new ClustersService({ repos, registry, testTimeouts: { connectTimeoutMs: 10_000 } });
  return Promise.resolve({
    service,
    async close() {
      await registry.closeAll();
      conn.close();
    },
  });
}
