// A run submitted to a kubernetes cluster: the same config renders to a manifest, which the preview shows and the
// run row keeps as its script; the keyed SubmitSpec the controller builds from it becomes the Job in the API
// (the real KubernetesBackend against the fake API server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobSubmitSpec } from '@trainboard/shared/control/commands';
import { jobNameWithKey } from '@trainboard/shared/control/idemKey';
import { toK8sName } from '@trainboard/shared/k8s/names';
import { kubeConfigFor } from '../adapters/kubernetes/kubeConfig.js';
import { KubernetesBackend } from '../adapters/kubernetes/kubernetesBackend.js';
import { FakeKubeApi, type Obj } from '../adapters/kubernetes/testing/fakeKubeApi.js';
import type { ClusterRow } from '../clusters/types.js';
import { createSubmitRunService } from './submitRun.service.js';
import { memoryStore } from './testing/memoryStore.js';
import { fakeCluster } from './testing/fakeScheduler.js';

let fake: FakeKubeApi;
beforeAll(async () => (fake = await FakeKubeApi.start()));
afterAll(() => fake.close());

function setup(settings: Record<string, unknown>) {
  const backend = new KubernetesBackend({ kube: kubeConfigFor(fake.url, 'test-token', 'ml') });
  const files: string[] = [];
  const base = fakeCluster(backend, files);
  const row = {
    ...base.row,
    kind: 'kubernetes',
    jobsRoot: null,
    template: 'fake-trainer',
    fakeTrainerPath: '/opt/fake/pretrain_gpt.py',
    settings,
  } as ClusterRow;
  const store = memoryStore();
  const service = createSubmitRunService({ store, clusters: { get: () => ({ ...base, row }) }, kick: () => {} });
  return { backend, service, store, files };
}

const settings = {
  workload: 'auto',
  image: 'ghcr.io/example/trainer:1',
  volume: { claimName: 'scratch', mountPath: '/scratch' },
};

describe('submit on a kubernetes cluster', () => {
  it('previews the manifest, records it as the run script without writing files, and the keyed job reaches the API', async () => {
    fake.servePyTorchJob = false;
    const { backend, service, store, files } = setup(settings);
    const input = { cluster: 'dev', config: { preset: 'demo' }, chainLength: 1, name: 'demo-k' };
    const preview = await service.preview(input);
    expect(preview.ok).toBe(true);
    expect(preview.script).toMatch(/^#! Kubernetes manifest/);
    expect(preview.script).toContain('kind: Job');
    expect(preview.script).toContain('image: "ghcr.io/example/trainer:1"');
    expect(preview.runDir).toBe('/scratch/demo-k');
    const created = await service.submit(input, { kind: 'user', name: 'alice', userId: 1 });
    expect(files).toEqual([]);
    const run = store.run(created.runId)!;
    expect(run.script).toBe(preview.script);
    const keyed = { baseName: run.name, key: 'tb.abc123.7', dependsOn: null, exclude: null };
    const { jobId } = await backend.submit(jobSubmitSpec(run.script, run.submitOptions, keyed));
    const job = fake.get('jobs', 'ml', toK8sName(jobNameWithKey(run.name, 'tb.abc123.7'))) as Obj;
    expect(job.metadata.labels['trainboard.io/job-id']).toBe(jobId);
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/example/trainer:1');
    expect(c.command[2]).toContain('TRAINBOARD JOB START id=${TRAINBOARD_JOB_ID}');
    expect(c.volumeMounts).toContainEqual({ name: 'shared', mountPath: '/scratch' });
  });

  it('renders a PyTorchJob when the cluster serves the CRD (workload auto); refuses an entry without an image', async () => {
    fake.servePyTorchJob = true;
    const { service } = setup(settings);
    const p = await service.preview({ cluster: 'dev', config: { preset: 'demo' }, chainLength: 1, name: 'demo-p' });
    expect(p.script).toContain('kind: PyTorchJob');
    fake.servePyTorchJob = false;
    const { service: noImage } = setup({ workload: 'job' });
    await expect(noImage.preview({ cluster: 'dev', config: { preset: 'demo' }, chainLength: 1 })).rejects.toThrow(
      /has no container image/,
    );
  });
});
