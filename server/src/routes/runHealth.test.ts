// The run's health as the overview and the runs list serve it, over logs where every job appends to one main log:
// each job's end comes from its own log segment (the templates' start marker), never from the job before it.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { createApp } from '../app.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';

// Iterations report 10 min each: the run's freshness window is then 30 min (the ceiling), far longer than the test.
const iteration = (n: number) =>
  ` iteration ${String(n).padStart(8)}/     100 | consumed samples: ${String(n * 16).padStart(12)} | ` +
  'elapsed time per iteration (ms): 600000.0 | learning rate: 6.000E-05 | global batch size:    16 | ' +
  'lm loss: 4.500000E+00 | grad norm: 1.500 |\n';
const iterations = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => iteration(from + i)).join('');
const saved = (n: number) => `  successfully saved checkpoint at iteration ${String(n).padStart(7)} to /ckpt\n`;
const cudaCrash = [
  'Traceback (most recent call last):',
  '  File "pretrain_gpt.py", line 222, in <module>',
  'RuntimeError: CUDA error: an illegal memory access was encountered',
  'srun: error: c3: task 0: Exited with exit code 1',
  '',
].join('\n');
const marker = (id: string) => `TRAINBOARD JOB START id=${id} nodes=c[3-4] time=1765000000\n`;

interface JobSpec {
  id: string;
  state: string;
  exitCode?: number | null;
  startedAt: number | null;
  endedAt?: number | null;
  reason?: string | null;
}

let conn: OpenDatabase;
let server: Server;
let base: string;
let auth: TestAuth;
const NOW = Date.now();
const runIds: Record<string, number> = {};

/** A followed run whose log is `text`, ingested as it arrived now, with these Slurm jobs. */
function addRun(name: string, text: string, jobs: JobSpec[]): void {
  const source = registerFollowedFile(conn.db, name, `/cluster/${name}/main_log.txt`, NOW);
  runIds[name] = source.runId;
  const insert = conn.sqlite.prepare(`INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, exit_code,
    submitted_at, started_at, ended_at, reason, updated_at) VALUES (?, ?, ?, 'c[3-4]', ?, ?, ?, ?, ?, 0)`);
  for (const j of jobs)
    insert.run(
      source.runId,
      j.id,
      j.state,
      j.exitCode ?? null,
      NOW - 3_600_000,
      j.startedAt,
      j.endedAt ?? null,
      j.reason ?? null,
    );
  const parser = createLogParser();
  const events = [...parser.push(new TextEncoder().encode(text)), ...parser.end()];
  createIngestWriter(
    conn.sqlite,
    { runId: source.runId, logSourceId: source.id },
    { timeSource: 'arrival', now: () => NOW },
  ).commit(events, parser.resumePoint, text.length);
}

beforeAll(async () => {
  conn = openDatabase(':memory:');
  auth = createTestAuth(conn);
  const crashLog = (id: string) => marker(id) + iterations(1, 5) + saved(4) + iterations(6, 7) + cudaCrash;
  const before = NOW - 120_000;
  addRun('crashed', crashLog('11'), [
    { id: '11', state: 'FAILED', exitCode: 1, startedAt: before, endedAt: NOW - 60_000 },
  ]);
  addRun('resubmitted', crashLog('21'), [
    { id: '21', state: 'FAILED', exitCode: 1, startedAt: before, endedAt: NOW - 60_000 },
    { id: '22', state: 'PENDING', startedAt: null, reason: 'resubmit' },
  ]);
  // Job 31 crashed; job 32 resumed from iteration 4 and trains; job 33 waits behind it in the chain.
  addRun('healthy', crashLog('31') + marker('32') + iterations(5, 9), [
    { id: '31', state: 'FAILED', exitCode: 1, startedAt: before, endedAt: NOW - 60_000 },
    { id: '32', state: 'RUNNING', startedAt: NOW - 30_000, reason: 'resubmit' },
    { id: '33', state: 'PENDING', startedAt: null, reason: 'chain' },
  ]);
  // The reported bug: job 42 COMPLETED with exit 0 after job 41's CUDA error.
  addRun('completed', crashLog('41') + marker('42') + iterations(5, 9), [
    { id: '41', state: 'FAILED', exitCode: 1, startedAt: before, endedAt: NOW - 60_000 },
    { id: '42', state: 'COMPLETED', exitCode: 0, startedAt: NOW - 50_000, endedAt: NOW - 1_000, reason: 'resubmit' },
  ]);
  server = createApp({ conn, logger: pino({ level: 'silent' }), authContext: auth.ctx }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => {
  server.close();
  conn.close();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
const get = async (path: string): Promise<any> => {
  const res = await fetch(base + path, { headers: auth.headers('viewer') });
  expect(res.status).toBe(200);
  return res.json();
};

describe('run health over REST', () => {
  it('overview: a crash with nothing after it is crashed, with the failure, node, iteration and work lost', async () => {
    const o = await get(`/api/runs/${runIds.crashed}/overview`);
    expect(o.health).toMatchObject({
      state: 'crashed',
      severity: 'critical',
      headline: 'Crashed: CUDA error on c3 after iteration 7',
      node: 'c3',
      lastIteration: 7,
      lostIterations: 3,
    });
    expect(o.healthInputs).toMatchObject({
      connection: null,
      latestIteration: { iteration: 7 },
      lastCheckpointIteration: 4,
      medianIterationMs: 600_000,
      lastLineMs: NOW,
    });
    expect(o.healthInputs.jobs).toEqual([
      expect.objectContaining({ jobId: '11', end: expect.objectContaining({ text: 'CUDA error', failed: true }) }),
    ]);
  });

  it('overview: the same crash with a job Trainboard resubmitted is resubmitted, and says so', async () => {
    const o = await get(`/api/runs/${runIds.resubmitted}/overview`);
    expect(o.health.state).toBe('resubmitted');
    expect(o.health.headline).toBe('Crashed: CUDA error on c3 after iteration 7 — resubmitted as job 22');
    expect(o.health.didWhat).toBe('submitted job 22 to resume from iteration 4 (queued)');
    expect(o.currentJob).toMatchObject({ jobId: '22', state: 'PENDING' });
  });

  it('overview: once the new job trains the run is healthy, and the current job is the running one', async () => {
    const o = await get(`/api/runs/${runIds.healthy}/overview`);
    expect(o.health).toMatchObject({ state: 'healthy', node: 'c[3-4]', lastIteration: 9, freshnessMs: 1_800_000 });
    expect(o.currentJob).toMatchObject({ jobId: '32', state: 'RUNNING', end: null });
    expect(o.healthInputs.jobs.map((j: { end: { text: string } | null }) => j.end?.text ?? null)).toEqual([
      'CUDA error',
      null,
      null,
    ]);
  });

  it("jobs: a job that COMPLETED after a crashed one ends 'completed', not with the other job's CUDA error", async () => {
    const { jobs } = await get(`/api/runs/${runIds.completed}/jobs`);
    expect(jobs.map((j: { exitReason: string }) => j.exitReason)).toEqual([
      'CUDA error after iteration 7 on c3',
      'completed',
    ]);
    expect(jobs[1].end).toEqual({
      kind: null,
      text: 'completed',
      node: null,
      iteration: null,
      failed: false,
      source: 'slurm',
    });
  });

  it('summaries: every run carries its health', async () => {
    const { runs } = await get('/api/run-summaries');
    const byName = Object.fromEntries(
      runs.map((r: { name: string; health: { state: string } }) => [r.name, r.health.state]),
    );
    expect(byName).toEqual({
      crashed: 'crashed',
      resubmitted: 'resubmitted',
      healthy: 'healthy',
      completed: 'stopped',
    });
  });
});
