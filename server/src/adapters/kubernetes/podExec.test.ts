// The kill switch on Kubernetes: the real @kubernetes/client-node 1.4.0 Exec (WebSocket, channel protocol) against
// the fake API server's exec subresource (testing/fakeExec.ts), then KubernetesBackend.touchInJob on top of it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SubmitSpec } from '@trainboard/shared/slurm/submit';
import { ShellError } from '../shell.js';
import { loadKubeConfig, type LoadedKubeConfig } from './kubeConfig.js';
import { KubernetesBackend, KubernetesRequestError } from './kubernetesBackend.js';
import { execInPod, PodExecError } from './podExec.js';
import { FakeKubeApi, type Obj } from './testing/fakeKubeApi.js';

const NS = 'ml';
let fake: FakeKubeApi;
let dir: string;
let kube: LoadedKubeConfig;

const MANIFEST =
  '#! test manifest\napiVersion: batch/v1\nkind: Job\nmetadata: { name: x }\nspec:\n  template:\n    spec:\n' +
  '      containers:\n        - name: trainer\n          image: "busybox:1.36"\n          command: ["sleep", "9"]\n';

let seq = 0;
const spec = (): SubmitSpec => ({
  script: MANIFEST,
  name: `exec-${++seq}.tb.abc123.${seq}`,
  comment: 'tb.abc123.1',
  nodes: 2,
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tb-k8s-exec-'));
  fake = await FakeKubeApi.start();
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters:\n- name: fake\n  cluster: { server: "${fake.url}", insecure-skip-tls-verify: true }`,
      'users:\n- name: tester\n  user: { token: test-token }',
      `contexts:\n- name: c\n  context: { cluster: fake, user: tester, namespace: ${NS} }`,
      'current-context: c',
    ].join('\n'),
  );
  kube = loadKubeConfig({ kubeconfig: file });
});

afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.exec.handler = () => ({ exitCode: 0 });
});

function runningPod(name: string, phase = 'Running'): Obj {
  return fake.put('pods', {
    metadata: { name, namespace: NS },
    spec: { containers: [{ name: 'trainer', image: 'busybox:1.36' }] },
    status: { phase, containerStatuses: [{ name: 'trainer', restartCount: 0, state: { running: {} } }] },
  });
}

describe('execInPod (client-node Exec against the fake exec subresource)', () => {
  const target = { namespace: NS, pod: 'p0', container: 'trainer' };

  it('runs the argv as given, each word one command= parameter, over v4.channel.k8s.io', async () => {
    runningPod('p0');
    const before = fake.exec.calls.length;
    await execInPod(kube.kc, target, ['touch', '--', '/ckpt/run 1/$(reboot);STOP']);
    const call = fake.exec.calls.slice(before);
    expect(call).toEqual([
      {
        namespace: NS,
        pod: 'p0',
        container: 'trainer',
        command: ['touch', '--', '/ckpt/run 1/$(reboot);STOP'],
        protocol: 'v4.channel.k8s.io',
      },
    ]);
    const req = fake.requests.at(-1);
    expect(req?.path).toBe('/api/v1/namespaces/ml/pods/p0/exec');
    expect(req?.authorization).toBe('Bearer test-token');
    expect(req?.query.get('stdin')).toBe('false');
  });

  it('rejects with the exit code and stderr of a command that failed', async () => {
    runningPod('p0');
    fake.exec.handler = () => ({ stderr: "touch: cannot touch '/ro/STOP': Read-only file system\n", exitCode: 1 });
    const e = await execInPod(kube.kc, target, ['touch', '--', '/ro/STOP']).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PodExecError);
    expect((e as PodExecError).exitCode).toBe(1);
    expect((e as PodExecError).message).toMatch(/exit code 1: touch: cannot touch '\/ro\/STOP': Read-only/);
  });

  it('rejects when the API server refuses the upgrade: pod gone (404), pod not running (400)', async () => {
    const gone = await execInPod(kube.kc, { ...target, pod: 'nope' }, ['true']).catch((x: unknown) => x);
    expect(gone).toBeInstanceOf(ShellError);
    expect((gone as Error).message).toMatch(/answered 404/);
    runningPod('p-done', 'Succeeded');
    const done = await execInPod(kube.kc, { ...target, pod: 'p-done' }, ['true']).catch((x: unknown) => x);
    expect((done as Error).message).toMatch(/answered 400/);
  });

  it('gives up after its timeout when no status comes', async () => {
    runningPod('p0');
    fake.exec.handler = () => ({ hang: true });
    const e = await execInPod(kube.kc, target, ['touch', '--', '/x'], 300).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ShellError);
    expect((e as ShellError).kind).toBe('timeout');
  });

  it('gives up after its timeout when the server never answers the upgrade', async () => {
    runningPod('p0');
    fake.failNext({ path: '/api/v1/namespaces/ml/pods/p0/exec', code: -2 });
    const before = fake.exec.calls.length;
    const e = await execInPod(kube.kc, target, ['touch', '--', '/x'], 300).catch((x: unknown) => x);
    expect((e as ShellError).kind).toBe('timeout');
    expect(fake.exec.calls.length).toBe(before);
  });

  it('refuses a pod or container name that is not a DNS label before any request', async () => {
    const before = fake.requests.length;
    await expect(execInPod(kube.kc, { ...target, pod: 'p0/../../x' }, ['true'])).rejects.toThrow();
    await expect(execInPod(kube.kc, { ...target, container: 'a?b=c' }, ['true'])).rejects.toThrow();
    expect(fake.requests.length).toBe(before);
  });
});

describe('KubernetesBackend.touchInJob (the kill switch)', () => {
  const backend = () => new KubernetesBackend({ kube, workload: 'job', execTimeoutMs: 2_000 });

  async function submitted(): Promise<{ id: string; job: Obj }> {
    const { jobId } = await backend().submit(spec());
    const job = fake.list('jobs', NS).find((j) => j.metadata.labels['trainboard.io/job-id'] === jobId) as Obj;
    return { id: jobId, job };
  }

  it("touches the path in the leader pod's trainer container", async () => {
    const { id, job } = await submitted();
    const pods = fake.startJob(NS, job.metadata.name as string, ['gpu-1', 'gpu-2']);
    const before = fake.exec.calls.length;
    await backend().touchInJob(id, '/data/runs/r1/kill-switch');
    const calls = fake.exec.calls.slice(before);
    expect(calls.map((c) => [c.pod, c.container, c.command])).toEqual([
      [pods[0]?.metadata.name, 'trainer', ['touch', '--', '/data/runs/r1/kill-switch']],
    ]);
    expect(pods[0]?.metadata.labels['batch.kubernetes.io/job-completion-index']).toBe('0');
  });

  it('fails the touch when the command exits non-zero', async () => {
    const { id, job } = await submitted();
    fake.startJob(NS, job.metadata.name as string, ['gpu-1']);
    fake.exec.handler = () => ({ stderr: 'touch: /data/x: No such file or directory', exitCode: 1 });
    await expect(backend().touchInJob(id, '/data/x')).rejects.toThrow(/exit code 1: touch: \/data\/x: No such file/);
  });

  it('refuses clearly, with no exec, when no pod of the job is running (pending, or ended)', async () => {
    const { id, job } = await submitted();
    fake.pendJob(NS, job.metadata.name as string);
    const before = fake.exec.calls.length;
    await expect(backend().touchInJob(id, '/data/x')).rejects.toThrow(
      new KubernetesRequestError(`job ${id} has no running leader pod to exec into: the kill switch was not set`),
    );
    const ended = await submitted();
    const pods = fake.startJob(NS, ended.job.metadata.name as string, ['gpu-1']);
    fake.finishPod(NS, pods[0]?.metadata.name as string, { exitCode: 0, reason: 'Completed' });
    await expect(backend().touchInJob(ended.id, '/data/x')).rejects.toThrow(/no running leader pod/);
    await expect(backend().touchInJob('999999', '/data/x')).rejects.toThrow(/no running leader pod/);
    expect(fake.exec.calls.length).toBe(before);
  });

  it('refuses a hostile path before any request', async () => {
    const b = backend();
    const before = fake.requests.length;
    for (const p of ['relative/STOP', '/data/../etc/passwd', '/data/x\nrm -rf /', '', '/data/\u0000x'])
      await expect(b.touchInJob('1', p)).rejects.toThrow(KubernetesRequestError);
    await expect(b.touchInJob('1; rm', '/data/x')).rejects.toThrow();
    expect(fake.requests.length).toBe(before);
  });
});
