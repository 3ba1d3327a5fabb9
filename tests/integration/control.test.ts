// The control plane end to end on the real loopback Slurm, with real server processes: runs submitted as keyed
// chains, operator actions with their exact commands in the audit, and crash recovery (kill -9 during sbatch with
// slurmctld frozen, kill -9 mid-chain) that leaves exactly the intended jobs — none twice, none lost.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { keyFromJobName } from '@trainboard/shared/control/idemKey';
import { backend, devCluster, sleep } from './cluster.js';
import { main as cli } from '../../server/src/cli/main.js';
import { apiClient, seedDatabase, startServer, type ServerProcess } from './controlServer.js';

const c = devCluster();
const tag = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'trainboard-control-'));
const dbPath = join(dir, 'trainboard.db');
const { shell } = backend(c);
const FAST = { TRAINBOARD_LEASE_TTL_MS: '5000', TRAINBOARD_SUBMIT_GRACE_MS: '15000' };
let server: ServerProcess;
let token: string;
const api = () => apiClient(() => server.base, token);

interface QueuedJob {
  id: string;
  name: string;
  state: string;
  dependency: string;
  nodes: string[];
  reason: string;
}

/** Every job squeue still knows whose name belongs to `run` (keyed `<run>.tb.<install>.<id>`). */
async function queue(run: string): Promise<QueuedJob[]> {
  const r = await shell.exec(['squeue', '--noheader', '--states=all', '--format=%i|%T|%E|%N|%r|%j']);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', state = '', dependency = '', nodes = '', reason = '', ...name] = line.split('|');
      return {
        id,
        state,
        dependency,
        nodes: expandHostlist(nodes === '' ? null : nodes),
        reason,
        name: name.join('|'),
      };
    })
    .filter((j) => j.name.startsWith(`${run}.tb.`))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

const LIVE = ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED'];
const live = (jobs: QueuedJob[]) => jobs.filter((j) => LIVE.includes(j.state));

async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function submit(name: string, chainLength: number, secondsPerIteration = 0.5): Promise<number> {
  const r = await api().post('/api/runs', {
    cluster: 'dev',
    config: { preset: 'demo' },
    name,
    chainLength,
    fakeSecondsPerIteration: secondsPerIteration,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  runs.push(r.body.runId as number);
  return r.body.runId as number;
}

async function control(runId: number) {
  const r = await api().get(`/api/runs/${runId}/control`);
  expect(r.status).toBe(200);
  return r.body as {
    version: number;
    desiredState: string;
    jobs: { phase: string; state: string; schedulerJobId: string | null; chainSeq: number }[];
  };
}

/**
 * Preview, then request with the preview's version: the operator's path. A job the controller observed between the
 * two moves the run's version (409 run_changed); the operator then reviews the new preview and confirms again, as
 * the dashboard's dialog does — at most twice more. Returns the commands of the preview that was confirmed.
 */
async function act(runId: number, action: Record<string, unknown>): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    const preview = await api().post(`/api/runs/${runId}/actions/preview`, { action });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    const r = await api().post(`/api/runs/${runId}/actions`, { action, expectedVersion: preview.body.version });
    if (r.status === 409 && r.body.code === 'run_changed' && attempt < 3) continue;
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    expect(Object.keys(r.body as object).sort()).toEqual(['actionId', 'version']); // the plan stays server-side
    return preview.body.commands as string[];
  }
}

async function audit(runId: number) {
  const r = await api().get(`/api/audit?run=${runId}&limit=200`);
  expect(r.status).toBe(200);
  return (r.body.entries as { action: string; result: string; command: string | null; actorName: string }[]).reverse();
}

/** Each key on at most one job, and every job keyed. */
function keysOnce(jobs: QueuedJob[]): void {
  const keys = jobs.map((j) => keyFromJobName(j.name));
  expect(keys.every((k) => k !== null)).toBe(true);
  expect(new Set(keys).size).toBe(keys.length);
}

async function cancelAll(runId: number, name: string): Promise<void> {
  await act(runId, { kind: 'cancel_run' });
  await until(`${name} to leave the queue`, async () => (live(await queue(name)).length === 0 ? true : undefined));
}

beforeAll(async () => {
  token = seedDatabase(dbPath, c, `${c.jobsDir}/control-${tag}`);
  server = await startServer(dbPath, FAST);
});

/** Every run this file submitted, so a failed test leaves nothing queued for the next one (or the next engineer). */
async function cleanup(): Promise<void> {
  const mine: string[] = [];
  const r = await shell.exec(['squeue', '--noheader', '--format=%i|%j']);
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [id = '', name = ''] = line.split('|');
    if (name.includes(`-${tag}.tb.`)) mine.push(id);
  }
  if (mine.length) await shell.exec(['scancel', ...mine]);
}

/** Waits until the controller recorded every job of these runs as ended (so it has nothing to watch). */
async function settled(runIds: number[]): Promise<void> {
  for (const runId of runIds) {
    await until(`run ${runId} to settle`, async () =>
      (await control(runId)).jobs.every((j) => j.phase !== 'submitted' || !LIVE.includes(j.state)) ? true : undefined,
    );
  }
}

const runs: number[] = [];

// A failed test must not leave its run active for the next one: stop whatever is still running, as an operator.
afterEach(async () => {
  for (const runId of runs) {
    const state = await api().get(`/api/runs/${runId}/control`);
    if (state.body.desiredState !== 'active' && state.body.desiredState !== 'held') continue;
    const preview = await api().post(`/api/runs/${runId}/actions/preview`, { action: { kind: 'cancel_run' } });
    await api().post(`/api/runs/${runId}/actions`, {
      action: { kind: 'cancel_run' },
      expectedVersion: preview.body.version,
    });
  }
});

afterAll(async () => {
  await cleanup().catch(() => undefined);
  await server?.stop();
  await shell.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the control plane on the loopback Slurm', () => {
  it('submits a 3-job chain from a config: keyed jobs, each afterany the previous; cancel empties the queue', async () => {
    const name = `chain-${tag}`;
    const runId = await submit(name, 3);
    const jobs = await until('3 queued jobs', async () => {
      const q = await queue(name);
      return q.length === 3 ? q : undefined;
    });
    keysOnce(jobs);
    const [a, b, cc] = jobs as [QueuedJob, QueuedJob, QueuedJob];
    expect(a.dependency).toMatch(/^\(null\)$|^$/);
    expect(b.dependency).toMatch(new RegExp(`^afterany:${a.id}\\b`));
    expect(cc.dependency).toMatch(new RegExp(`^afterany:${b.id}\\b`));

    // The server has no TRAINBOARD_SSH_*: the run's log is followed over its own cluster's connection.
    const latest = await until('the first iterations stored from the followed log', async () => {
      const r = await api().get(`/api/runs/${runId}/overview`);
      const iteration = (r.body as { latest: { iteration: number } | null }).latest?.iteration ?? 0;
      return iteration > 0 ? iteration : undefined;
    });
    expect(latest).toBeGreaterThan(0);

    const stale = (await control(runId)).version - 1;
    const refused = await api().post(`/api/runs/${runId}/actions`, {
      action: { kind: 'hold' },
      expectedVersion: stale,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('run_changed');

    const commands = await act(runId, { kind: 'cancel_run' });
    expect(commands).toEqual([`scancel ${a.id} ${b.id} ${cc.id}`]);
    await until('the queue to empty', async () => (live(await queue(name)).length === 0 ? true : undefined));
    expect((await control(runId)).desiredState).toBe('stopped');

    const entries = await audit(runId);
    const submits = entries.filter((e) => e.action === 'job.submit');
    expect(submits.map((e) => e.result)).toEqual(['ok', 'ok', 'ok']);
    expect(submits.every((e) => e.command?.startsWith(`sbatch --parsable --job-name=${name}.tb.`))).toBe(true);
    expect(submits[1]!.command).toContain(`--dependency=afterany:${a.id}`);
    const cancel = entries.filter((e) => e.action === 'run.cancel_run').map((e) => [e.result, e.command]);
    expect(cancel).toEqual([
      ['requested', commands[0]],
      ['ok', commands[0]],
    ]);
    expect(entries.some((e) => e.action === 'run.hold' && e.result === 'refused')).toBe(true);
  });

  it('resubmit excluding the node job 1 ran on runs the new job elsewhere', async () => {
    const name = `excl-${tag}`;
    const runId = await submit(name, 1);
    const first = await until('job 1 to run', async () => (await queue(name)).find((j) => j.state === 'RUNNING'));
    // The preview plans from what the server observed: wait until it saw job 1 running on its nodes.
    await until('the server to observe job 1 running', async () =>
      (await control(runId)).jobs[0]?.state === 'RUNNING' ? true : undefined,
    );
    const bad = first.nodes.join(',');
    const commands = await act(runId, { kind: 'exclude', nodes: bad });
    expect(commands).toContain(`scancel ${first.id}`);
    expect(commands.at(-1)).toContain(`--exclude=${bad}`);
    const second = await until('the new job to run', async () =>
      (await queue(name)).find((j) => j.id !== first.id && j.state === 'RUNNING'),
    );
    expect(second.nodes.length).toBeGreaterThan(0);
    expect(second.nodes.filter((n) => first.nodes.includes(n))).toEqual([]);
    const entries = await audit(runId);
    const excl = entries.filter((e) => e.action === 'run.exclude');
    expect(excl.map((e) => [e.result, e.command])).toEqual([
      ['requested', commands.join('\n')],
      ...commands.slice(0, -1).map((command) => ['ok', command]),
    ]);
    expect(entries.filter((e) => e.action === 'job.submit').at(-1)?.command).toBe(
      commands.at(-1)!.replace(/tb\.000000\.0/g, keyFromJobName(second.name)!),
    );
    await cancelAll(runId, name);
  });

  it('save-and-exit: the job checkpoints, exits on the kill switch and completes; the chain is held', async () => {
    const name = `save-${tag}`;
    const runId = await submit(name, 2, 0.3);
    const logPath = `${c.jobsDir}/control-${tag}/${name}/runs/demo/logs/main/main_log.txt`;
    const readLog = async () => (await shell.exec(['cat', logPath])).stdout;
    await until(
      'a checkpoint in the log',
      async () => (/saved checkpoint/i.test(await readLog()) ? true : undefined),
      90_000,
    );
    const commands = await act(runId, { kind: 'save_exit' });
    expect(commands[0]).toMatch(/^touch -- .*kill-switch$/);
    const [first, second] = await until('job 1 to complete', async () => {
      const q = await queue(name);
      return q[0]?.state === 'COMPLETED' ? q : undefined;
    });
    expect(first!.state).toBe('COMPLETED');
    expect(second!.state).toBe('PENDING');
    expect(second!.reason).toMatch(/Held/);
    const log = await readLog();
    expect(log.lastIndexOf('Detected kill switch')).toBeGreaterThan(log.search(/saved checkpoint/i));
    expect((await control(runId)).desiredState).toBe('held');
    await cancelAll(runId, name);
  });

  it('kill -9 during sbatch (slurmctld frozen): after restart exactly one job carries the run, none twice', async () => {
    const name = `crash-${tag}`;
    const pid = Number(readFileSync(`${c.dir}/run/slurmctld.pid`, 'utf8').trim());
    let runId = 0;
    // With nothing to observe, the next tick goes straight to sbatch, which blocks on the frozen slurmctld.
    await settled([...runs]);
    process.kill(pid, 'SIGSTOP');
    try {
      runId = await submit(name, 1);
      await until('the job row to be submitting', async () =>
        (await control(runId)).jobs[0]?.phase === 'submitting' ? true : undefined,
      );
      await server.kill9();
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    server = await startServer(dbPath, FAST);
    const rows = await until('the submission to be resolved and the chain full', async () => {
      const j = (await control(runId)).jobs;
      return j.some((r) => r.phase === 'submitting') || !j.some((r) => r.phase === 'submitted') ? undefined : j;
    });
    const q = await queue(name);
    keysOnce(q);
    expect(live(q)).toHaveLength(1);
    expect(rows.filter((r) => r.phase === 'submitted').map((r) => r.schedulerJobId)).toEqual(q.map((j) => j.id));
    // Either outcome of the interrupted sbatch is resolved by the key: adopted, or lost (never landed) and replaced.
    const outcome = (await audit(runId)).filter((e) => e.action === 'job.recover' || e.action === 'job.lost');
    expect(outcome).toHaveLength(1);
    if (outcome[0]!.action === 'job.lost') expect(rows.map((r) => r.phase)).toEqual(['lost', 'submitted']);
    else expect(rows.map((r) => r.phase)).toEqual(['submitted']);
    await cancelAll(runId, name);
  });

  it('kill -9 mid-chain: after restart the same three jobs, none twice, none lost', async () => {
    const name = `mid-${tag}`;
    const runId = await submit(name, 3);
    await until('job 1 to run with 2 queued', async () => {
      const q = await queue(name);
      return q.length === 3 && q[0]!.state === 'RUNNING' ? true : undefined;
    });
    const before = (await queue(name)).map((j) => j.id);
    await server.kill9();
    server = await startServer(dbPath, FAST);
    await until('the new server to lead', async () =>
      server.logs.some((l) => l.msg === 'controller lease acquired') ? true : undefined,
    );
    await sleep(4_000); // a few reconcile ticks (1 s each): any duplicate submit would land here
    const after = await queue(name);
    keysOnce(after);
    expect(after.map((j) => j.id)).toEqual(before);
    expect(server.logs.filter((l) => l.msg === 'submitting')).toEqual([]);
    await cancelAll(runId, name);
  });

  it('two servers on one database: only the lease holder submits; the other takes over after the TTL', async () => {
    const name = `two-${tag}`;
    await settled([...runs]);
    const leader = server;
    const other = await startServer(dbPath, FAST);
    try {
      // Submitted through the follower's API: it records the desired state; the leader's loop submits.
      server = other;
      const runId = await submit(name, 1);
      const [job] = await until('the job to be queued', async () => {
        const q = await queue(name);
        return q.length === 1 ? q : undefined;
      });
      const submittedBy = (p: ServerProcess) => p.logs.filter((l) => l.msg === 'submitting' && l.runId === runId);
      expect(submittedBy(leader)).toHaveLength(1);
      expect(submittedBy(other)).toEqual([]);

      await leader.kill9();
      await until('the other server to take the lease', async () =>
        other.logs.some((l) => l.msg === 'controller lease acquired') ? true : undefined,
      );
      await act(runId, { kind: 'cancel_job', jobId: job!.id });
      const replacement = await until('the replacement job', async () =>
        live(await queue(name)).find((j) => j.id !== job!.id),
      );
      expect(submittedBy(other)).toHaveLength(1);
      keysOnce(await queue(name));
      expect(replacement.dependency).toMatch(/^\(null\)$|^$/);
      await cancelAll(runId, name);
    } finally {
      await leader.kill9();
    }
  });

  it('the CLI: submit --dry-run shows the exact commands, submit, run status, run cancel --yes, audit', async () => {
    const name = `cli-${tag}`;
    const out: string[] = [];
    const io = {
      stdout: { write: (t: string) => out.push(t) } as unknown as NodeJS.WritableStream,
      stderr: { write: (t: string) => out.push(t) } as unknown as NodeJS.WritableStream,
    };
    process.env.TRAINBOARD_TOKEN = token;
    const flags = ['--server', server.base];
    try {
      const base = ['--preset', 'demo', '--cluster', 'dev', '--name', name, '--chain', '1', ...flags];
      expect(await cli(['submit', ...base, '--dry-run'], io)).toBe(0);
      expect(out.join('')).toContain(`sbatch --parsable --job-name=${name}.tb.000000.0 --comment=tb.000000.0`);
      expect(await cli(['submit', ...base], io)).toBe(0);
      const runId = Number(/run (\d+) submitted/.exec(out.join(''))![1]);
      const [job] = await until('the job', async () => {
        const q = await queue(name);
        return q.length === 1 ? q : undefined;
      });
      expect(await cli(['run', 'status', String(runId), ...flags], io)).toBe(0);
      expect(out.join('')).toContain(`${job!.id}`);
      expect(await cli(['run', 'cancel', String(runId), '--yes', ...flags], io)).toBe(0);
      expect(out.join('')).toContain(`$ scancel ${job!.id}`);
      await until('the queue to empty', async () => (live(await queue(name)).length === 0 ? true : undefined));
      out.length = 0;
      expect(await cli(['audit', '--run', String(runId), ...flags], io)).toBe(0);
      expect(out.join('')).toMatch(new RegExp(`run.cancel_run +run \\d+ +ok +\\$ scancel ${job!.id}`));
    } finally {
      delete process.env.TRAINBOARD_TOKEN;
    }
  });
});
