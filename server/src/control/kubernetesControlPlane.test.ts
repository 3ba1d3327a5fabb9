// Issue 13, item 2: chains and recovery work on Kubernetes as on Slurm, with nothing Kubernetes-specific above the
// backend. The real server stack (startServerStack: the composition root main.ts uses) on a temporary SQLite file,
// with a `kubernetes` cluster added over the API whose kubeconfig points at the in-process fake API server
// (fakeKubeApi.ts, with the fake kubelet log endpoint of fakeLogServer.ts mounted on it). Runs are submitted through
// POST /api/runs like any other; the test then plays the Job controller and kubelet (pods Running, the leader
// container's log = the fake trainer's real Megatron-DeepSpeed output) and reads what the dashboard reads.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '@trainboard/shared/auth/roles';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import { demo } from '@trainboard/shared/runconfig/presets';
import type { FakeKubeApi, Obj } from '../adapters/kubernetes/testing/fakeKubeApi.js';
import type { FakeContainerLog, FakeLogServer } from '../adapters/kubernetes/testing/fakeLogServer.js';
import {
  KUBE_NS as NS,
  endJob as endKubeJob,
  jobsOf as kubeJobsOf,
  kubeClusterEntry,
  kubeletClock,
  putReadyNode,
  startKubeFixture,
  startPods as startKubePods,
  trainerOutput as fakeTrainerOutput,
  type KubeFixture,
} from '../adapters/kubernetes/testing/kubeStack.js';
import { startServerStack, type ServerStack } from '../stack.js';
import { createTestAuth, type TestAuth } from '../testing/testAuth.js';

let dir: string;
let fixture: KubeFixture;
let kube: FakeKubeApi;
let logs: FakeLogServer;
let stack: ServerStack;
let auth: TestAuth;

/** The fake trainer's real output (banner, iterations, saves, the tr11 CUDA crash), one run per call. */
const trainerOutput = (name: string, extra: string[] = []) => fakeTrainerOutput(dir, name, extra);
const { append } = kubeletClock();

async function until<T>(what: string, get: () => T | Promise<T>, ms = 15_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 40));
  }
}

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function api(method: string, path: string, role: Role, body?: unknown): Promise<Answer> {
  const res = await fetch(new URL(path, stack.url), {
    method,
    headers: { ...auth.headers(role), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

const jobsOf = (run: string): Obj[] => kubeJobsOf(kube, run);
const startPods = (job: Obj, nodes?: string[]): FakeContainerLog => startKubePods(fixture, job, nodes);
const endJob = (job: Obj, log: FakeContainerLog, exitCode: number, reason: string) =>
  endKubeJob(kube, job, log, exitCode, reason);

/** The kill-switch path in a Job's node script (as rendered: a shell word, single-quoted when it needs it). */
/** The node script the trainer container of a Job runs (an element of its command or args). */
function nodeScriptOf(job: Obj): string {
  const c = job.spec.template.spec.containers[0] as Obj;
  return String([...(c.command ?? []), ...(c.args ?? [])].find((a: string) => a.includes('KILL_SWITCH_PATH=')));
}

function switchOf(job: Obj): string {
  const script = nodeScriptOf(job);
  const word = /^ *KILL_SWITCH_PATH=(.*)$/m.exec(script)?.[1] ?? '';
  return word.startsWith("'") ? word.slice(1, -1) : word;
}

/** Every stored iteration row of the run, as the dashboard's export gives them. */
async function exported(runId: number): Promise<{ iteration: number; segment: number; isCurrent: boolean }[]> {
  const r = await api('GET', `/api/runs/${runId}/export.json`, 'viewer');
  expect(r.status).toBe(200);
  return r.body.iterations;
}

/** An operator's action on the run at its current version (asked again when the controller bumped it meanwhile). */
async function act(runId: number, action: Record<string, unknown>): Promise<Answer> {
  for (let i = 0; ; i++) {
    const control = await api('GET', `/api/runs/${runId}/control`, 'operator');
    const r = await api('POST', `/api/runs/${runId}/actions`, 'operator', {
      action,
      expectedVersion: control.body.version,
    });
    if (r.status !== 409 || i === 10) return r;
  }
}

async function submit(name: string, chainLength: number, exclude?: string): Promise<number> {
  const config = { ...demo, cluster: { ...demo.cluster, ...(exclude ? { exclude } : {}) } };
  const r = await api('POST', '/api/runs', 'operator', { cluster: 'kube', config, chainLength, name });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.runId as number;
}

/** The server as main.ts composes it, on the test's database file (a restart opens the same file again). */
function startStack(): Promise<ServerStack> {
  return startServerStack({
    dbPath: join(dir, 'db', 'trainboard.db'),
    logger: pino({ level: 'silent' }),
    scanMs: 50,
    pollMs: 20,
    podLogPollMs: 50,
    // Long: nothing here may depend on the incident tick (it also asks status(), which once resumed chains).
    incidentTickMs: 60_000,
    control: { tickMs: 150, graceMs: 5_000 },
    // The test polls the API while it waits (the edge's per-client limit is not what it is about).
    edge: { apiLimitPerMinute: 100_000 },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tb-k8s-control-'));
  fixture = await startKubeFixture(dir);
  ({ kube, logs } = fixture);
  mkdirSync(join(dir, 'db'));
  stack = await startStack();
  auth = createTestAuth(stack.authContext);
  const added = await api('POST', '/api/clusters', 'admin', kubeClusterEntry(fixture.kubeconfig));
  expect(added.status, JSON.stringify(added.body)).toBe(201);
});

afterAll(async () => {
  await stack?.stop();
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a Kubernetes run through the same control plane', () => {
  it('follows the leader log exactly once across a dropped stream; a crash is restarted from the checkpoint as a new Job and segment', async () => {
    const crashed = trainerOutput('a-1', ['--fault', 'crash', '--fault-at-iteration', '13']);
    const resumed = trainerOutput('a-2');
    const runId = await submit('k8s-a', 1, 'gpu-9');
    const policy = { ...DEFAULT_RECOVERY_POLICY, backoffBaseSeconds: 1 };
    expect((await api('PUT', `/api/runs/${runId}/recovery-policy`, 'operator', policy)).status).toBe(200);

    const first = await until('the first Job', () => jobsOf('k8s-a')[0]);
    const log = startPods(first);
    const firstIterations = crashed.filter((l) => / iteration +\d+\//.test(l));
    const cut = crashed.indexOf(firstIterations[5] as string);
    append(log, crashed.slice(0, cut));
    await until('six iterations stored', async () => (await exported(runId)).length >= 5);
    // The API server cuts the follow mid-line; the follower resumes with sinceTime and drops the overlap.
    logs.dropActiveAfterBytes(70);
    append(log, crashed.slice(cut));
    await until('every iteration of the first job', async () => (await exported(runId)).length === 12);
    endJob(first, log, 1, 'Error');

    // The crash opens an incident; the failure policy restarts after its 1 s backoff: a new Job, same manifest.
    const second = await until('the restarted Job', () => jobsOf('k8s-a')[1], 20_000);
    const incidents = await api('GET', `/api/runs/${runId}/incidents`, 'viewer');
    expect(JSON.stringify(incidents.body)).toContain('crash');
    const podSpec = (j: Obj) => j.spec.template.spec;
    // The same manifest: only the per-submission object name and job id differ.
    const generic = (j: Obj) =>
      JSON.stringify(podSpec(j).containers)
        .split(j.metadata.name as string)
        .join('<job>')
        .split(j.metadata.labels['trainboard.io/job-id'] as string)
        .join('<id>');
    expect(generic(second)).toEqual(generic(first));
    expect(podSpec(second).containers[0].image).toBe('ghcr.io/example/trainer:1');
    expect(podSpec(second).affinity).toEqual(podSpec(first).affinity);
    expect(JSON.stringify(podSpec(second).affinity)).toContain('gpu-9');
    expect(second.spec.suspend).toBeFalsy();

    const log2 = startPods(second);
    append(log2, resumed);
    await until('the resumed job up to iteration 30', async () =>
      (await exported(runId)).some((r) => r.iteration === 30 && r.isCurrent),
    );
    const rows = await exported(runId);
    // Exactly once: iterations 1–12 of the first segment, 11–30 of the second (11 and 12 redone, superseded).
    const seg = (s: number) => rows.filter((r) => r.segment === s).map((r) => r.iteration);
    const segments = [...new Set(rows.map((r) => r.segment))].sort();
    expect(segments).toHaveLength(2);
    expect(seg(segments[0] as number)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(seg(segments[1] as number)).toEqual(Array.from({ length: 20 }, (_, i) => i + 11));
    expect(rows.filter((r) => r.isCurrent).map((r) => r.iteration)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    const series = await api('GET', `/api/runs/${runId}/series?fields=lmLoss`, 'viewer');
    expect(series.status).toBe(200);
    // The chart's series: the current rows only, iterations 1–30 once each, with the losses the trainer printed.
    const loss = series.body.series.lmLoss as { points: [number, number][]; sampled: boolean; count: number };
    expect(loss.sampled).toBe(false);
    expect(loss.points.map(([it]) => it)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const printed = resumed.find((l) => / iteration +30\//.test(l))?.match(/lm loss: ([0-9.E+-]+)/)?.[1];
    expect(loss.points.at(-1)?.[1]).toBeCloseTo(Number(printed), 6);

    // The audit names what was done in Kubernetes terms, never an sbatch line it did not run.
    const audit = await api('GET', `/api/audit?run=${runId}&limit=100`, 'operator');
    const commands = JSON.stringify(audit.body);
    expect(commands).toContain(`create Job ${NS}/${first.metadata.name as string}`);
    expect(commands).toContain(`create Job ${NS}/${second.metadata.name as string}`);
    expect(commands).toContain(`create Job ${NS}/<named when submitted>, excluding gpu-9`); // the requested plan
    expect(commands).not.toMatch(/sbatch |scancel |scontrol /);
    const actions = (audit.body.entries as { action: string }[]).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['recovery.wait', 'recovery.restart', 'run.resubmit']));
    // The drop was real: the first leader log was asked again from the last line's second.
    const asked = logs.requests.filter((r) => r.pod.startsWith(first.metadata.name as string));
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(asked.slice(1).every((r) => r.query.get('sinceTime') !== null)).toBe(true);
  }, 40_000);

  it('keeps a chain of 2 (the next Job created suspended, resumed when the first ends); cancel deletes the Jobs (Foreground)', async () => {
    const part1 = trainerOutput('b-1', ['--exit-interval', '10']);
    const part2 = trainerOutput('b-2');
    const runId = await submit('k8s-b', 2);
    const [j1, j2] = (await until('two Jobs', () => {
      const jobs = jobsOf('k8s-b');
      return jobs.length === 2 ? jobs : null;
    })) as [Obj, Obj];
    expect(j1.spec.suspend).toBeFalsy();
    expect(j2.spec.suspend).toBe(true);
    expect(j2.metadata.annotations['trainboard.io/dependency']).toBe(
      `afterany:${j1.metadata.labels['trainboard.io/job-id'] as string}`,
    );
    const log1 = startPods(j1);
    append(log1, part1);
    await until('the first job’s ten iterations', async () => (await exported(runId)).length === 10);
    endJob(j1, log1, 0, 'Completed');

    // The backend resumes the waiting Job once the first ended (afterany); the chain is refilled behind it.
    await until(
      'the second Job resumed',
      () => kube.get('jobs', NS, j2.metadata.name as string)?.spec.suspend === false,
    );
    const j3 = await until('a third Job queued behind the second', () => jobsOf('k8s-b')[2]);
    expect(j3.spec.suspend).toBe(true);
    expect(j3.metadata.annotations['trainboard.io/dependency']).toBe(
      `afterany:${j2.metadata.labels['trainboard.io/job-id'] as string}`,
    );
    const log2 = startPods(kube.get('jobs', NS, j2.metadata.name as string) as Obj);
    append(log2, part2.slice(0, 60));
    await until('the second job’s log as a new segment', async () => {
      const rows = await exported(runId);
      return new Set(rows.map((r) => r.segment)).size === 2 && rows.some((r) => r.iteration === 12);
    });

    kube.foregroundDeleteMs = 60_000; // keep the deleted objects in sight (deletionTimestamp) for the assertion
    const cancel = await act(runId, { kind: 'cancel_run' });
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(202);
    for (const j of [j2, j3]) {
      const gone = await until(`${j.metadata.name as string} deleted`, () =>
        kube.get('jobs', NS, j.metadata.name as string)?.metadata.deletionTimestamp
          ? kube.get('jobs', NS, j.metadata.name as string)
          : null,
      );
      expect(gone?.metadata.finalizers).toContain('foregroundDeletion');
    }
    expect(kube.get('jobs', NS, j1.metadata.name as string)?.metadata.deletionTimestamp).toBeUndefined();
    const audit = await api('GET', `/api/audit?run=${runId}&limit=100`, 'operator');
    const text = JSON.stringify(audit.body);
    expect(text).toMatch(/delete jobs \d+, \d+ in ml \(propagation Foreground\)/);
    expect(text).not.toMatch(/sbatch |scancel |scontrol /);
    await until(
      'the run stopped',
      async () => (await api('GET', `/api/runs/${runId}/control`, 'operator')).body.desiredState === 'stopped',
    );
  }, 40_000);

  it('saves and exits through an exec into the leader pod; the next job removes the switch at its start', async () => {
    const runId = await submit('k8s-c', 2);
    const [j1, j2] = (await until('two Jobs', () => {
      const jobs = jobsOf('k8s-c');
      return jobs.length === 2 ? jobs : null;
    })) as [Obj, Obj];
    const log = startPods(j1);
    append(log, trainerOutput('c-1').slice(0, 40));
    await until('the job running', async () =>
      (await api('GET', `/api/runs/${runId}/control`, 'operator')).body.jobs?.some(
        (j: { state: string }) => j.state === 'RUNNING',
      ),
    );
    // Relative in the config, so relative to the pod's working directory: the run folder on the shared volume.
    const workDir = j1.spec.template.spec.containers[0].workingDir as string;
    expect(workDir).toBe('/scratch/k8s-c');
    const killSwitch = posix.resolve(workDir, switchOf(j1));
    const before = kube.exec.calls.length;
    const r = await act(runId, { kind: 'save_exit' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    const [call] = await until('the exec', () =>
      kube.exec.calls.length > before ? kube.exec.calls.slice(before) : null,
    );
    const leader = kube
      .list('pods', NS)
      .find(
        (p) =>
          p.metadata.labels?.['job-name'] === j1.metadata.name &&
          p.metadata.labels?.['batch.kubernetes.io/job-completion-index'] === '0',
      );
    expect(call).toEqual({
      namespace: NS,
      pod: leader?.metadata.name,
      container: 'trainer',
      command: ['touch', '--', killSwitch],
      protocol: 'v4.channel.k8s.io',
    });
    await until(
      'the run held',
      async () => (await api('GET', `/api/runs/${runId}/control`, 'operator')).body.desiredState === 'held',
    );
    // The queued job of the chain is held (suspended) as on Slurm.
    await until(
      'the queued Job held',
      () => kube.get('jobs', NS, j2.metadata.name as string)?.metadata.annotations?.['trainboard.io/held'] === 'user',
    );
    const id1 = j1.metadata.labels['trainboard.io/job-id'] as string;
    let text = JSON.stringify((await api('GET', `/api/audit?run=${runId}&limit=100`, 'operator')).body);
    expect(text).toContain(`exec touch -- ${killSwitch} in job ${id1}'s leader pod (ml)`);
    expect(text).not.toMatch(/sbatch |scancel |scontrol /);

    // The trainer saw the switch, saved and exited; the release continues the chain with nothing to remove.
    endJob(j1, log, 0, 'Completed');
    const rel = await act(runId, { kind: 'release' });
    expect(rel.status, JSON.stringify(rel.body)).toBe(202);
    await until(
      'the queued Job resumed',
      () => kube.get('jobs', NS, j2.metadata.name as string)?.spec.suspend === false,
    );
    text = JSON.stringify((await api('GET', `/api/audit?run=${runId}&limit=100`, 'operator')).body);
    expect(text).toContain(`nothing to remove now: the next job's start removes ${killSwitch} (its node script)`);
    expect(text).toContain("skipped: the next job's start removes the kill switch");
    expect(text).not.toMatch(/sbatch |scancel |scontrol |rm -f/);
    expect(kube.exec.calls.length).toBe(before + 1);
    // The resumed job's leader removes the switch before it launches the trainer.
    const j2now = kube.get('jobs', NS, j2.metadata.name as string) as Obj;
    expect(posix.resolve(j2now.spec.template.spec.containers[0].workingDir as string, switchOf(j2now))).toBe(
      killSwitch,
    );
    const script = nodeScriptOf(j2now);
    const rm = script.indexOf(
      'if [[ "$NODE_RANK" == 0 && -n "$KILL_SWITCH_PATH" ]]; then rm -f -- "$KILL_SWITCH_PATH"; fi',
    );
    const launch = script.indexOf('python3 -u "$FAKE_TRAINER"');
    expect(rm).toBeGreaterThan(script.indexOf('KILL_SWITCH_PATH='));
    expect(launch).toBeGreaterThan(rm);
    const viewer = await api('GET', `/api/runs/${runId}/log`, 'viewer');
    // The log viewer reads files: a Kubernetes run has none (never this machine's file at the run's path).
    expect(viewer.status).toBe(404);
    expect(viewer.body.message).toMatch(/has no log file/);
  }, 40_000);

  it('shows the run’s nodes from the API’s Node objects, with no Slurm GPU probe', async () => {
    for (const name of ['gpu-1', 'gpu-2']) putReadyNode(kube, name);
    const runId = await submit('k8s-nodes', 1);
    const job = await until('the Job', () => jobsOf('k8s-nodes')[0]);
    startPods(job);
    const body = await until('the job’s nodes', async () => {
      const r = await api('GET', `/api/runs/${runId}/nodes`, 'viewer');
      expect(r.status).toBe(200);
      return JSON.stringify(r.body).includes('gpu-2') ? JSON.stringify(r.body) : null;
    });
    expect(body).toContain('gpu-1');
    expect(body).not.toMatch(/srun|no shell/);
    // Node health from the API (Ready, allocatable GPUs); GPU metrics are said to be unavailable, not an error.
    expect(body).toContain('"gpus":8');
    expect(body).toContain("offers no way to query the nodes' GPUs");
    expect(body).toContain('"error":null');
  });
});

// The same hostile values as the Slurm tests (tests/integration/hostileControl.test.ts), through the API for a
// kubernetes cluster: refused by a pattern, or mapped to a valid DNS-1123 name; never a crash, never a Job.
const INJECTIONS = [
  'c1;touch /tmp/tb-canary',
  '$(touch /tmp/tb-canary)',
  '`touch /tmp/tb-canary`',
  "c1'; touch /tmp/tb-canary; '",
  'c1\ntouch /tmp/tb-canary',
  'nœud-1',
  '--exclude=c1',
  'c1 && touch /tmp/tb-canary',
  '../../etc/passwd',
  'x'.repeat(300),
];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('cancelling on Kubernetes', () => {
  const runState = (runId: number) =>
    (stack.conn.sqlite.prepare('SELECT state FROM runs WHERE id = ?').get(runId) as { state: string }).state;

  it('keeps following the running Job when the queued Job behind it is cancelled before it ran', async () => {
    const out = trainerOutput('queued-1');
    const runId = await submit('k8s-queued', 2);
    const [j1] = (await until('two Jobs', () => {
      const jobs = jobsOf('k8s-queued');
      return jobs.length === 2 ? jobs : null;
    })) as [Obj, Obj];
    const log1 = startPods(j1);
    const cut = out.findIndex((l) => l.includes('iteration       12/'));
    append(log1, out.slice(0, cut));
    await until('the first iterations', async () => (await exported(runId)).length === 11);
    const control = await api('GET', `/api/runs/${runId}/control`, 'operator');
    const queued = (control.body.jobs as { schedulerJobId: string | null; state: string }[]).find(
      (j) => j.schedulerJobId !== null && j.state !== 'RUNNING',
    );
    expect(queued, JSON.stringify(control.body.jobs)).toBeDefined();
    const r = await act(runId, { kind: 'cancel_job', jobId: queued?.schedulerJobId });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await until('the queued job seen cancelled', async () =>
      ((await api('GET', `/api/runs/${runId}/control`, 'operator')).body.jobs as { state: string }[]).some(
        (j) => j.state === 'CANCELLED',
      ),
    );
    await new Promise((res) => setTimeout(res, 1_000)); // a few controller ticks and follow scans
    // The queued Job never ran: it has no log source, and the running Job's log is still read to its end.
    const sources = stack.conn.sqlite.prepare('SELECT path FROM log_sources WHERE run_id = ?').all(runId);
    expect(sources).toHaveLength(1);
    append(log1, out.slice(cut));
    await until('the rest of the running Job’s log', async () => (await exported(runId)).length === 30);
    expect(runState(runId)).toBe('running');
  }, 40_000);

  it('a cancelled run stays cancelled while its deleted Job is still seen running', async () => {
    const out = trainerOutput('stopped-1');
    const runId = await submit('k8s-cancelled', 2);
    const [j1] = (await until('two Jobs', () => {
      const jobs = jobsOf('k8s-cancelled');
      return jobs.length === 2 ? jobs : null;
    })) as [Obj, Obj];
    kube.foregroundDeleteMs = 60_000; // the deleted Job stays in sight (its pods still running) for a while
    const log1 = startPods(j1);
    append(log1, out.slice(0, 80));
    await until('the first iterations', async () => (await exported(runId)).length >= 3);
    const r = await act(runId, { kind: 'cancel_run' });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    await until('the run cancelled', () => runState(runId) === 'cancelled');
    await new Promise((res) => setTimeout(res, 2_000)); // many controller ticks (150 ms) see the Job still running
    expect(runState(runId)).toBe('cancelled');
    await until('no follower left on the run', () => !stack.manager.followers().some((f) => f.runId === runId));
  }, 40_000);
});

describe('hostile input on a kubernetes cluster', () => {
  const clusterInput = {
    kind: 'kubernetes',
    workload: 'job',
    image: 'ghcr.io/example/trainer:1',
    template: 'fake-trainer',
    fakeTrainerPath: '/opt/fake/pretrain_gpt.py',
  };

  it('refuses hostile cluster names and kubernetes settings with a 400, adding nothing', async () => {
    const cases: Record<string, unknown>[] = [
      ...[...INJECTIONS, 'UPPER', 'local'].map((name) => ({ name })),
      ...INJECTIONS.map((namespace) => ({ name: 'k1', namespace })),
      ...INJECTIONS.map((context) => ({ name: 'k2', context })),
      // A long image reference is syntactically an image (not an injection): only the shell-like values here.
      ...INJECTIONS.slice(0, -1).map((image) => ({ name: 'k3', image })),
      ...INJECTIONS.map((volumeClaim) => ({ name: 'k4', volumeClaim, mountPath: '/scratch' })),
      ...INJECTIONS.map((mountPath) => ({ name: 'k5', volumeClaim: 'scratch', mountPath })),
      ...INJECTIONS.map((kubeconfig) => ({ name: 'k6', kubeconfig })),
      { name: 'k7', workload: 'slurm' },
    ];
    for (const c of cases) {
      const r = await api('POST', '/api/clusters', 'admin', { ...clusterInput, ...c });
      expect(r.status, JSON.stringify(c)).toBe(400);
      expect(JSON.stringify(r.body)).not.toContain('test-token');
    }
    const listed = await api('GET', '/api/clusters', 'admin');
    expect((listed.body.clusters as { name: string }[]).map((c) => c.name)).toEqual(['kube']);
  });

  it('refuses hostile run names; maps Slurm-style names to DNS-1123 Job names', async () => {
    const before = kube.list('jobs', NS).length;
    for (const name of [...INJECTIONS, '', '.hidden', 'a'.repeat(41)]) {
      const r = await api('POST', '/api/runs', 'operator', { cluster: 'kube', config: { preset: 'demo' }, name });
      expect(r.status, name).toBe(400);
    }
    expect(kube.list('jobs', NS).length).toBe(before);
    for (const name of ['Hostile_Name.V2', `R_${'Z.'.repeat(19)}`]) {
      await submit(name, 1);
      const job = await until(`the Job of ${name}`, () => jobsOf(name)[0]);
      const objectName = job.metadata.name as string;
      expect(objectName.length).toBeLessThanOrEqual(63);
      expect(objectName).toMatch(DNS_LABEL);
      expect(job.metadata.annotations['trainboard.io/name']).toMatch(
        new RegExp(`^${name.replace(/\./g, '\\.')}\\.tb\\.`),
      );
    }
  });

  it('refuses hostile or non-DNS excluded node names at submit and in the exclude action; accepts a hostlist', async () => {
    const before = kube.list('jobs', NS).length;
    for (const exclude of [...INJECTIONS, 'GPU_1', 'gpu..1']) {
      const config = { ...demo, cluster: { ...demo.cluster, exclude } };
      const r = await api('POST', '/api/runs', 'operator', { cluster: 'kube', config, chainLength: 1, name: 'k8s-x' });
      expect([400, 422], `${exclude}: ${r.status} ${JSON.stringify(r.body)}`).toContain(r.status);
    }
    expect(kube.list('jobs', NS).length).toBe(before);
    const refused = await api('POST', '/api/runs', 'operator', {
      cluster: 'kube',
      config: { ...demo, cluster: { ...demo.cluster, exclude: 'GPU_1' } },
      name: 'k8s-x',
    });
    expect(refused.body.message).toMatch(/DNS-1123/);

    const runId = await submit('k8s-hostlist', 1, 'gpu[1-3],gpu-9');
    const job = await until('the Job', () => jobsOf('k8s-hostlist')[0]);
    const excluded = JSON.stringify(job.spec.template.spec.affinity);
    for (const n of ['gpu1', 'gpu2', 'gpu3', 'gpu-9']) expect(excluded).toContain(`"${n}"`);
    for (const nodes of INJECTIONS) {
      const r = await act(runId, { kind: 'exclude', nodes });
      // The schema's hostlist pattern (400), or this cluster's node-name rule (422, said in words).
      expect([400, 422], nodes).toContain(r.status);
    }
    const notDns = await act(runId, { kind: 'exclude', nodes: 'GPU_1' });
    expect(notDns.status).toBe(422);
    expect(notDns.body.message).toMatch(/cannot exclude these nodes.*DNS-1123/);
    expect((await api('GET', '/api/health', 'viewer')).status).toBe(200);
  });
});

describe('a server restart during a Kubernetes run', () => {
  it('goes on from the stored cursor and the controller’s rows: every line once, the same Job, no resubmission', async () => {
    const lines = trainerOutput('r-1');
    const runId = await submit('k8s-r', 1);
    const job = await until('the Job', () => jobsOf('k8s-r')[0]);
    const log = startPods(job);
    const half = lines.indexOf(lines.filter((l) => / iteration +\d+\//.test(l))[9] as string) + 1;
    append(log, lines.slice(0, half));
    await until('ten iterations', async () => (await exported(runId)).length === 10);
    await stack.stop();
    append(log, lines.slice(half)); // written while no server was watching
    stack = await startStack();
    auth = createTestAuth(stack.authContext);
    await until('all thirty iterations', async () => (await exported(runId)).length === 30, 20_000);
    const rows = await exported(runId);
    expect(rows.map((r) => r.iteration)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(new Set(rows.map((r) => r.segment)).size).toBe(1);
    expect(jobsOf('k8s-r')).toHaveLength(1);
  }, 40_000);
});
