// The nodes view on the real dev cluster: a running 2-node job of the fake trainer (with its `slow` fault) → the
// endpoint lists the job's nodes as Slurm allocated them and the (fake) nvidia-smi rows gathered by a real
// `srun --overlap` step inside the job's allocation, the throttled GPU flagged; hostile job ids never run.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import type { RunNodes } from '@trainboard/shared/nodes/types';
import { shellQuote } from '@trainboard/shared/slurm/quote';
import { InvalidSubmitSpecError } from '@trainboard/shared/slurm/submit';
import { isTerminalState } from '@trainboard/shared/slurm/types';
import { createApp } from '../../server/src/app.js';
import { createTestAuth, type TestAuth } from '../../server/src/testing/testAuth.js';
import { openDatabase, type OpenDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { registerFollowedFile } from '../../server/src/follow/followedSources.js';
import { createIngestWriter } from '../../server/src/ingest/ingestWriter.js';
import { slurmGpuProbe } from '../../server/src/nodes/gpuProbe.js';
import { createNodesService, type NodesService } from '../../server/src/nodes/nodes.service.js';
import { backend, devCluster, sleep, watchJob } from './cluster.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const runDir = `${c.jobsDir}/nodes-${process.pid}-${Date.now()}`;
const MARKER = `/tmp/trainboard-nodes-pwned-${process.pid}`;
const logger = pino({ level: 'silent' });
let jobId = '';
let conn: OpenDatabase;
let service: NodesService;
let server: Server;
let base: string;

/** A run whose log named a failed node, and whose current job is `schedulerJobId` (state as the database last saw it). */
function addRun(name: string, schedulerJobId: string, log: string): number {
  const source = registerFollowedFile(conn.db, name, `${runDir}/${name}.log`);
  const parser = createLogParser();
  createIngestWriter(conn.sqlite, { runId: source.runId, logSourceId: source.id }, { timeSource: 'arrival' }).commit(
    [...parser.push(Buffer.from(log)), ...parser.end()],
    parser.resumePoint,
  );
  conn.sqlite
    .prepare("INSERT INTO jobs (run_id, scheduler_job_id, state, updated_at) VALUES (?, ?, 'PENDING', 0)")
    .run(source.runId, schedulerJobId);
  return source.runId;
}

let auth: TestAuth;
const nodesOf = async (runId: number): Promise<RunNodes> => {
  const res = await fetch(`${base}/api/runs/${runId}/nodes`, { headers: auth.headers('viewer') });
  expect(res.status).toBe(200);
  return (await res.json()) as RunNodes;
};

beforeAll(async () => {
  await shell.exec(['mkdir', '-p', runDir]);
  const trainer = [
    c.fakeTrainer,
    '--train-iters',
    '100000',
    '--seconds-per-iteration',
    '0.5',
    '--fault',
    'slow',
    '--sync-dir',
    `${runDir}/sync`,
  ];
  ({ jobId } = await slurm.submit({
    // Exclusive, so sinfo says `allocated` (not `mixed`) for the job's nodes, as on a training partition.
    script: `#!/bin/bash\n#SBATCH --exclusive\nsrun --ntasks-per-node=1 python3 ${trainer.map(shellQuote).join(' ')}\n`,
    name: 'nodes-view',
    nodes: 2,
    gpusPerNode: 8,
    output: `${runDir}/%x-%j.out`,
  }));
  const { job } = await watchJob(slurm, jobId, (j) => j.state === 'RUNNING' || isTerminalState(j.state), 90_000);
  if (job.state !== 'RUNNING')
    throw new Error(`the 2-node job did not start: ${job.state} (${job.reason ?? 'no reason'})`);
  conn = openDatabase(':memory:');
  service = createNodesService({
    repos: createRepositories(conn.sqlite),
    backend: slurm,
    gpuProbe: slurmGpuProbe(shell),
    logger,
  });
  auth = createTestAuth(conn);
  server = createApp({ conn, logger, nodes: service, authContext: auth.ctx }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  if (jobId) await slurm.cancel([jobId]).catch(() => undefined);
  await service?.stop();
  server?.close();
  conn?.close();
  await shell.exec(['rm', '-rf', runDir]).catch(() => undefined);
  await shell.close();
});

describe('nodes view on the dev cluster', () => {
  it('lists the running job nodes as allocated, with every GPU from srun --overlap nvidia-smi and the slow one flagged', async () => {
    const runId = addRun('nodes-it', jobId, 'srun: error: Node failure on c9\n');
    let body = await nodesOf(runId);
    // The trainer needs a moment to start: GPUs read busy once its processes run.
    for (
      let t = 0;
      t < 40 &&
      !(body.gpu.state === 'ok' && body.nodes.every((n) => !n.inJob || n.gpus.every((g) => (g.utilPct ?? 0) >= 90)));
      t++
    ) {
      await sleep(250);
      await service.poll();
      body = await nodesOf(runId);
    }
    expect(body.job).toEqual({ jobId, state: 'RUNNING' });
    expect(body.gpu).toMatchObject({ state: 'ok', reason: null, skippedLines: 0 });
    const inJob = body.nodes.filter((n) => n.inJob);
    expect(inJob).toHaveLength(2);
    for (const n of inJob) {
      expect(n.name).toMatch(/^c\d$/);
      expect(n.slurm).toMatchObject({ state: 'allocated', gpus: 8 });
      expect(n.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(
        n.gpus.every((g) => g.name === 'NVIDIA A100-SXM4-80GB' && (g.utilPct ?? 0) >= 90 && g.memTotalMb === 81920),
      ).toBe(true);
    }
    // The fake throttles GPU (job id mod 8) of the job's first node, as `--fault slow` asks.
    const slow = inJob.flatMap((n) =>
      n.gpus.filter((g) => g.slow).map((g) => ({ node: n.name, index: g.index, slow: g.slow })),
    );
    expect(slow).toEqual([
      {
        node: inJob[0]?.name,
        index: Number(jobId) % 8,
        slow: expect.stringMatching(/^SM clock 915 MHz < 90%/) as unknown,
      },
    ]);
    // The node the log named is listed as a suspect; Slurm does not know it.
    expect(body.nodes.at(-1)).toMatchObject({
      name: 'c9',
      inJob: false,
      slurm: null,
      suspect: { kind: 'node_failure', count: 1 },
    });
  });

  it('refuses a hostile job id before anything runs on the cluster', async () => {
    await expect(slurmGpuProbe(shell).sample(`${jobId}; touch ${MARKER}`, 1)).rejects.toBeInstanceOf(
      InvalidSubmitSpecError,
    );
    const runId = addRun('nodes-evil', `${jobId} $(touch ${MARKER})`, '');
    const body = await nodesOf(runId);
    expect(body.gpu).toMatchObject({
      state: 'unavailable',
      reason: expect.stringMatching(/is not a Slurm job id$/) as unknown,
    });
    expect((await shell.exec(['test', '-e', MARKER])).code).toBe(1);
  });
});
