import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogParser } from '@trainboard/shared/log/parser';
import { createApp } from '../app.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { registerFollowedFile } from '../follow/followedSources.js';
import { createIngestWriter } from '../ingest/ingestWriter.js';
import { targetTokens } from './runDetails.router.js';

const trainer = join(import.meta.dirname, '../../../scripts/fake-trainer/pretrain_gpt.py');
let dir: string;
let conn: OpenDatabase;
let server: Server;
let base: string;
let runId: number;
let auth: TestAuth;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'run-details-'));
  const args = [
    '--nnodes',
    '1',
    '--train-samples',
    '1600',
    '--global-batch-size',
    '16',
    '--seconds-per-iteration',
    '0',
    '--eval-interval',
    '20',
    '--save-interval',
    '25',
    '--save',
    join(dir, 'ckpt'),
    '--load',
    join(dir, 'ckpt'),
    '--valid-groups',
    'valid,valid_fr',
  ];
  let log = '';
  try {
    execFileSync('python3', [trainer, ...args, '--fault', 'crash', '--fault-at-iteration', '60'], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
  } catch (err) {
    log += (err as { stdout: string }).stdout;
  }
  log += execFileSync('python3', [trainer, ...args], { encoding: 'utf8' });
  writeFileSync(join(dir, 'main_log.txt'), log);
  conn = openDatabase(':memory:');
  auth = createTestAuth(conn);
  const source = registerFollowedFile(conn.db, 'details', join(dir, 'main_log.txt'));
  runId = source.runId;
  conn.sqlite
    .prepare(
      `INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, exit_code, submitted_at, started_at, ended_at, updated_at)
    VALUES (?, '7', 'FAILED', 'laptop', 1, ?, ?, ?, 0), (?, '8', 'RUNNING', 'laptop', NULL, ?, ?, NULL, 0)`,
    )
    .run(runId, 1_699_999_000_000, 1_699_999_100_000, 1_700_000_000_000, runId, 1_700_000_000_000, 1_700_000_001_000);
  const parser = createLogParser();
  const events = [...parser.push(readFileSync(join(dir, 'main_log.txt'))), ...parser.end()];
  createIngestWriter(
    conn.sqlite,
    { runId, logSourceId: source.id },
    { timeSource: 'arrival', now: () => 1_700_000_000_000 },
  ).commit(events, parser.resumePoint);
  server = createApp({ conn, logger: pino({ level: 'silent' }), authContext: auth.ctx }).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);
afterAll(() => {
  server.close();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked by the assertions
const get = async (path: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(base + path, { headers: auth.headers('viewer') });
  return { status: res.status, body: await res.json() };
};

describe('run details REST', () => {
  it('summarises every run for the runs list', async () => {
    const { body } = await get('/api/run-summaries');
    expect(body.runs).toEqual([
      expect.objectContaining({
        id: runId,
        name: 'details',
        state: 'running',
        iteration: 100,
        trainIters: 100,
        segmentCount: 2,
      }),
    ]);
    expect(body.runs[0].lmLoss).toBeGreaterThan(0);
  });

  it('gives the header its latest iteration, recent speed, target tokens, last checkpoint and current job', async () => {
    const { body } = await get(`/api/runs/${runId}/overview`);
    expect(body.latest).toMatchObject({ iteration: 100, trainIters: 100, consumedSamples: 1600 });
    expect(body.targetTokens).toBe(1600 * 2048);
    expect(body.lastCheckpoint.iteration).toBe(100);
    expect(body.recentIterationMs).toBeGreaterThan(0);
    expect(body.currentJob).toMatchObject({ jobId: '8', state: 'RUNNING' });
  });

  it('returns the current validation curve of every group', async () => {
    const { body } = await get(`/api/runs/${runId}/validations`);
    expect(Object.keys(body.groups)).toEqual(['valid', 'valid_fr']);
    expect(body.groups.valid.map((p: [number, number]) => p[0])).toEqual([20, 40, 60, 80, 100]);
  });

  it('annotates start, restart, checkpoints, evaluations, the failure and the end', async () => {
    const { body } = await get(`/api/runs/${runId}/annotations`);
    const kinds = new Set(body.annotations.map((a: { kind: string }) => a.kind));
    expect([...kinds].sort()).toEqual(['checkpoint', 'end', 'eval', 'failure', 'restart', 'start']);
    const restart = body.annotations.find((a: { kind: string }) => a.kind === 'restart');
    expect(restart.iteration).toBe(51);
    // The crash is reported by several writers (the exception, the launcher): one mark, by the most specific.
    expect(
      body.annotations.filter((a: { kind: string }) => a.kind === 'failure').map((a: { label: string }) => a.label),
    ).toEqual(['CUDA error']);
  });

  it('gives axis anchors from the first to the last current iteration', async () => {
    const { body } = await get(`/api/runs/${runId}/axis`);
    expect(body.anchors[0]).toEqual([1, 16 * 2048, 1_700_000_000_000]);
    expect(body.anchors.at(-1)[0]).toBe(100);
    expect(body.anchors).toHaveLength(100);
  });

  it('lists jobs and answers 404/400 for unknown or invalid runs', async () => {
    const jobs = (await get(`/api/runs/${runId}/jobs`)).body.jobs as { jobId: string; exitReason: string | null }[];
    expect(jobs.map((j) => j.jobId)).toEqual(['7', '8']);
    // The crash the fake trainer logged at iteration 60 (its last iteration line is 59) explains job 7; job 8 runs.
    expect(jobs.map((j) => j.exitReason)).toEqual(['CUDA error after iteration 59 on localhost', null]);
    expect((await get('/api/runs/999/overview')).status).toBe(404);
    expect((await get('/api/runs/x/annotations')).status).toBe(400);
  });

  it('serves the log by whole lines: the tail, a window around an iteration, a window at an offset', async () => {
    const text = readFileSync(join(dir, 'main_log.txt'), 'utf8');
    const all = text.replace(/\n$/, '').split('\n');
    const tail = (await get(`/api/runs/${runId}/log?length=4096`)).body;
    expect(tail.end).toBe(Buffer.byteLength(text));
    expect(tail.lines.at(-1)).toBe(all.at(-1));
    expect(all.join('\n')).toContain(tail.lines.join('\n'));
    const jump = (await get(`/api/runs/${runId}/log?iteration=60&length=8192`)).body;
    expect(jump.lines[jump.focus]).toMatch(/ iteration\s+60\//);
    const head = (await get(`/api/runs/${runId}/log?offset=0&length=2000`)).body;
    expect(head.lines[0]).toBe(all[0]);
    expect(head.start).toBe(0);
    const next = (await get(`/api/runs/${runId}/log?offset=${head.end}&length=2000`)).body;
    expect(next.lines[0]).toBe(all[head.lines.length]);
  });

  it('refuses a log that is not on this machine and bad queries', async () => {
    const other = registerFollowedFile(conn.db, 'remote', '/nonexistent/cluster/main_log.txt');
    const refused = (await get(`/api/runs/${other.runId}/log`)).body;
    expect(refused.code).toBe('not_readable');
    // The reason (a path, or user@host:port on a cluster) goes to the server log, not to the client.
    expect(JSON.stringify(refused)).not.toContain('/nonexistent');
    expect((await get(`/api/runs/${runId}/log?length=99999999`)).status).toBe(400);
    expect((await get(`/api/runs/${runId}/log?offset=-1`)).status).toBe(400);
  });

  it('reads the target tokens only from numeric arguments', () => {
    expect(targetTokens(JSON.stringify({ args: { train_samples: '220000000', seq_length: '2048' } }))).toBe(
      220_000_000 * 2048,
    );
    expect(targetTokens(JSON.stringify({ args: { train_samples: 'None', seq_length: '2048' } }))).toBeNull();
    expect(targetTokens('not json')).toBeNull();
    expect(targetTokens(null)).toBeNull();
  });
});
