// The KubernetesBackend driven through the real @kubernetes/client-node 1.4.0 against the in-process fake API
// server (testing/fakeKubeApi.ts). No Kubernetes cluster is tested here.
//
// TRAINBOARD_K8S_E2E=1 runs the `contract` tests against a real cluster instead (kind, k3d or a real one): the
// kubeconfig from KUBECONFIG / ~/.kube/config, TRAINBOARD_K8S_CONTEXT (default: current), TRAINBOARD_K8S_NAMESPACE
// (default `default`; it must exist), TRAINBOARD_K8S_E2E_IMAGE (default busybox:1.36). There the jobs really run
// (`sh -c 'sleep; exit'`, no GPUs asked) and the tests wait for the cluster instead of moving the fake's pods.
// The fault tests (429, 410, dropped answers) and the failure states (OOMKilled, eviction) need the fake and are
// skipped then.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { numericJobId, toK8sName } from '@trainboard/shared/k8s/names';
import type { SubmitSpec } from '@trainboard/shared/slurm/submit';
import { ShellError } from '../shell.js';
import { KubeApiError, KubeClient } from './client.js';
import { KubeConfigError, loadKubeConfig, type LoadedKubeConfig } from './kubeConfig.js';
import { ExcludeNeedsResubmitError, KubernetesBackend, KubernetesRequestError } from './kubernetesBackend.js';
import { FakeKubeApi, type Obj } from './testing/fakeKubeApi.js';

const E2E = process.env.TRAINBOARD_K8S_E2E === '1';
const IMAGE = process.env.TRAINBOARD_K8S_E2E_IMAGE ?? 'busybox:1.36';
const NS = E2E ? (process.env.TRAINBOARD_K8S_NAMESPACE ?? 'default') : 'ml';
const RUN = Math.random().toString(36).slice(2, 7);

function manifest(opts: { sleep?: number; exit?: number; kind?: 'Job' | 'PyTorchJob' } = {}): string {
  const command = `["sh", "-c", "sleep ${opts.sleep ?? 3}; exit ${opts.exit ?? 0}"]`;
  if (opts.kind === 'PyTorchJob')
    return `#! test manifest\napiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: { name: x }\nspec:\n  pytorchReplicaSpecs:\n    Master:\n      replicas: 1\n      template: { spec: { containers: [{ name: pytorch, image: "${IMAGE}", command: ${command} }] } }\n`;
  return `#! test manifest\napiVersion: batch/v1\nkind: Job\nmetadata: { name: x }\nspec:\n  template:\n    spec:\n      containers:\n        - name: trainer\n          image: "${IMAGE}"\n          command: ${command}\n`;
}

const spec = (name: string, over: Partial<SubmitSpec> = {}): SubmitSpec => ({
  script: manifest(),
  name: `${name}-${RUN}.tb.abc123.${Math.floor(Math.random() * 1e6)}`,
  comment: 'tb.abc123.1',
  nodes: 2,
  ...over,
});

let fake: FakeKubeApi | null = null;
let dir: string;
let kube: LoadedKubeConfig;
let sleeps: number[] = [];
let backend: KubernetesBackend;
const created: string[] = [];

function writeKubeconfig(server: string): string {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: fake\n  cluster: { server: "${server}", insecure-skip-tls-verify: true }`,
      'users:',
      '- name: tester\n  user: { token: test-token }',
      'contexts:',
      `- name: fake-ctx\n  context: { cluster: fake, user: tester, namespace: ${NS} }`,
      'current-context: fake-ctx',
    ].join('\n'),
  );
  return file;
}

function makeBackend(workload: 'auto' | 'job' | 'pytorchjob' = 'auto'): KubernetesBackend {
  return new KubernetesBackend({
    kube,
    workload,
    client: { pageSize: 2, retry: { sleep: async (ms) => void sleeps.push(ms), requestTimeoutMs: 5_000 } },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tb-k8s-'));
  if (E2E) {
    kube = loadKubeConfig({ context: process.env.TRAINBOARD_K8S_CONTEXT ?? null, namespace: NS });
  } else {
    fake = await FakeKubeApi.start();
    kube = loadKubeConfig({ kubeconfig: writeKubeconfig(fake.url) });
  }
});

afterAll(async () => {
  if (E2E)
    await makeBackend()
      .cancel(created)
      .catch(() => undefined);
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  sleeps = [];
  backend = makeBackend();
  if (fake) fake.servePyTorchJob = false;
});

async function submit(s: SubmitSpec, b = backend): Promise<string> {
  const { jobId } = await b.submit(s);
  created.push(jobId);
  return jobId;
}

/** Polls `read` until `ok` (the fake answers at once; a real cluster takes seconds). */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = E2E ? 120_000 : 2_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, E2E ? 1000 : 20));
  }
}

const state = async (id: string) => (await backend.status([id])).jobs.find((j) => j.jobId === id);

/** Fake: the pods start on these nodes. E2E: the cluster schedules them; wait until running. */
async function started(name: string, nodes = ['gpu-1', 'gpu-2']): Promise<void> {
  if (fake) fake.startJob(NS, toK8sName(name), nodes);
}

/** Fake: every pod ends with `exitCode` and the Job gets its condition. E2E: the command exits by itself. */
function finished(name: string, exitCode: number): void {
  if (!fake) return;
  const obj = toK8sName(name);
  for (const p of fake.list('pods', NS).filter((x) => x.metadata.labels?.['trainboard.io/job'] === obj))
    fake.finishPod(NS, p.metadata.name as string, { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' });
  if (exitCode === 0) fake.setJobCondition(NS, obj, 'Complete', 'CompletionsReached');
  else fake.setJobCondition(NS, obj, 'Failed', 'PodFailurePolicy', 'Container trainer failed');
}

describe('kubeConfig', () => {
  it.skipIf(E2E)('loads the entry file, context and namespace; names the target without credentials', () => {
    expect(kube.namespace).toBe('ml');
    expect(kube.context).toBe('fake-ctx');
    expect(kube.target).toBe(`fake-ctx@${fake?.url}`);
    expect(loadKubeConfig({ kubeconfig: path.join(dir, 'kubeconfig'), namespace: 'other' }).namespace).toBe('other');
  });

  it('refuses an unknown context, a bad namespace, a missing file and the silent localhost:8080 fallback', () => {
    const file = path.join(dir, 'kubeconfig');
    if (!E2E) {
      expect(() => loadKubeConfig({ kubeconfig: file, context: 'nope' })).toThrow(
        /context "nope" is not in the kubeconfig/,
      );
      expect(() => loadKubeConfig({ kubeconfig: file, namespace: '../kube-system' })).toThrow(KubeConfigError);
    }
    expect(() => loadKubeConfig({ kubeconfig: path.join(dir, 'missing') })).toThrow(/cannot read kubeconfig/);
    const empty = mkdtempSync(path.join(tmpdir(), 'tb-k8s-home-'));
    expect(() => loadKubeConfig({}, {}, empty)).toThrow(/not falling back to http:\/\/localhost:8080/);
    rmSync(empty, { recursive: true });
  });

  it.skipIf(E2E)('merges KUBECONFIG=a:b as kubectl does: the first file wins a duplicate name', () => {
    const other = path.join(dir, 'second');
    writeFileSync(
      other,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: { server: "https://elsewhere:6443" }\nusers:\n- name: tester\n  user: { token: other }\ncontexts:\n- name: fake-ctx\n  context: { cluster: fake, user: tester }\n- name: second-only\n  context: { cluster: fake, user: tester, namespace: two }\ncurrent-context: second-only\n`,
    );
    const merged = loadKubeConfig({}, { KUBECONFIG: `${path.join(dir, 'kubeconfig')}:${other}` }, dir);
    expect(merged.context).toBe('fake-ctx');
    expect(merged.target).toBe(`fake-ctx@${fake?.url}`);
    expect(
      loadKubeConfig({ context: 'second-only' }, { KUBECONFIG: `${path.join(dir, 'kubeconfig')}:${other}` }, dir)
        .namespace,
    ).toBe('two');
  });
});

describe('contract (fake, or a real cluster with TRAINBOARD_K8S_E2E=1)', () => {
  it('submits an Indexed Job with its headless Service; status follows it from pending to completed', async () => {
    const s = spec('run');
    const id = await submit(s);
    expect(id).toMatch(/^\d{1,12}$/);
    const obj = toK8sName(s.name as string);
    if (fake) {
      const job = fake.get('jobs', NS, obj) as Obj;
      expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 2, parallelism: 2, suspend: false });
      expect(job.metadata.labels).toMatchObject({ 'trainboard.io/job-id': id, 'trainboard.io/managed': 'true' });
      const svc = fake.get('services', NS, obj) as Obj;
      expect(svc.spec).toMatchObject({ clusterIP: 'None', selector: { 'batch.kubernetes.io/job-name': obj } });
      expect(svc.metadata.ownerReferences[0]).toMatchObject({ kind: 'Job', name: obj, uid: job.metadata.uid });
      expect(await state(id)).toMatchObject({ state: 'PENDING', name: s.name, nodeCount: 2 });
    }
    await started(s.name as string);
    const running = await until(
      () => state(id),
      (j) => j?.state === 'RUNNING' || j?.state === 'COMPLETED',
    );
    if (fake) expect(running).toMatchObject({ state: 'RUNNING', nodes: ['gpu-1', 'gpu-2'], nodeList: 'gpu-1,gpu-2' });
    // A one-node kind cluster runs both pods on the same node.
    const leader = await backend.leaderPod(id);
    expect(leader).toMatchObject({ namespace: NS, container: 'trainer' });
    expect(leader?.pod).toMatch(new RegExp(`^${obj}-0-`));
    expect(await backend.jobNodes(id)).toHaveLength(fake ? 2 : (running?.nodes.length ?? 0));
    finished(s.name as string, 0);
    expect(
      await until(
        () => state(id),
        (j) => j?.state === 'COMPLETED',
      ),
    ).toMatchObject({ state: 'COMPLETED', exitCode: 0 });
  });

  it('a non-zero exit reads FAILED with the exit code', async () => {
    const s = spec('fail', { script: manifest({ exit: 3, sleep: 1 }), nodes: 1 });
    const id = await submit(s);
    await started(s.name as string, ['gpu-1']);
    finished(s.name as string, 3);
    expect(
      await until(
        () => state(id),
        (j) => j?.state === 'FAILED',
      ),
    ).toMatchObject({ state: 'FAILED', exitCode: 3 });
  });

  it('lookupByNames finds jobs by their keyed names; a hostile name is refused', async () => {
    const s = spec('lookup', { nodes: 1 });
    const id = await submit(s);
    const found = await backend.lookupByNames([s.name as string, `never-${RUN}.tb.abc123.9`]);
    expect(found.get(s.name as string)?.map((j) => j.jobId)).toEqual([id]);
    expect(found.get(`never-${RUN}.tb.abc123.9`)).toEqual([]);
    await expect(backend.lookupByNames(['a b) ,x in (y'])).rejects.toThrow(/must be letters, digits/);
  });

  it('hold suspends a pending job (JobHeldUser), release resumes it', async () => {
    const s = spec('hold', { nodes: 1, hold: true });
    const id = await submit(s);
    expect(await state(id)).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
    await backend.release([id]);
    expect(
      await until(
        () => state(id),
        (j) => j?.reason !== 'JobHeldUser',
      ),
    ).not.toMatchObject({ reason: 'JobHeldUser' });
    const s2 = spec('hold2', { nodes: 1 });
    const id2 = await submit(s2);
    if (fake) {
      await backend.hold([id2]);
      expect(await state(id2)).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
      expect(fake.get('jobs', NS, toK8sName(s2.name as string))?.spec.suspend).toBe(true);
    }
  });

  it('updateExclude rewrites the node affinity of a job held since its submission, in place', async () => {
    const s = spec('excl', { nodes: 1, hold: true });
    const id = await submit(s);
    await backend.updateExclude([id], 'gpu-[7-8]');
    if (fake) {
      const job = fake.get('jobs', NS, toK8sName(s.name as string)) as Obj;
      expect(
        job.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms,
      ).toEqual([
        { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['gpu-7', 'gpu-8'] }] },
      ]);
      expect(job.spec.suspend).toBe(true); // it was held: stays held
    }
  });

  it('cancel deletes with Foreground propagation; the job reads CANCELLED, also once it is gone', async () => {
    const s = spec('cancel', { nodes: 1, script: manifest({ sleep: 120 }) }); // still running when cancelled
    const id = await submit(s);
    await started(s.name as string, ['gpu-3']);
    await until(
      () => state(id),
      (j) => j?.state === 'RUNNING',
    );
    await backend.cancel([id]);
    if (fake) {
      const del = fake.requests.find(
        (r) => r.method === 'DELETE' && r.path.endsWith(`/jobs/${toK8sName(s.name as string)}`),
      );
      expect(del?.query.get('propagationPolicy')).toBe('Foreground');
    }
    expect(await state(id)).toMatchObject({ state: 'CANCELLED' });
    const client = new KubeClient(kube.kc, NS);
    const read = () => client.readJob(toK8sName(s.name as string));
    expect(await until(read, (j) => j === null)).toBeNull(); // the Job is gone from the API
    const gone = await backend.status([id]);
    expect(gone.jobs[0]).toMatchObject({ jobId: id, state: 'CANCELLED' });
    expect(gone.missing).toEqual([]);
  });

  it('resubmit rebuilds from the stored manifest with the new name and excludes (not the server object)', async () => {
    const s = spec('resub', { nodes: 1 });
    const id = await submit(s);
    const again = spec('resub2', { nodes: 1, exclude: 'gpu-3' });
    const { script: _s, ...options } = again;
    const { jobId } = await backend.resubmit(id, options);
    created.push(jobId);
    expect(jobId).not.toBe(id);
    if (fake) {
      const job = fake.get('jobs', NS, toK8sName(again.name as string)) as Obj;
      expect(job.metadata.annotations['trainboard.io/name']).toBe(again.name);
      expect(
        job.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
          .matchExpressions[0].values,
      ).toEqual(['gpu-3']);
    }
  });

  it('nodes: conditions, allocatable GPUs, taints and GPU use', async () => {
    if (fake) {
      const node = (name: string, over: Obj = {}) =>
        fake?.put('nodes', {
          metadata: { name, labels: { 'kubernetes.io/hostname': name } },
          spec: over.spec ?? {},
          status: {
            allocatable: { cpu: '95500m', memory: '2103459876Ki', 'nvidia.com/gpu': '8' },
            conditions: [
              {
                type: 'Ready',
                status: over.ready ?? 'True',
                reason: 'KubeletReady',
                message: over.message ?? 'kubelet is posting ready status',
              },
            ],
          },
        });
      node('gpu-1');
      node('gpu-9', { ready: 'Unknown', message: 'Kubelet stopped posting node status.' });
      node('gpu-10', {
        spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] },
      });
    }
    const nodes = await backend.nodes();
    expect(nodes.length).toBeGreaterThan(0);
    if (fake) {
      expect(nodes.find((n) => n.name === 'gpu-9')).toMatchObject({
        state: 'down',
        notResponding: true,
        reason: 'Kubelet stopped posting node status.',
      });
      expect(nodes.find((n) => n.name === 'gpu-10')).toMatchObject({ state: 'drained', gpus: 8 });
      expect(nodes.find((n) => n.name === 'gpu-1')).toMatchObject({ gpus: 8, cpus: 95 });
    }
  });

  it('a chained job (afterany) waits suspended with reason Dependency and starts when the first one ends', async () => {
    const first = spec('chain1', { nodes: 1 });
    const firstId = await submit(first);
    const second = spec('chain2', { nodes: 1, dependency: `afterany:${firstId}` });
    const secondId = await submit(second);
    expect((await backend.status([firstId, secondId])).jobs.find((j) => j.jobId === secondId)).toMatchObject({
      state: 'PENDING',
      reason: 'Dependency',
    });
    await started(first.name as string, ['gpu-1']);
    finished(first.name as string, 1);
    await until(
      () => backend.status([firstId, secondId]),
      (r) => r.jobs.find((j) => j.jobId === secondId)?.reason !== 'Dependency',
    );
    const after = await backend.status([secondId]);
    expect(after.jobs[0]?.reason).not.toBe('Dependency');
    if (fake) expect(fake.get('jobs', NS, toK8sName(second.name as string))?.spec.suspend).toBe(false);
  });
});

describe.skipIf(E2E)('fake only: faults and failure states', () => {
  afterEach(() => {
    if (fake) fake.watch410 = 'event';
  });

  it("env values live only in the job's Secret (owned by the Job, made first); resubmit carries them over", async () => {
    const token = 'hf_TOPSECRET_value';
    const script = manifest().replace(
      '          command:',
      `          env: [{ name: HF_TOKEN, value: "${token}" }, { name: PLAIN, value: "visible-too" }]\n          command:`,
    );
    const s = spec('secret', { nodes: 1, script });
    const before = fake!.requests.length;
    const id = await submit(s);
    const obj = toK8sName(s.name as string);
    const posts = fake!.requests
      .slice(before)
      .filter((r) => r.method === 'POST')
      .map((r) => r.path.split('/').pop());
    expect(posts).toEqual(['secrets', 'services', 'jobs']); // what the pods need exists before they do
    const job = fake!.get('jobs', NS, obj) as Obj;
    for (const text of [JSON.stringify(job), JSON.stringify(fake!.list('pods', NS))]) {
      expect(text).not.toContain(token);
      expect(text).not.toContain('visible-too');
    }
    expect(job.spec.template.spec.containers[0].env[0]).toEqual({
      name: 'HF_TOKEN',
      valueFrom: { secretKeyRef: { name: obj, key: 'HF_TOKEN' } },
    });
    const secret = fake!.get('secrets', NS, obj) as Obj;
    expect(Buffer.from(secret.data.HF_TOKEN, 'base64').toString()).toBe(token);
    expect(secret.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'Job', name: obj, uid: job.metadata.uid, controller: false },
    ]);
    const again = spec('secret2', { nodes: 1 });
    const { script: _s, ...options } = again;
    const { jobId } = await backend.resubmit(id, options);
    created.push(jobId);
    const copy = fake!.get('secrets', NS, toK8sName(again.name as string)) as Obj;
    expect(Buffer.from(copy.data.HF_TOKEN, 'base64').toString()).toBe(token);
    expect(JSON.stringify(fake!.get('jobs', NS, toK8sName(again.name as string)))).not.toContain(token);
    // A Job the API refuses leaves no Secret behind.
    const bad = spec('secret3', { nodes: 1, script });
    fake!.failNext({ method: 'POST', path: /\/jobs$/, code: 400 });
    await expect(backend.submit(bad)).rejects.toBeInstanceOf(KubeApiError);
    expect(fake!.get('secrets', NS, toK8sName(bad.name as string))).toBeUndefined();
    expect(fake!.get('services', NS, toK8sName(bad.name as string))).toBeUndefined();
  });

  it('status of many jobs is one list of jobs and one of pods (pages of 2), not a GET per job', async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => submit(spec(`batch${i}`, { nodes: 1 }))));
    const before = fake!.requests.length;
    const r = await backend.status([...ids, '999999999999']);
    const sent = fake!.requests.slice(before);
    expect(r.jobs.map((j) => j.jobId).sort()).toEqual([...ids].sort());
    expect(r.missing).toEqual(['999999999999']);
    expect(sent.every((q) => q.method === 'GET' && !/\/jobs\/[^/]+$/.test(q.path))).toBe(true);
    const jobLists = sent.filter((q) => q.path.endsWith('/jobs'));
    expect(jobLists.length).toBe(2); // 3 jobs in pages of 2
    expect(jobLists[1]?.query.get('continue')).toBeTruthy();
    expect(jobLists[0]?.query.get('labelSelector')).toBe(
      `trainboard.io/job-id in (${[...ids, '999999999999'].join(',')})`,
    );
  });

  it('429 with Retry-After is waited out, then the call succeeds', async () => {
    fake!.failNext({ method: 'GET', path: /\/jobs$/, code: 429, retryAfter: 1 });
    const id = await submit(spec('r429', { nodes: 1 }));
    expect((await backend.status([id])).jobs).toHaveLength(1);
    expect(sleeps).toEqual([1000]);
  });

  it('a create refused with 429 is retried (nothing was created); one whose answer was lost is adopted through 409', async () => {
    fake!.failNext({ method: 'POST', path: /\/jobs$/, code: 429, retryAfter: 2 });
    const a = spec('c429', { nodes: 1 });
    const id = await submit(a);
    expect(sleeps).toEqual([2000]);
    expect((await backend.status([id])).jobs).toHaveLength(1);
    const b = spec('lost', { nodes: 1 });
    fake!.failNext({ method: 'POST', path: /\/jobs$/, code: 0, apply: true });
    const err = await backend.submit(b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShellError); // uncertain: the control plane looks the key up
    const found = await backend.lookupByNames([b.name as string]);
    expect(found.get(b.name as string)).toHaveLength(1);
    const { jobId } = await backend.submit(b); // the retry meets 409 on the same name and adopts it
    expect(jobId).toBe(found.get(b.name as string)?.[0]?.jobId);
  });

  it('a create still throttled (429) after every retry is uncertain (ShellError), not a refusal', async () => {
    fake!.failNext({ method: 'POST', path: /\/jobs$/, code: 429, retryAfter: 1, times: 5 });
    const err = await backend.submit(spec('throttled', { nodes: 1 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShellError);
    expect(sleeps).toEqual([1000, 1000, 1000, 1000]);
  });

  it('gives up after the bounded retries on 503; 404/422 are definite answers', async () => {
    fake!.failNext({ method: 'GET', path: '/api/v1/nodes', code: 503, times: 5 });
    await expect(backend.nodes()).rejects.toBeInstanceOf(ShellError);
    expect(sleeps).toHaveLength(4);
    await expect(backend.resubmit('424242', { name: 'x.tb.abc123.1' })).rejects.toBeInstanceOf(KubernetesRequestError);
    fake!.put('jobs', {
      metadata: {
        name: 'tb-occupied',
        namespace: NS,
        labels: {},
        annotations: { 'trainboard.io/name': 'someone-else' },
      },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    await expect(backend.submit(spec('x', { name: 'occupied' }))).rejects.toThrow(/belongs to another job/);
    const clash = spec('clash');
    const clashId = numericJobId(toK8sName(clash.name as string));
    fake!.put('jobs', {
      metadata: {
        name: 'tb-other',
        namespace: NS,
        labels: { 'trainboard.io/job-id': clashId },
        annotations: { 'trainboard.io/name': 'other' },
      },
      spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
    });
    await expect(backend.submit(clash)).rejects.toThrow(/job id \d+ is taken by another job/);
  });

  it('updateExclude on a queued job that was never suspended: refused for resubmission, nothing patched', async () => {
    const s = spec('excl2', { nodes: 1 });
    const id = await submit(s);
    fake!.pendJob(NS, toK8sName(s.name as string)); // Pending pods; the controller has set startTime
    expect(fake!.get('jobs', NS, toK8sName(s.name as string))?.status.startTime).toBeTruthy();
    const before = fake!.requests.length;
    const err = await backend.updateExclude([id], 'gpu-5').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExcludeNeedsResubmitError);
    expect((err as ExcludeNeedsResubmitError).needsResubmit).toBe(true);
    expect(fake!.requests.slice(before).filter((r) => r.method === 'PATCH')).toEqual([]);
    // Suspending does not clear startTime: a Job held after it was unsuspended is refused too.
    await backend.hold([id]);
    await expect(backend.updateExclude([id], 'gpu-5')).rejects.toBeInstanceOf(ExcludeNeedsResubmitError);
  });

  it('hold on a queued job whose pods are Pending suspends it (startTime is set, no pod has run)', async () => {
    const s = spec('holdpend', { nodes: 2 });
    const id = await submit(s);
    fake!.pendJob(NS, toK8sName(s.name as string));
    await backend.hold([id]);
    const job = fake!.get('jobs', NS, toK8sName(s.name as string)) as Obj;
    expect(job.spec.suspend).toBe(true);
    expect(job.status.startTime).toBeTruthy();
    expect(await state(id)).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser', startTime: null });
  });

  it('a dependent job stays patchable through the poll that first sees its predecessor end', async () => {
    const first = spec('race1', { nodes: 1 });
    const firstId = await submit(first);
    const second = spec('race2', { nodes: 1, dependency: `afterany:${firstId}` });
    const secondId = await submit(second);
    await started(first.name as string, ['gpu-1']);
    finished(first.name as string, 1);
    const seen = await backend.status([firstId, secondId]); // sees the end: the policy may now exclude gpu-1
    expect(seen.jobs.find((j) => j.jobId === firstId)?.state).toBe('FAILED');
    await backend.updateExclude([secondId], 'gpu-1');
    await backend.status([firstId, secondId]); // resumes it, with the new template
    const job = fake!.get('jobs', NS, toK8sName(second.name as string)) as Obj;
    expect(job.spec.suspend).toBe(false);
    expect(
      job.spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]
        .matchExpressions[0].values,
    ).toEqual(['gpu-1']);
  });

  it('afterok on a failed job, or on a job that cannot be found: stays suspended, DependencyNeverSatisfied', async () => {
    const first = spec('ok1', { nodes: 1 });
    const firstId = await submit(first);
    const second = spec('ok2', { nodes: 1, dependency: `afterok:${firstId}` });
    const secondId = await submit(second);
    const orphan = spec('ok3', { nodes: 1, dependency: 'afterany:987654321' });
    const orphanId = await submit(orphan);
    await started(first.name as string, ['gpu-1']);
    finished(first.name as string, 1);
    for (let i = 0; i < 3; i++) await backend.status([firstId, secondId, orphanId]);
    const r = await backend.status([secondId, orphanId]);
    for (const id of [secondId, orphanId])
      expect(r.jobs.find((j) => j.jobId === id)).toMatchObject({
        state: 'PENDING',
        reason: 'DependencyNeverSatisfied',
      });
    expect(fake!.get('jobs', NS, toK8sName(second.name as string))?.spec.suspend).toBe(true);
    expect(fake!.get('jobs', NS, toK8sName(orphan.name as string))?.spec.suspend).toBe(true);
  });

  it('a Job in Foreground deletion reads CANCELLED though its killed pods made it Failed (any backend)', async () => {
    fake!.foregroundDeleteMs = 300;
    try {
      const s = spec('fgdel', { nodes: 1 });
      const id = await submit(s);
      await started(s.name as string, ['gpu-2']);
      await backend.cancel([id]);
      const job = fake!.get('jobs', NS, toK8sName(s.name as string)) as Obj;
      expect(job.metadata.deletionTimestamp).toBeTruthy();
      expect(job.status.conditions.find((c: Obj) => c.type === 'Failed')?.status).toBe('True');
      expect(await state(id)).toMatchObject({ state: 'CANCELLED' });
      const other = makeBackend(); // no tombstone: a restarted server
      expect((await other.status([id])).jobs[0]).toMatchObject({ state: 'CANCELLED', reason: 'Deleted' });
    } finally {
      fake!.foregroundDeleteMs = 0;
    }
  });

  it("excludes by the nodes' hostname labels, or by node name when listing nodes is forbidden (403)", async () => {
    fake!.put('nodes', {
      metadata: { name: 'node-a.internal', labels: { 'kubernetes.io/hostname': 'host-a' } },
      status: {},
    });
    const s = spec('hostlabel', { nodes: 1, exclude: 'node-a.internal' });
    await submit(s);
    const values = (name: string) =>
      (fake!.get('jobs', NS, toK8sName(name)) as Obj).spec.template.spec.affinity.nodeAffinity
        .requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values;
    expect(values(s.name as string)).toEqual(['host-a']);
    fake!.failNext({ method: 'GET', path: '/api/v1/nodes', code: 403 });
    const t = spec('hostlabel2', { nodes: 1, exclude: 'node-a.internal' });
    await submit(t);
    expect(values(t.name as string)).toEqual(['node-a.internal']);
  });

  it('history: jobs still in the API and the cancelled ones, from "queue", saying what Kubernetes keeps', async () => {
    const a = spec('hist-a', { nodes: 1 });
    const b = spec('hist-b', { nodes: 1 });
    const [ida, idb] = [await submit(a), await submit(b)];
    await started(a.name as string, ['gpu-1']);
    finished(a.name as string, 2);
    await started(b.name as string, ['gpu-2']);
    await backend.cancel([idb]);
    await until(
      () => new KubeClient(kube.kc, NS).readJob(toK8sName(b.name as string)),
      (j) => j === null,
    );
    const h = await backend.history({ jobIds: [ida, idb] });
    expect(h.source).toBe('queue');
    expect(h.note).toMatch(/no job accounting/);
    const byId = new Map(h.records.map((r) => [r.id, r]));
    expect(byId.get(ida)).toMatchObject({ name: a.name, state: 'FAILED', exitCode: 2, nodes: ['gpu-1'] });
    expect(byId.get(idb)).toMatchObject({ name: b.name, state: 'CANCELLED', nodes: ['gpu-2'] });
  });

  it('refuses a started job for hold and updateExclude (the template is immutable once started)', async () => {
    const s = spec('immut', { nodes: 1 });
    const id = await submit(s);
    await started(s.name as string, ['gpu-1']);
    await expect(backend.updateExclude([id], 'gpu-1')).rejects.toBeInstanceOf(ExcludeNeedsResubmitError);
    await expect(backend.hold([id])).rejects.toThrow(/has started/);
  });

  it('OOMKilled → OUT_OF_MEMORY; an evicted pod → NODE_FAIL; the active deadline → TIMEOUT', async () => {
    const oom = spec('oom', { nodes: 2 });
    const oomId = await submit(oom);
    const pods = fake!.startJob(NS, toK8sName(oom.name as string), ['gpu-1', 'gpu-2']);
    fake!.finishPod(NS, pods[1]!.metadata.name as string, { exitCode: 137, reason: 'OOMKilled' });
    fake!.setJobCondition(NS, toK8sName(oom.name as string), 'Failed', 'PodFailurePolicy');
    expect(await state(oomId)).toMatchObject({ state: 'OUT_OF_MEMORY', exitCode: 137, exitSignal: 9 });

    const ev = spec('evict', { nodes: 1 });
    const evId = await submit(ev);
    const [p] = fake!.startJob(NS, toK8sName(ev.name as string), ['gpu-4']);
    fake!.finishPod(NS, p!.metadata.name as string, { exitCode: 137, reason: 'Error', podReason: 'Evicted' });
    fake!.setJobCondition(NS, toK8sName(ev.name as string), 'Failed', 'PodFailurePolicy');
    expect(await state(evId)).toMatchObject({ state: 'NODE_FAIL', reason: 'Evicted', nodes: ['gpu-4'] });

    const to = spec('deadline', { nodes: 1, timeLimit: '0:10:00' });
    const toId = await submit(to);
    const toJob = fake!.get('jobs', NS, toK8sName(to.name as string)) as Obj;
    // The pods' deadline (from their start on a node); the Job's would count from its startTime, queue included.
    expect(toJob.spec.template.spec.activeDeadlineSeconds).toBe(600);
    expect(toJob.spec.activeDeadlineSeconds).toBeUndefined();
    const [tp] = fake!.startJob(NS, toK8sName(to.name as string), ['gpu-5']);
    fake!.finishPod(NS, tp!.metadata.name as string, { exitCode: 137, reason: 'Error', podReason: 'DeadlineExceeded' });
    fake!.setJobCondition(NS, toK8sName(to.name as string), 'Failed', 'PodFailurePolicy');
    expect(await state(toId)).toMatchObject({ state: 'TIMEOUT', timeLimitSeconds: 600 });
  });

  it('a pod deleted by preemption or by the taint manager: its Event says how the job ended and shows on the node', async () => {
    const kubeNode = (name: string) =>
      fake!.put('nodes', {
        metadata: { name, labels: { 'kubernetes.io/hostname': name } },
        status: {
          allocatable: { cpu: '95500m', memory: '2103459876Ki', 'nvidia.com/gpu': '8' },
          conditions: [
            { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
          ],
        },
      });
    for (const n of ['gpu-6', 'gpu-7', 'gpu-8']) kubeNode(n);
    const pre = spec('preempt', { nodes: 2 });
    const preId = await submit(pre);
    const preObj = toK8sName(pre.name as string);
    const [leader, victim] = fake!.startJob(NS, preObj, ['gpu-6', 'gpu-7']) as [Obj, Obj];
    const ev = spec('taint', { nodes: 1 });
    const evId = await submit(ev);
    const evObj = toK8sName(ev.name as string);
    const [tainted] = fake!.startJob(NS, evObj, ['gpu-8']) as [Obj];
    // A round of running jobs reads no events.
    let before = fake!.requests.length;
    expect((await backend.status([preId, evId])).jobs.map((j) => j.state)).toEqual(['RUNNING', 'RUNNING']);
    expect(fake!.requests.slice(before).filter((r) => r.path.endsWith('/events'))).toEqual([]);

    // The scheduler's event on its victim (written through events.k8s.io: the core view has no source, an eventTime
    // and the node in the message), then the victim is deleted; the Job controller kills the other rank and fails.
    const at = new Date().toISOString().replace(/\.\d+Z$/, '.123456Z');
    fake!.put('events', {
      metadata: { name: `${victim.metadata.name as string}.17e3c0d1a2b3c4d5`, namespace: NS },
      involvedObject: {
        kind: 'Pod',
        namespace: NS,
        name: victim.metadata.name,
        uid: victim.metadata.uid,
        apiVersion: 'v1',
      },
      reason: 'Preempted',
      message: 'Preempted by pod 5b0f6c3e-1d2a-4c9b-8e7f-0a1b2c3d4e5f on node gpu-7',
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: at,
      type: 'Normal',
      action: 'Preempting',
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-control-plane',
    });
    fake!.remove('pods', NS, victim.metadata.name as string);
    fake!.finishPod(NS, leader.metadata.name as string, { exitCode: 143, reason: 'Error' });
    fake!.setJobCondition(NS, preObj, 'Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');
    // The taint manager evicts from a NotReady node: its event names no node (the backend saw the pod on gpu-8).
    fake!.put('events', {
      metadata: { name: `${tainted.metadata.name as string}.17e3c0d1a2b3c4d6`, namespace: NS },
      involvedObject: {
        kind: 'Pod',
        namespace: NS,
        name: tainted.metadata.name,
        uid: tainted.metadata.uid,
        apiVersion: 'v1',
      },
      reason: 'TaintManagerEviction',
      message: `Marking for deletion Pod ${NS}/${tainted.metadata.name as string}`,
      source: { component: 'taint-eviction-controller' },
      firstTimestamp: at.replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: at.replace(/\.\d+Z$/, 'Z'),
      count: 1,
      type: 'Normal',
      reportingComponent: 'taint-eviction-controller',
      reportingInstance: '',
    });
    // A node's own event (not a pod's): outside the field selector.
    fake!.put('events', {
      metadata: { name: 'gpu-6.17e3c0d1a2b3c4d7', namespace: NS },
      involvedObject: { kind: 'Node', name: 'gpu-6', uid: 'gpu-6', apiVersion: 'v1' },
      reason: 'OOMKilling',
      message: 'Memory cgroup out of memory: Killed process 4242 (python3)',
      source: { component: 'kernel-monitor', host: 'gpu-6' },
      firstTimestamp: at.replace(/\.\d+Z$/, 'Z'),
      lastTimestamp: at.replace(/\.\d+Z$/, 'Z'),
      count: 1,
      type: 'Warning',
    });
    fake!.remove('pods', NS, tainted.metadata.name as string);
    fake!.setJobCondition(NS, evObj, 'Failed', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit');

    before = fake!.requests.length;
    const report = await backend.status([preId, evId]);
    expect(report.jobs.find((j) => j.jobId === preId)).toMatchObject({
      state: 'PREEMPTED',
      reason: 'Preempted',
      nodes: ['gpu-6', 'gpu-7'], // gpu-7 from the deleted victim's event
    });
    expect(report.jobs.find((j) => j.jobId === evId)).toMatchObject({ state: 'NODE_FAIL', reason: 'Evicted' });
    // One bounded list of the namespace's pod events for the round, not one per pod or job.
    const reads = fake!.requests.slice(before).filter((r) => r.path.endsWith('/events'));
    expect(reads).toHaveLength(1);
    expect(reads[0]?.path).toBe(`/api/v1/namespaces/${NS}/events`);
    expect(reads[0]?.query.get('fieldSelector')).toBe('involvedObject.kind=Pod');
    expect(reads[0]?.query.get('limit')).toBe('500');
    expect(reads[0]?.query.get('continue')).toBeNull();

    const nodes = new Map((await backend.nodes()).map((n) => [n.name, n]));
    expect(nodes.get('gpu-7')?.disruptions).toEqual([
      {
        kind: 'preempted',
        pod: victim.metadata.name,
        message: 'Preempted by pod 5b0f6c3e-1d2a-4c9b-8e7f-0a1b2c3d4e5f on node gpu-7',
        atMs: Date.parse(at),
      },
    ]);
    expect(nodes.get('gpu-8')?.disruptions?.map((d) => [d.kind, d.pod])).toEqual([['evicted', tainted.metadata.name]]);
    expect(nodes.get('gpu-6')).not.toHaveProperty('disruptions');

    // Events forbidden by RBAC: the jobs still read from their pods and objects, the nodes without disruptions.
    fake!.failNext({ method: 'GET', path: /\/events$/, code: 403, times: 2 });
    expect((await backend.status([preId])).jobs[0]?.state).toBe('FAILED');
    expect((await backend.nodes()).find((n) => n.name === 'gpu-7')).not.toHaveProperty('disruptions');
  });

  it('a PyTorchJob manifest is created as one when the CRD is served, refused when not', async () => {
    const s = spec('ptj', { script: manifest({ kind: 'PyTorchJob' }), nodes: 3 });
    await expect(backend.submit(s)).rejects.toThrow(/does not serve kubeflow.org\/v1 PyTorchJob/);
    fake!.servePyTorchJob = true;
    const b = makeBackend();
    expect(await b.preferredWorkload()).toBe('pytorchjob');
    const id = await submit(s, b);
    const ptj = fake!.get('pytorchjobs', NS, toK8sName(s.name as string)) as Obj;
    expect(ptj.spec.pytorchReplicaSpecs.Master.replicas).toBe(1);
    expect(ptj.spec.pytorchReplicaSpecs.Worker.replicas).toBe(2);
    fake!.put('pytorchjobs', {
      ...ptj,
      status: {
        conditions: [
          { type: 'Created', status: 'True' },
          { type: 'Running', status: 'True' },
        ],
      },
    });
    expect((await b.status([id])).jobs[0]).toMatchObject({ jobId: id, state: 'RUNNING', nodeCount: 3 });
    await b.hold([id]);
    expect(fake!.get('pytorchjobs', NS, toK8sName(s.name as string))?.spec.runPolicy.suspend).toBe(true);
    expect(await makeBackend('job').preferredWorkload()).toBe('job');
  });

  it('a cluster that hides kubeflow.org from us (403) is read as not serving PyTorchJob; reads still work', async () => {
    fake!.servePyTorchJob = true;
    fake!.failNext({ path: '/apis/kubeflow.org/v1', code: 403 });
    const b = makeBackend();
    expect(await b.preferredWorkload()).toBe('job');
    const id = await submit(spec('rbac', { nodes: 1 }), b);
    expect((await b.status([id])).jobs.map((j) => j.jobId)).toEqual([id]);
  });

  it('a server that never answers is given up on after the request timeout (client-node sets none)', async () => {
    const quick = new KubernetesBackend({
      kube,
      client: { retry: { attempts: 2, sleep: async () => undefined, requestTimeoutMs: 200 } },
    });
    fake!.failNext({ method: 'GET', path: '/api/v1/nodes', code: -2, times: 2 });
    const t0 = Date.now();
    const err = await quick.nodes().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShellError);
    expect((err as ShellError).kind).toBe('timeout');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('401 is a definite refusal, never retried', async () => {
    const saved = fake!.token;
    fake!.token = 'other';
    await expect(backend.nodes()).rejects.toBeInstanceOf(KubeApiError);
    expect(sleeps).toEqual([]);
    fake!.token = saved;
  });
});

describe.skipIf(E2E)('watch (fake): chunked stream, 410 relist both ways', () => {
  it('delivers the initial list and a split event', async () => {
    fake!.watch410 = 'event';
    const { KubeClient } = await import('./client.js');
    const client = new KubeClient(kube.kc, NS, { pageSize: 2 });
    const seen: string[] = [];
    const label = `watch-${RUN}`;
    const put = (name: string, extra: Obj = {}) =>
      fake!.put('jobs', {
        metadata: { name, namespace: NS, labels: { w: label } },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
        ...extra,
      });
    put('w-a');
    const handle = client.watch('jobs', `w=${label}`, (type, obj) => seen.push(`${type} ${obj.metadata?.name}`), 30);
    await until(
      async () => seen.length,
      (n) => n >= 1,
    );
    put('w-b');
    await until(
      async () => seen.length,
      (n) => n >= 2,
    );
    expect(seen).toEqual(['ADDED w-a', 'ADDED w-b']);
    const watches = fake!.requests.filter((r) => r.query.get('watch') === 'true');
    expect(watches.length).toBeGreaterThan(0);
    for (const w of watches) expect(w.query.get('timeoutSeconds')).toBe('30');
    handle.stop();
    await handle.done;
  });

  for (const mode of ['event', 'http'] as const)
    it(`relists after a 410 (${mode === 'event' ? 'ERROR event in a 200 stream' : 'HTTP 410'})`, async () => {
      fake!.watch410 = mode;
      const { KubeClient } = await import('./client.js');
      const client = new KubeClient(kube.kc, NS, { pageSize: 2, retry: { baseMs: 50 } }); // short pauses
      const seen: string[] = [];
      const label = `relist-${mode}-${RUN}`;
      const put = (name: string) =>
        fake!.put('jobs', {
          metadata: { name, namespace: NS, labels: { w: label } },
          spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
        });
      put(`r-${mode}-a`);
      const handle = client.watch('jobs', `w=${label}`, (type, obj) => seen.push(`${type} ${obj.metadata?.name}`), 30);
      await until(
        async () => seen.length,
        (n) => n >= 1,
      );
      const watches = () => fake!.requests.filter((r) => r.query.get('watch') === 'true').length;
      const before = watches();
      // Another label: not seen, but it moves the resourceVersion past the watch's.
      fake!.put('jobs', {
        metadata: { name: `r-${mode}-unrelated`, namespace: NS, labels: { w: 'none' } },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
      });
      fake!.compact(); // closes the open watch; re-watching from its resourceVersion now meets 410
      await until(
        async () => watches(),
        (n) => n >= before + 2,
        5_000,
      ); // the refused re-watch, then the one after the relist
      put(`r-${mode}-b`);
      await until(
        async () => seen.filter((s) => s.endsWith(`r-${mode}-b`)).length,
        (n) => n >= 1,
        5_000,
      );
      handle.stop();
      await handle.done;
      expect(seen).toContain(`ADDED r-${mode}-b`);
      const relisted = seen.filter((s) => s === `ADDED r-${mode}-a`).length;
      expect(relisted).toBeGreaterThanOrEqual(2); // listed at start, and again after the 410
    });

  it('stops on 401/403 (done says why) instead of re-watching at once; the first refusal is the last request', async () => {
    const { KubeClient } = await import('./client.js');
    const client = new KubeClient(kube.kc, NS, { pageSize: 50 });
    const label = `forbid-${RUN}`;
    const isWatch = (q: URLSearchParams) => q.get('watch') === 'true';
    fake!.failNext({ method: 'GET', path: /\/jobs$/, code: 403, times: 1000, query: isWatch });
    const before = fake!.requests.length;
    const handle = client.watch('jobs', `w=${label}`, () => undefined, 30);
    const err = await Promise.race([handle.done, new Promise((r) => setTimeout(() => r('still running'), 2_000))]);
    handle.stop();
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(403);
    expect(fake!.requests.slice(before).map((r) => (isWatch(r.query) ? 'watch' : 'list'))).toEqual(['list', 'watch']);
    fake!.clearFaults();
  });

  it('backs off after failing lists and watches (the pause grows), so a failing server is not hammered', async () => {
    const { KubeClient } = await import('./client.js');
    const pauses: number[] = [];
    const client = new KubeClient(kube.kc, NS, {
      retry: {
        attempts: 1,
        baseMs: 40,
        capMs: 320,
        sleep: (ms) => new Promise((r) => setTimeout(() => r(void pauses.push(ms)), ms)),
      },
    });
    fake!.failNext({ method: 'GET', path: /\/jobs$/, code: 500, times: 1000 });
    const before = fake!.requests.length;
    const handle = client.watch('jobs', `w=fail-${RUN}`, () => undefined, 30);
    await new Promise((r) => setTimeout(r, 1_000));
    handle.stop();
    fake!.clearFaults();
    expect(await handle.done).toBeNull();
    const sent = fake!.requests.length - before;
    expect(pauses.slice(0, 4)).toEqual([40, 80, 160, 320]);
    expect(sent).toBeLessThanOrEqual(6); // 40+80+160+320 ms of pauses fill the second
    expect(sent).toBeGreaterThanOrEqual(3);
  });
});

describe.skipIf(E2E)('list pagination (fake)', () => {
  it('a continue token that expired (410) restarts the list once from the first page', async () => {
    const label = `pages-${RUN}`;
    for (const n of ['p-a', 'p-b', 'p-c'])
      fake!.put('jobs', {
        metadata: { name: `${n}-${RUN}`, namespace: NS, labels: { w: label } },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
      });
    const client = new KubeClient(kube.kc, NS, { pageSize: 2 });
    const hasContinue = (q: URLSearchParams) => !!q.get('continue');
    fake!.failNext({ method: 'GET', path: /\/jobs$/, code: 410, query: hasContinue });
    const before = fake!.requests.length;
    const jobs = await client.listJobs(`w=${label}`);
    expect(jobs.map((j) => j.metadata?.name)).toEqual([`p-a-${RUN}`, `p-b-${RUN}`, `p-c-${RUN}`]);
    expect(fake!.requests.slice(before).map((r) => hasContinue(r.query))).toEqual([false, true, false, true]);
    fake!.failNext({ method: 'GET', path: /\/jobs$/, code: 410, times: 2, query: hasContinue });
    await expect(client.listJobs(`w=${label}`)).rejects.toMatchObject({ code: 410 });
  });
});
