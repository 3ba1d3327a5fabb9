// The nodes module against a fake scheduler and GPU probe (the real ones are exercised on the dev cluster in
// tests/integration/nodes.test.ts): what a run's nodes look like, and how rarely the scheduler is asked.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { parseGpuProbe } from '@trainboard/shared/nodes/nvidiaSmi';
import type { RunNodes } from '@trainboard/shared/nodes/types';
import { validateJobIds } from '@trainboard/shared/slurm/submit';
import type { JobStatus, NodeStatus } from '@trainboard/shared/slurm/types';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { createRunsRepo } from '../db/runs.repo.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';
import { errorHandler, notFound } from '../routes/errors.js';
import { plainRouter } from '../testing/plainRouter.js';
import { nodesRouter } from '../routes/nodes.router.js';
import type { GpuProbe } from './gpuProbe.js';
import { createNodesService, type NodesService } from './nodes.service.js';

const logger = pino({ level: 'silent' });
const node = (name: string, state: string, reason: string | null = null): NodeStatus => ({
  name,
  state,
  rawState: state,
  notResponding: false,
  cpus: 4,
  memoryMb: 4000,
  gpus: 8,
  reason,
});
const row = (i: number, clock: number) => `${i}, NVIDIA A100-SXM4-80GB, 97, 70000, 81920, 60, 300.00, ${clock}`;
const GPU_TEXT = [
  '0: node=c1',
  '1: node=c3',
  '0: ' + row(0, 1410),
  '0: ' + row(1, 1410),
  '1: ' + row(0, 1410),
  '1: ' + row(1, 915),
  '0: exit=0',
  '1: exit=0',
].join('\n');

class FakeBackend implements Pick<ClusterBackend, 'nodes' | 'status' | 'jobNodes'> {
  calls = { nodes: 0, status: [] as string[][], jobNodes: 0 };
  cluster = [
    node('c1', 'allocated'),
    node('c2', 'drained', 'GPU ECC errors'),
    node('c3', 'allocated'),
    node('c4', 'idle'),
  ];
  jobs: JobStatus[] = [];
  async nodes() {
    this.calls.nodes++;
    await new Promise((r) => setTimeout(r, 20)); // a round trip, so concurrent requests overlap it
    return this.cluster;
  }
  status(ids: readonly string[]) {
    this.calls.status.push([...ids]);
    return Promise.resolve({ jobs: this.jobs.filter((j) => ids.includes(j.jobId)), missing: [] });
  }
  jobNodes() {
    this.calls.jobNodes++;
    return Promise.resolve([]);
  }
}

class FakeProbe implements GpuProbe {
  calls: [string, number][] = [];
  constructor(public text: string) {}
  sample(jobId: string, nodeCount: number) {
    validateJobIds([jobId]); // as the real probes: a bad id is refused before anything runs
    this.calls.push([jobId, nodeCount]);
    return Promise.resolve({ parse: parseGpuProbe(this.text), exitCode: 0, stderr: '' });
  }
}

const runningJob = (jobId: string, nodes: string[]): JobStatus => ({
  id: jobId,
  jobId,
  arrayJobId: null,
  arrayTaskId: null,
  name: 'tr',
  state: 'RUNNING',
  reason: null,
  nodeList: nodes.join(','),
  nodes,
  partition: 'gpu',
  submitTime: null,
  startTime: null,
  endTime: null,
  elapsedSeconds: 10,
  timeLimitSeconds: null,
  nodeCount: nodes.length,
  exitCode: null,
  exitSignal: null,
});

let conn: OpenDatabase;
let backend: FakeBackend;
let probe: FakeProbe;
let clock: number;
let service: NodesService;
let server: Server;
let base: string;
let runId: number;

function addJob(run: number, jobId: string, state: string, nodeList: string | null): void {
  conn.sqlite
    .prepare('INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, updated_at) VALUES (?, ?, ?, ?, 0)')
    .run(run, jobId, state, nodeList);
}

/** The run's log through the real parser and ingest path: failures carry the nodes the parser found. */
function ingest(run: string, text: string): number {
  const source = registerFollowedFile(conn.db, run, `/logs/${run}.txt`);
  const parser = createLogParser();
  const events = [...parser.push(Buffer.from(text)), ...parser.end()];
  createIngestWriter(
    conn.sqlite,
    { runId: source.runId, logSourceId: source.id },
    { timeSource: 'arrival', now: () => 1_700_000_000_000 },
  ).commit(events, parser.resumePoint);
  return source.runId;
}

async function start(nodes: NodesService | null): Promise<void> {
  const app = express();
  app.use(plainRouter(nodesRouter(createRunsRepo(conn.sqlite), nodes)));
  app.use(notFound);
  app.use(errorHandler(logger));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- error bodies are checked by the assertions
const get = async (path: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(base + path);
  return { status: res.status, body: await res.json() };
};
const nodesOf = async (id: number) => (await get(`/api/runs/${id}/nodes`)).body as RunNodes;

beforeEach(async () => {
  conn = openDatabase(':memory:');
  backend = new FakeBackend();
  probe = new FakeProbe(GPU_TEXT);
  clock = 1_700_000_100_000;
  runId = ingest('tr', 'srun: error: Node failure on c2\n');
  addJob(runId, '41', 'NODE_FAIL', 'c[1-2]');
  addJob(runId, '42', 'RUNNING', 'c1,c3');
  backend.jobs = [runningJob('42', ['c1', 'c3'])];
  service = createNodesService({
    repos: createRepositories(conn.sqlite),
    backend,
    gpuProbe: probe,
    logger,
    now: () => clock,
    pollMs: 60_000,
  });
  await start(service);
});
afterEach(async () => {
  await service.stop();
  server.close();
  conn.close();
});

describe('GET /api/runs/:id/nodes', () => {
  it('lists the current job nodes with Slurm state and GPUs, then the suspect named by a failure', async () => {
    const body = await nodesOf(runId);
    expect(body.job).toEqual({ jobId: '42', state: 'RUNNING' });
    expect(body.nodes.map((n) => [n.name, n.inJob, n.slurm?.state, n.suspect?.kind ?? null, n.gpus.length])).toEqual([
      ['c1', true, 'allocated', null, 2],
      ['c3', true, 'allocated', null, 2],
      ['c2', false, 'drained', 'node_failure', 0],
    ]);
    expect(body.nodes[2]?.slurm?.reason).toBe('GPU ECC errors');
    expect(body.nodes[2]?.suspect).toMatchObject({ message: 'srun: error: Node failure on c2', count: 1 });
    expect(body.nodes[1]?.gpus[1]?.slow).toMatch(/^SM clock 915 MHz/);
    expect(body.nodes[0]?.gpus.every((g) => g.slow === null)).toBe(true);
    expect(body.gpu).toMatchObject({ state: 'ok', reason: null, sampledAtMs: clock, skippedLines: 0 });
    expect(probe.calls).toEqual([['42', 2]]);
  });

  it('asks the scheduler once for many viewers, and again only when the timer polls', async () => {
    await Promise.all(Array.from({ length: 20 }, () => nodesOf(runId)));
    expect(backend.calls.nodes).toBe(1);
    expect(backend.calls.status).toEqual([['42']]);
    for (let i = 0; i < 10; i++) await nodesOf(runId);
    expect(backend.calls.nodes).toBe(1);
    expect(probe.calls).toHaveLength(1);
    backend.cluster = backend.cluster.map((n) => (n.name === 'c3' ? node('c3', 'mixed') : n));
    await service.poll();
    expect(backend.calls.nodes).toBe(2);
    expect((await nodesOf(runId)).nodes[1]?.slurm?.state).toBe('mixed');
  });

  it('polls on a timer only while someone watches the run', async () => {
    const timed = createNodesService({
      repos: createRepositories(conn.sqlite),
      backend,
      gpuProbe: probe,
      logger,
      pollMs: 30,
      watchTtlMs: 200,
    });
    timed.start();
    await timed.forRun(runId);
    await new Promise((r) => setTimeout(r, 150));
    const watched = backend.calls.nodes;
    expect(watched).toBeGreaterThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 300)); // past the watch TTL: polls find no run and skip the scheduler
    const after = backend.calls.nodes;
    await new Promise((r) => setTimeout(r, 150));
    expect(backend.calls.nodes).toBe(after);
    await timed.stop();
  });

  it('says once that nvidia-smi is missing, and does not ask again until the retry delay', async () => {
    probe.text =
      '0: node=c1\n1: node=c3\n0: sh: 1: nvidia-smi: not found\n0: exit=127\n1: sh: 1: nvidia-smi: not found\n1: exit=127';
    expect((await nodesOf(runId)).gpu).toMatchObject({
      state: 'unavailable',
      reason: 'nvidia-smi not found on c1, c3',
    });
    clock += 60_000;
    await service.poll();
    expect(probe.calls).toHaveLength(1);
    expect((await nodesOf(runId)).gpu.reason).toBe('nvidia-smi not found on c1, c3');
    clock += 600_000;
    probe.text = GPU_TEXT;
    await nodesOf(runId); // the viewer still watches: served from the cache, the next poll probes again
    expect(probe.calls).toHaveLength(1);
    await service.poll();
    expect(probe.calls).toHaveLength(2);
    expect((await nodesOf(runId)).gpu.state).toBe('ok');
  });

  it('keeps good GPU rows and counts the skipped ones', async () => {
    probe.text = `${GPU_TEXT}\n0: 2, A100, 97, [N/A], 81920, hot, 300, 1410`;
    const body = await nodesOf(runId);
    expect(body.gpu).toMatchObject({ state: 'ok', skippedLines: 1 });
    expect(body.nodes[0]?.gpus).toHaveLength(2);
  });

  it('never hands a hostile job id to the scheduler or the probe', async () => {
    const evil = ingest('evil', '');
    addJob(evil, '42; touch /tmp/pwned', 'RUNNING', 'c1');
    const body = await nodesOf(evil);
    expect(backend.calls.status.flat()).not.toContain('42; touch /tmp/pwned');
    expect(probe.calls).toEqual([]);
    expect(body.gpu).toMatchObject({
      state: 'unavailable',
      reason: 'job id "42; touch /tmp/pwned" is not a Slurm job id',
    });
    expect(body.nodes.map((n) => n.name)).toEqual(['c1']);
  });

  it('does not probe a job that is not running', async () => {
    const done = ingest('done', '');
    addJob(done, '7', 'COMPLETED', 'c4');
    const body = await nodesOf(done);
    expect(body.gpu).toMatchObject({ state: 'not_running', reason: 'job 7 is COMPLETED' });
    expect(body.nodes.map((n) => [n.name, n.slurm?.state])).toEqual([['c4', 'idle']]);
    expect(probe.calls).toEqual([]);
  });

  it('answers a run without jobs with its suspects only', async () => {
    const none = ingest('none', 'srun: error: Node failure on c4\n');
    const body = await nodesOf(none);
    expect(body.job).toBeNull();
    expect(body.nodes.map((n) => [n.name, n.inJob, n.suspect?.kind])).toEqual([['c4', false, 'node_failure']]);
  });

  it('refuses bad run ids with JSON errors', async () => {
    expect(await get('/api/runs/abc/nodes')).toEqual({
      status: 400,
      body: { code: 'invalid_request', message: 'run id must be a positive integer' },
    });
    expect(await get('/api/runs/999/nodes')).toEqual({
      status: 404,
      body: { code: 'not_found', message: 'run 999 does not exist' },
    });
    expect(backend.calls.nodes).toBe(0);
  });

  it('says when the server has no scheduler', async () => {
    server.close();
    await start(null);
    expect(await get(`/api/runs/${runId}/nodes`)).toMatchObject({ status: 503, body: { code: 'no_scheduler' } });
  });
});

describe('GPU facts for the incident detection (F7)', () => {
  it('polls a watched run nobody views, and tells the listeners each node’s GPUs with the max clock', async () => {
    probe.text = [
      '0: node=c1',
      '1: node=c3',
      '0: 0, A100, 100, 62000, 81920, 89, 250.00, 600, 1410',
      '0: 1, A100, 97, 62000, 81920, 60, 300.00, 1410, 1410',
      '1: 0, A100, 97, 62000, 81920, 61, 300.00, 1395, 1410',
    ].join('\n');
    const got: [number, unknown][] = [];
    const off = service.onGpus((run, facts) => got.push([run, facts]));
    await service.poll();
    expect(probe.calls).toEqual([]); // nobody watches yet: nothing is probed
    service.watch(runId);
    await service.poll();
    expect(probe.calls).toEqual([['42', 2]]);
    expect(got).toEqual([
      [
        runId,
        [
          {
            timeMs: clock,
            jobId: '42',
            node: 'c1',
            gpus: [
              { index: 0, smClockMhz: 600, maxSmClockMhz: 1410, temperatureC: 89, utilizationPct: 100 },
              { index: 1, smClockMhz: 1410, maxSmClockMhz: 1410, temperatureC: 60, utilizationPct: 97 },
            ],
          },
          {
            timeMs: clock,
            jobId: '42',
            node: 'c3',
            gpus: [{ index: 0, smClockMhz: 1395, maxSmClockMhz: 1410, temperatureC: 61, utilizationPct: 97 }],
          },
        ],
      ],
    ]);
    off();
    clock += 70_000; // past the watch TTL: the run is dropped, nobody is told anything
    await service.poll();
    expect(probe.calls).toHaveLength(1);
    expect(got).toHaveLength(1);
  });

  it('tells nothing for a job that is not running', async () => {
    backend.jobs = [{ ...runningJob('42', ['c1', 'c3']), state: 'COMPLETED' }];
    const got: unknown[] = [];
    service.onGpus((_run, facts) => got.push(facts));
    service.watch(runId);
    await service.poll();
    expect(got).toEqual([]);
  });
});
