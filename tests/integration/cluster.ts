// Access to the real dev cluster started by `scripts/dev-cluster up` (Slurm 22.05 + sshd on 127.0.0.1).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SlurmBackend } from '../../server/src/adapters/slurmBackend.js';
import { SshShell, type SshShellOptions } from '../../server/src/adapters/sshShell.js';
import type { JobStatus } from '@trainboard/shared/slurm/types';
import type { NewCluster } from '../../server/src/db/clusters.repo.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
export const DEV_CLUSTER = `${REPO}/scripts/dev-cluster`;
const DIR = process.env.DEV_CLUSTER_DIR ?? `${REPO}/.dev-cluster`;

export interface DevCluster {
  dir: string;
  ssh: {
    host: string;
    port: number;
    user: string;
    privateKeyPath: string;
    knownHostsPath: string;
    hostFingerprint: string;
  };
  slurmConf: string;
  jobsDir: string;
  nodes: string[];
  partition: string;
  /** `jobcomp` (no database, the default) or `slurmdbd` (DEV_CLUSTER_ACCOUNTING=slurmdbd). */
  accounting: 'jobcomp' | 'slurmdbd';
  /** The fake trainer, copied where the test user can run it. */
  fakeTrainer: string;
}

/** The cluster description `up` wrote; fails with the command to run when the cluster is not up. */
export function devCluster(): DevCluster {
  const file = `${DIR}/cluster.json`;
  if (!existsSync(file)) throw new Error(`the dev cluster is not up (no ${file}): run scripts/dev-cluster up`);
  return JSON.parse(readFileSync(file, 'utf8')) as DevCluster;
}

/** The dev cluster as a `clusters` row named `dev` (what `trainboard cluster add dev …` stores), jobs under `jobsRoot`. */
export function devClusterRow(c: DevCluster, jobsRoot: string): NewCluster {
  return {
    name: 'dev',
    kind: 'slurm',
    host: c.ssh.host,
    port: c.ssh.port,
    sshUser: c.ssh.user,
    auth: 'key',
    privateKeyPath: c.ssh.privateKeyPath,
    knownHostsPath: c.ssh.knownHostsPath,
    jobsRoot,
  };
}

export function sshOptions(c: DevCluster, overrides: Partial<SshShellOptions> = {}): SshShellOptions {
  return {
    host: c.ssh.host,
    port: c.ssh.port,
    username: c.ssh.user,
    privateKeyPath: c.ssh.privateKeyPath,
    knownHostsPath: c.ssh.knownHostsPath,
    connectTimeoutMs: 5_000,
    commandTimeoutMs: 30_000,
    ...overrides,
  };
}

export function backend(c = devCluster()): { shell: SshShell; slurm: SlurmBackend } {
  const shell = new SshShell(sshOptions(c));
  return { shell, slurm: new SlurmBackend(shell) };
}

/** Runs the dev-cluster script (fault injection). */
export function devClusterCommand(...args: string[]): string {
  return execFileSync('bash', [DEV_CLUSTER, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls a job until `done(job)` holds, recording every state it passed through (so PENDING → RUNNING → COMPLETED
 * can be asserted).
 */
export async function watchJob(
  slurm: SlurmBackend,
  id: string,
  done: (j: JobStatus) => boolean,
  timeoutMs = 60_000,
): Promise<{ job: JobStatus; states: string[] }> {
  const states: string[] = [];
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { jobs } = await slurm.status([id]);
    const job = jobs.find((j) => j.id === id || j.jobId === id);
    if (job && states.at(-1) !== job.state) states.push(job.state);
    if (job && done(job)) return { job, states };
    if (Date.now() > end)
      throw new Error(
        `job ${id} still ${job?.state ?? 'unknown'} after ${timeoutMs} ms (states: ${states.join(' → ')})`,
      );
    await sleep(250);
  }
}
