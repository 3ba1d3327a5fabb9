// F9 on the real loopback Slurm with a real server: the node of a 1-node run is crashed (slurmd and every process on
// it killed: scripts/dev-cluster fault crash), which leaves no text in the training log. Slurm marks the node
// not responding, then down, and requeues the job (JobRequeue=1). Trainboard must open a node_failure naming the node
// from Slurm's view alone, and its incident policy must exclude the node: the requeued job cancelled, a replacement
// submitted whose ExcNodeList holds the node (and the config's own exclusions), never running on it. The node is
// restarted whatever happens. Only an idle node with no other job is crashed (other helpers share the cluster).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESETS } from '@trainboard/shared/runconfig/index';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { DEV_CLUSTER, backend, devCluster, sleep } from './cluster.js';
import { apiClient, seedDatabase, startServer, type ServerProcess } from './controlServer.js';

const c = devCluster();
const tag = randomBytes(3).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'trainboard-nodefail-'));
const dbPath = join(dir, 'trainboard.db');
const { shell } = backend(c);
let server: ServerProcess;
let token: string;
let crashed: string | null = null;
let lastAudit: unknown = null;
const api = () => apiClient(() => server.base, token);
const name = `nodefail-${tag}`;

function fault(what: 'crash' | 'restart', node: string): void {
  execFileSync(DEV_CLUSTER, ['fault', what, node], { env: { ...process.env, DEV_CLUSTER_DIR: c.dir }, stdio: 'pipe' });
}

async function until<T>(what: string, read: () => Promise<T | undefined>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

interface QueuedJob {
  id: string;
  state: string;
  nodes: string[];
}

async function queue(): Promise<QueuedJob[]> {
  const r = await shell.exec(['squeue', '--noheader', '--states=all', '--format=%i|%T|%N|%j']);
  return r.stdout
    .split('\n')
    .filter((l) => l.includes(`|${name}.tb.`))
    .map((l) => {
      const [id = '', state = '', nodes = ''] = l.split('|');
      return { id, state, nodes: expandHostlist(nodes === '' ? null : nodes) };
    })
    .sort((a, b) => Number(a.id) - Number(b.id));
}

async function jobsOn(node: string): Promise<string[]> {
  const r = await shell.exec(['squeue', '--noheader', `--nodelist=${node}`, '--format=%i|%j']);
  return r.stdout.split('\n').filter(Boolean);
}

async function idleNodes(): Promise<string[]> {
  const r = await shell.exec(['sinfo', '--noheader', '--Node', `--partition=${c.partition}`, '--format=%N|%T']);
  const idle = new Set(
    r.stdout
      .split('\n')
      .map((l) => l.split('|'))
      .filter(([, s]) => s === 'idle')
      .map(([n]) => n!),
  );
  const out: string[] = [];
  for (const n of [...idle].sort()) if ((await jobsOn(n)).length === 0) out.push(n);
  return out;
}

async function excNodeList(jobId: string): Promise<string[]> {
  const r = await shell.exec(['scontrol', 'show', 'job', jobId]);
  const m = /ExcNodeList=(\S+)/.exec(r.stdout);
  return m && m[1] !== '(null)' ? expandHostlist(m[1]!) : [];
}

interface IncidentRow {
  kind: string;
  severity: string;
  title: string;
  suggestedAction: { kind: string; nodes?: string[] } | null;
  details?: Record<string, unknown>;
}

beforeAll(async () => {
  token = seedDatabase(dbPath, c, `${c.jobsDir}/nodefail-${tag}`);
  server = await startServer(dbPath, { TRAINBOARD_INCIDENT_TICK_MS: '1000' });
});

afterAll(async () => {
  // NODEFAIL_DEBUG=1 prints the last audit and control state seen: a timing failure is otherwise opaque.
  if (process.env.NODEFAIL_DEBUG) console.log(JSON.stringify(lastAudit, null, 1));
  if (crashed) fault('restart', crashed);
  const mine = (await queue()).map((j) => j.id);
  if (mine.length) await shell.exec(['scancel', ...mine]);
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('a node crash seen only by Slurm', () => {
  it('opens a node_failure naming the node; the policy excludes it and the replacement never runs there', async () => {
    // Two free nodes: the run may use both, so the replacement has one to run on once the other is excluded (with
    // every node excluded sbatch refuses the job). Other tests share the cluster: wait for two to be free.
    const idle = await until(
      'two idle nodes without jobs',
      async () => {
        const free = await idleNodes();
        return free.length > 1 ? free : undefined;
      },
      180_000,
    );
    const allowed = idle.slice(0, 2);
    const configExclude = c.nodes.filter((n) => !allowed.includes(n));
    const demo = PRESETS.demo as unknown as { cluster: Record<string, unknown> };
    const config = { ...demo, cluster: { ...demo.cluster, nodes: 1, exclude: configExclude.join(',') || undefined } };
    const r = await api().post('/api/runs', {
      cluster: 'dev',
      config,
      name,
      chainLength: 1,
      fakeSecondsPerIteration: 2,
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const runId = r.body.runId as number;
    // The restart's backoff is not what this test is about: 2 s instead of the default 30 s.
    const policy = (await api().get(`/api/runs/${runId}/recovery-policy`)).body.policy as Record<string, unknown>;
    const put = await api().put(`/api/runs/${runId}/recovery-policy`, { ...policy, backoffBaseSeconds: 2 });
    expect(put.status, JSON.stringify(put.body)).toBe(200);

    const first = await until(
      'the run to be RUNNING',
      async () => (await queue()).find((j) => j.state === 'RUNNING'),
      90_000,
    );
    const node = first.nodes[0]!;
    expect(first.nodes).toHaveLength(1);
    expect(
      (await jobsOn(node)).every((l) => l.includes(`|${name}.tb.`)),
      'another job shares the node',
    ).toBe(true);
    await sleep(3000); // a few iterations logged: the run has started training
    crashed = node;
    fault('crash', node);
    const crashedAt = Date.now();

    const incident = await until(
      'a node_failure incident',
      async () => {
        const res = await api().get(`/api/runs/${runId}/incidents`);
        const list = (res.body.incidents ?? []) as IncidentRow[];
        return list.find((i) => i.kind === 'node_failure');
      },
      90_000,
    );
    // Slurm says "not responding" ~SlurmdTimeout (10 s) + a ping after the crash, "down" ~30 s after: 2 ticks later.
    expect(Date.now() - crashedAt).toBeLessThan(60_000);
    expect(incident).toMatchObject({ severity: 'critical', details: { source: 'slurm', jobId: first.id } });
    expect(incident.suggestedAction).toMatchObject({ kind: 'exclude_and_resubmit', nodes: [node] });
    expect(incident.title).toContain(node);

    const submitted = await until(
      'the policy’s exclude and resubmission in the audit',
      async () => {
        const a = await api().get(`/api/audit?run=${runId}&limit=200`);
        const entries = a.body.entries as { action: string; actorName: string; command: string | null }[];
        lastAudit = { entries, control: (await api().get(`/api/runs/${runId}/control`)).body };
        const policy = entries.filter((e) => e.actorName === 'incident policy');
        const excluded = policy.some(
          (e) => e.action === 'run.exclude' && (e.command ?? '').includes(`scancel ${first.id}`),
        );
        return excluded ? policy.find((e) => e.action === 'job.submit') : undefined;
      },
      120_000, // the policy's backoff (2 s here) unless the failed job is queued again: then at once
    );
    const excludeArg = /--exclude=(\S+)/.exec(submitted.command ?? '')?.[1] ?? null;
    expect(expandHostlist(excludeArg).sort()).toEqual([...configExclude, node].sort());

    const replacement = await until(
      'the replacement job',
      async () => (await queue()).find((j) => j.id !== first.id && j.state !== 'CANCELLED'),
      60_000,
    );
    // The config's exclusions survive the first exclusion (the sbatch line's --exclude replaces the script's).
    expect((await excNodeList(replacement.id)).sort()).toEqual([...configExclude, node].sort());
    // The failed job ends (the policy's scancel, or Slurm's NODE_FAIL once the node is declared down).
    const ended = async () => {
      const old = (await queue()).find((j) => j.id === first.id);
      return old === undefined || ['CANCELLED', 'NODE_FAIL', 'COMPLETED'].includes(old.state) ? true : undefined;
    };
    expect(await until('the failed job to end', ended, 60_000)).toBe(true);
    // Bring the node back: the replacement must still never be placed on it.
    fault('restart', node);
    crashed = null;
    for (let i = 0; i < 10; i++) {
      const now = (await queue()).find((j) => j.id === replacement.id);
      expect(now?.nodes ?? []).not.toContain(node);
      await sleep(1000);
    }
  }, 540_000);
});
