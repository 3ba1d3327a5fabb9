// The shapes the cluster layer shares with the data layer (ClustersRepo, PLAN §3.1) and with its callers
// (control plane, routes, CLI). DTOs are what leaves the server: never key bytes, and paths only for admins.
import type { ClusterInput } from '@trainboard/shared/slurm/cluster';
import type { KubernetesSettings } from '@trainboard/shared/k8s/clusterEntry';
import type { NodeStatus } from '@trainboard/shared/slurm/types';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import type { Shell, ShellErrorKind } from '../adapters/shell.js';
import type { RemoteFiles } from '../adapters/sshFiles.js';
import type { ClusterRow, ClustersRepo } from '../db/clusters.repo.js';

export type { ClusterRow, NewCluster } from '../db/clusters.repo.js';
export type ClustersRepoLike = ClustersRepo;

/** A cluster ready to use: its backend and shell share one connection, opened on first use. */
export interface ClusterHandle {
  row: ClusterRow;
  backend: ClusterBackend;
  shell: Shell;
  files: RemoteFiles;
  close(): Promise<void>;
}

/** What every signed-in user may see. */
export interface ClusterDto {
  name: string;
  kind: 'slurm' | 'local' | 'kubernetes';
  template: ClusterRow['template'];
  defaultPartition: string | null;
  defaultAccount: string | null;
  defaultQos: string | null;
  profile: string | null;
}

/** What an admin sees in addition: where and as whom it connects, and the paths. Never key material. */
export interface AdminClusterDto extends ClusterDto {
  host: string | null;
  port: number | null;
  user: string | null;
  auth: 'key' | 'agent' | null;
  privateKeyPath: string | null;
  agentSocket: string | null;
  knownHostsPath: string | null;
  hostFingerprint: string | null;
  jobsRoot: string | null;
  fakeTrainerPath: string | null;
  /** A kubernetes cluster's entry (kubeconfig path, context, namespace…); null for the others. */
  kubernetes: KubernetesSettings | null;
  createdAt: number;
}

export interface PartitionSummary {
  name: string;
  nodes: number;
  isDefault: boolean;
}

/** The answer of `cluster test`: what was reached and what Slurm reports, or why not (no secrets, no key path). */
export type ClusterTestReport =
  | {
      ok: true;
      cluster: string;
      target: string;
      /** SHA256 fingerprint of the host key the server presented (it matched the trusted one). */
      hostKey: string | null;
      partitions: PartitionSummary[];
      nodes: Pick<NodeStatus, 'name' | 'state' | 'gpus' | 'cpus'>[];
      states: Record<string, number>;
      gpus: number;
    }
  | { ok: false; cluster: string; target: string; error: ShellErrorKind | 'slurm' | 'invalid'; message: string };

export type { ClusterInput };
