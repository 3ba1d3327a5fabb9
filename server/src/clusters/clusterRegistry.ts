// One ClusterHandle per cluster row, made on first use and kept: every caller of a cluster shares its one SSH
// connection (SshShell reconnects by itself after a drop). A changed or removed row is invalidated by the service.
import { LocalExecutor, type LocalExecutorOptions } from '../adapters/localExecutor.js';
import { LocalShell } from '../adapters/localShell.js';
import { SlurmBackend } from '../adapters/slurmBackend.js';
import { SshShell, type SshShellOptions } from '../adapters/sshShell.js';
import { remoteFiles } from '../adapters/sshFiles.js';
import type { Shell } from '../adapters/shell.js';
import { kubernetesSettingsSchema } from '@trainboard/shared/k8s/clusterEntry';
import { loadKubeConfig } from '../adapters/kubernetes/kubeConfig.js';
import { KubernetesBackend } from '../adapters/kubernetes/kubernetesBackend.js';
import { NoShell } from '../adapters/kubernetes/noShell.js';
import type { ClusterHandle, ClusterRow, ClustersRepoLike } from './types.js';

export class UnknownClusterError extends Error {
  constructor(readonly cluster: string) {
    super(`no cluster named ${JSON.stringify(cluster)}`);
    this.name = 'UnknownClusterError';
  }
}

export interface ClusterRegistryOptions {
  repo: Pick<ClustersRepoLike, 'byName' | 'byId'>;
  /** Work folder of the local executor when its row has no jobs root. */
  localWorkDir?: string;
  /** Options of the local executor (node name, environment, kill wait); its folder is the row's jobs root. */
  local?: Omit<LocalExecutorOptions, 'workDir'>;
  /** Overrides for every SSH connection (timeouts), never credentials. */
  ssh?: Pick<SshShellOptions, 'connectTimeoutMs' | 'commandTimeoutMs' | 'keepaliveIntervalMs'>;
}

/** SSH options of a row; the key file is read by SshShell at connect time and kept in memory only. */
export function sshOptionsOf(row: ClusterRow, extra: ClusterRegistryOptions['ssh'] = {}): SshShellOptions {
  if (!row.host || !row.sshUser) throw new Error(`cluster ${row.name} has no host or user`);
  return {
    host: row.host,
    port: row.port ?? 22,
    username: row.sshUser,
    ...(row.auth === 'agent' ? { useAgent: true } : {}),
    ...(row.privateKeyPath ? { privateKeyPath: row.privateKeyPath } : {}),
    ...(row.agentSocket ? { agentSocket: row.agentSocket } : {}),
    ...(row.knownHostsPath ? { knownHostsPath: row.knownHostsPath } : {}),
    ...(row.hostFingerprint ? { hostFingerprint: row.hostFingerprint } : {}),
    ...extra,
  };
}

/** A handle over a fresh connection (the registry keeps one per row; `cluster test` makes a throwaway one). */
export function openHandle(row: ClusterRow, options: Omit<ClusterRegistryOptions, 'repo'> = {}): ClusterHandle {
  if (row.kind === 'local') {
    const workDir = row.jobsRoot ?? options.localWorkDir;
    if (!workDir) throw new Error('the local cluster has no jobs root');
    // Named as the GPU probe and the dashboard name this machine's one node.
    const backend = new LocalExecutor({ nodeName: 'localhost', ...options.local, workDir, keepJobsOnClose: true });
    const shell: Shell = new LocalShell();
    return { row, backend, shell, files: remoteFiles(shell), close: () => backend.close() };
  }
  if (row.kind === 'kubernetes') return kubernetesHandle(row);
  const shell = new SshShell(sshOptionsOf(row, options.ssh));
  const backend = new SlurmBackend(shell);
  return { row, backend, shell, files: remoteFiles(shell), close: () => backend.close() };
}

/**
 * A kubernetes cluster: its kubeconfig is read now (a missing file or unknown context fails here, with a message
 * that names no credential); requests go out on first use. No shell: see NoShell.
 */
function kubernetesHandle(row: ClusterRow): ClusterHandle {
  const settings = kubernetesSettingsSchema.parse(row.settings ?? {});
  const backend = new KubernetesBackend({ kube: loadKubeConfig(settings), workload: settings.workload });
  const shell = new NoShell(backend.target);
  return { row, backend, shell, files: remoteFiles(shell), close: () => backend.close() };
}

export class ClusterRegistry {
  private readonly handles = new Map<string, ClusterHandle>();

  constructor(private readonly options: ClusterRegistryOptions) {}

  /** The handle of a cluster by name or id; the connection opens on its first command. */
  get(nameOrId: string | number): ClusterHandle {
    const row = typeof nameOrId === 'number' ? this.options.repo.byId(nameOrId) : this.options.repo.byName(nameOrId);
    if (!row || row.disabledAt !== null) throw new UnknownClusterError(String(nameOrId));
    const known = this.handles.get(row.name);
    if (known) return known;
    const handle = openHandle(row, this.options);
    this.handles.set(row.name, handle);
    return handle;
  }

  /** Forgets (and closes) a cluster's handle after its row changed or was removed. */
  async invalidate(name: string): Promise<void> {
    const handle = this.handles.get(name);
    this.handles.delete(name);
    await handle?.close();
  }

  async closeAll(): Promise<void> {
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(all.map((h) => h.close()));
  }
}
