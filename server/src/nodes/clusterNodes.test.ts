// Runs on the database's clusters get their own cluster's nodes (through that cluster's connection); runs without a
// cluster, and runs on this machine's executor, keep the environment's scheduler; with neither, the route says 503.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { JobStatus, NodeStatus } from '@trainboard/shared/slurm/types';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import type { Shell } from '../adapters/shell.js';
import { slurmGpuProbe } from './gpuProbe.js';
import type { ClusterHandle, ClusterRow } from '../clusters/types.js';
import { openDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { findOrCreateRun } from '../db/runs.repo.js';
import { createClusterNodes, NoSchedulerError } from './clusterNodes.js';
import { createNodesService } from './nodes.service.js';

const logger = pino({ level: 'silent' });
const node = (name: string): NodeStatus => ({
  name,
  state: 'allocated',
  rawState: 'allocated',
  notResponding: false,
  cpus: 4,
  memoryMb: 4000,
  gpus: 8,
  reason: null,
});
const running = (jobId: string, nodes: string[]): JobStatus =>
  ({ jobId, state: 'RUNNING', nodeList: nodes.join(','), nodes, reason: null }) as unknown as JobStatus;

/** A cluster whose one job runs on `nodes`; its shell answers the GPU probe with nothing (no nvidia-smi). */
function cluster(kind: ClusterRow['kind'], nodes: string[]): ClusterHandle {
  const shell = { exec: async () => ({ code: 127, stdout: '', stderr: 'nvidia-smi: not found' }) } as unknown as Shell;
  const backend = {
    nodes: async () => nodes.map(node),
    status: async () => ({ jobs: [running('7', nodes)], missing: [] }),
    jobNodes: async () => nodes,
    ...(kind === 'slurm' ? { gpuProbe: () => slurmGpuProbe(shell) } : {}),
  } as Partial<ClusterBackend> as ClusterBackend;
  return { row: { kind } as ClusterRow, backend, shell, files: null as never, close: async () => {} };
}

function setup(fallbackNodes: string[] | null) {
  const conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const runs = ['on-a', 'on-b', 'on-local', 'loose'].map((name) => findOrCreateRun(conn.db, name).id);
  for (const id of runs)
    conn.sqlite
      .prepare(
        "INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, updated_at) VALUES (?, '7', 'RUNNING', NULL, 0)",
      )
      .run(id);
  const handles: Record<number, ClusterHandle> = {
    1: cluster('slurm', ['a1', 'a2']),
    2: cluster('slurm', ['b1']),
    3: cluster('local', ['localhost']),
  };
  const clusterOf: Record<number, number> = { [runs[0]!]: 1, [runs[1]!]: 2, [runs[2]!]: 3 };
  const fallback = fallbackNodes
    ? createNodesService({ repos, backend: cluster('slurm', fallbackNodes).backend, gpuProbe: null, logger })
    : null;
  const nodes = createClusterNodes({
    repos,
    logger,
    clusterOfRun: (runId) => clusterOf[runId] ?? null,
    handleOf: (id) => {
      const h = handles[id];
      if (!h) throw new Error(`cluster ${id} is gone`);
      return h;
    },
    fallback,
  });
  return { conn, nodes, runs, handles };
}

const names = (r: { nodes: { name: string }[] }) => r.nodes.map((n) => n.name).sort();

describe('the nodes of runs on several clusters', () => {
  it('asks each run’s own cluster; the environment’s scheduler serves the rest and the local executor', async () => {
    const { conn, nodes, runs } = setup(['env1']);
    try {
      expect(names(await nodes.forRun(runs[0]!))).toEqual(['a1', 'a2']);
      expect(names(await nodes.forRun(runs[1]!))).toEqual(['b1']);
      expect(names(await nodes.forRun(runs[2]!))).toEqual(['env1']);
      expect(names(await nodes.forRun(runs[3]!))).toEqual(['env1']);
    } finally {
      await nodes.stop();
      conn.close();
    }
  });

  it('without an environment scheduler: a cluster run still gets its nodes, a loose run cannot (503)', async () => {
    const { conn, nodes, runs } = setup(null);
    try {
      expect(names(await nodes.forRun(runs[0]!))).toEqual(['a1', 'a2']);
      await expect(nodes.forRun(runs[3]!)).rejects.toBeInstanceOf(NoSchedulerError);
    } finally {
      await nodes.stop();
      conn.close();
    }
  });

  it('never answers from another cluster: an unreachable cluster is 503, a changed row gets a new connection', async () => {
    const { conn, nodes, runs, handles } = setup(['env1']);
    try {
      expect(names(await nodes.forRun(runs[0]!))).toEqual(['a1', 'a2']);
      handles[1] = cluster('slurm', ['a9']);
      expect(names(await nodes.forRun(runs[0]!))).toEqual(['a9']);
      delete handles[1];
      await expect(nodes.forRun(runs[0]!)).rejects.toBeInstanceOf(NoSchedulerError);
    } finally {
      await nodes.stop();
      conn.close();
    }
  });
});
