// What the Kubernetes end-to-end tests share (the control-plane test, the browser test): the in-process fake API
// server with the fake kubelet log endpoint mounted on it, a kubeconfig file pointing at it, the cluster entry that
// adds it to a running server (POST /api/clusters), the fake trainer's real output, and the test's hands as Job
// controller, scheduler and kubelet (pods Running on nodes, the leader container's log, the end of a Job).
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeKubeApi, type Obj } from './fakeKubeApi.js';
import { FakeLogServer, type FakeContainerLog } from './fakeLogServer.js';

export const KUBE_NS = 'ml';
export const FAKE_TRAINER = fileURLToPath(
  new URL('../../../../../scripts/fake-trainer/pretrain_gpt.py', import.meta.url),
);

export interface KubeFixture {
  kube: FakeKubeApi;
  logs: FakeLogServer;
  /** The kubeconfig file (mode 600) whose current context is the fake, namespace `KUBE_NS`. */
  kubeconfig: string;
  close(): Promise<void>;
}

/** The fake API server and kubelet log endpoint, and a kubeconfig for them written into `dir`. */
export async function startKubeFixture(dir: string): Promise<KubeFixture> {
  const kube = await FakeKubeApi.start();
  const logs = await new FakeLogServer().start();
  // The kubelet's log endpoint, behind the same API server (the leader is found through the fake's own pods).
  kube.setLogHandler((r, res) => {
    const url = `/api/v1/namespaces/${r.namespace}/pods/${r.pod}/log?${r.query.toString()}`;
    logs.handle({ method: 'GET', url } as IncomingMessage, res);
  });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: kube.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: 'test-token' } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'u', namespace: KUBE_NS } }],
      'current-context': 'fake',
    }),
    { mode: 0o600 },
  );
  return {
    kube,
    logs,
    kubeconfig,
    async close() {
      await kube.close();
      await logs.close();
    },
  };
}

/** The body of POST /api/clusters that adds the fake as cluster `name` (Indexed Jobs, the fake-trainer template). */
export function kubeClusterEntry(kubeconfig: string, name = 'kube'): Record<string, unknown> {
  return {
    name,
    kind: 'kubernetes',
    kubeconfig,
    workload: 'job',
    image: 'ghcr.io/example/trainer:1',
    volumeClaim: 'scratch',
    mountPath: '/scratch',
    template: 'fake-trainer',
    fakeTrainerPath: '/opt/fake/pretrain_gpt.py',
  };
}

/**
 * The fake trainer's real output (banner, iterations, saves, and the faults asked for in `extra`), one run per
 * call, as node `node` prints it. Written to `<dir>/<name>.log` first.
 */
export function trainerOutput(
  dir: string,
  name: string,
  extra: string[] = [],
  o: { iters?: number; node?: string } = {},
): string[] {
  const out = join(dir, `${name}.log`);
  const fd = openSync(out, 'w');
  try {
    const ckpt = join(dir, `ckpt-${name.replace(/-.*/, '')}`);
    const args = ['--train-iters', String(o.iters ?? 30), '--seconds-per-iteration', '0', '--save', ckpt];
    const more = ['--load', ckpt, '--save-interval', '5', '--gpus-per-node', '4', '--eval-interval', '1000', ...extra];
    spawnSync('python3', [FAKE_TRAINER, ...args, ...more], {
      stdio: ['ignore', fd, fd],
      env: { ...process.env, SLURMD_NODENAME: o.node ?? 'gpu-1' },
    });
  } finally {
    closeSync(fd);
  }
  return readFileSync(out, 'utf8').split('\n').slice(0, -1);
}

/**
 * The kubelet's clock: RFC3339Nano timestamps 7 ms apart (several lines share a second: sinceTime overlap).
 * `keepUp`: never behind the real clock (a browser test's health reads the lines' times against now).
 */
export function kubeletClock(startMs = Date.parse('2026-12-07T01:00:00Z'), keepUp = false) {
  let clock = startMs;
  const ts = (): string => {
    clock = keepUp ? Math.max(clock + 7, Date.now()) : clock + 7;
    return `${new Date(clock).toISOString().slice(0, 19)}.${String(clock % 1000).padStart(3, '0')}000123Z`;
  };
  return {
    ts,
    /** Appends lines to a container's log, each with the next timestamp. */
    append(log: FakeContainerLog, lines: readonly string[]): void {
      for (const l of lines) log.append(ts(), l);
    },
  };
}

/** The Jobs of a run (its keyed names start with `<run>.`), in submission order (the name ends with the row id). */
export function jobsOf(kube: FakeKubeApi, run: string): Obj[] {
  const rowOf = (j: Obj) => Number(/\.(\d+)$/.exec(j.metadata.annotations['trainboard.io/name'] as string)?.[1]);
  return kube
    .list('jobs', KUBE_NS)
    .filter((j) => (j.metadata.annotations?.['trainboard.io/name'] ?? '').startsWith(`${run}.`))
    .sort((a, b) => rowOf(a) - rowOf(b));
}

/** The Job controller and scheduler: the Job's pods Running on these nodes; the leader's trainer container log. */
export function startPods(
  f: Pick<KubeFixture, 'kube' | 'logs'>,
  job: Obj,
  nodes = ['gpu-1', 'gpu-2'],
): FakeContainerLog {
  const pods = f.kube.startJob(KUBE_NS, job.metadata.name as string, nodes);
  const leader = pods.find((p) => p.metadata.labels['batch.kubernetes.io/job-completion-index'] === '0') as Obj;
  return f.logs.container(KUBE_NS, leader.metadata.name as string, 'trainer');
}

/** The leader container ends (exit code, reason) and the Job controller marks the Job. */
export function endJob(kube: FakeKubeApi, job: Obj, log: FakeContainerLog, exitCode: number, reason: string): void {
  const name = job.metadata.name as string;
  for (const p of kube.list('pods', KUBE_NS).filter((p) => p.metadata.labels?.['job-name'] === name))
    kube.finishPod(KUBE_NS, p.metadata.name as string, { exitCode, reason });
  log.terminate();
  if (exitCode === 0)
    kube.setJobCondition(KUBE_NS, name, 'Complete', 'CompletionsReached', 'Reached expected completions');
  else kube.setJobCondition(KUBE_NS, name, 'Failed', 'PodFailurePolicy', `Container trainer exited with ${exitCode}`);
}

/** A Ready Node with `gpus` allocatable GPUs, as the API returns it. */
export function putReadyNode(kube: FakeKubeApi, name: string, gpus = 8): Obj {
  return kube.put('nodes', {
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      capacity: { cpu: '64', memory: '1Ti', 'nvidia.com/gpu': String(gpus) },
      allocatable: { cpu: '64', memory: '1Ti', 'nvidia.com/gpu': String(gpus) },
    },
  });
}
