import { describe, expect, it } from 'vitest';
import type { SubmitSpec } from '../slurm/submit.js';
import {
  ANNOTATION_SCRIPT,
  excludeAffinity,
  excludedNodeNames,
  finalizeWorkload,
  ManifestError,
  parseManifest,
  timeLimitSeconds,
  withEnvValues,
} from './manifests.js';
import { K8sNameError, nameHash, numericJobId, toK8sName } from './names.js';
import type { K8sJob, K8sPyTorchJob } from './types.js';

const JOB = `#! kubernetes manifest rendered by Trainboard (YAML; this line is a comment)
apiVersion: batch/v1
kind: Job
metadata:
  name: placeholder
  labels: { team: nlp }
spec:
  completions: 4
  template:
    spec:
      containers:
        - name: trainer
          image: nvcr.io/nvidia/pytorch:24.05-py3
          command: [/bin/bash, -c, "echo hi"]
          env: [{ name: NNODES, value: "99" }, { name: HF_HOME, value: /data/hf }]
          ports: [{ name: c10d, containerPort: 6000 }]
`;

const PTJ = `#! kubernetes manifest
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata: { name: x }
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template: { spec: { containers: [{ name: pytorch, image: img }] } }
    Worker:
      replicas: 1
      template: { spec: { containers: [{ name: pytorch, image: img }] } }
`;

const spec = (over: Partial<SubmitSpec> = {}): SubmitSpec => ({
  script: JOB,
  name: 'My_Run.tb.abc123.7',
  comment: 'tb.abc123.7',
  nodes: 2,
  gpusPerNode: 8,
  ...over,
});

describe('finalizeWorkload (Indexed Job)', () => {
  it('names, labels and the torchrun env come from the submission, the rest from the manifest', () => {
    const out = finalizeWorkload(spec({ exclude: 'c[1-2]' }), { namespace: 'ml', excludeHostnames: ['c1', 'c2'] });
    const name = toK8sName('My_Run.tb.abc123.7');
    expect(out.objectName).toBe(name);
    expect(out.jobId).toBe(numericJobId(name));
    expect(out.workload.kind).toBe('Job');
    const job = out.workload.job as K8sJob;
    expect(job.metadata).toMatchObject({
      name,
      namespace: 'ml',
      labels: {
        team: 'nlp',
        'trainboard.io/managed': 'true',
        'trainboard.io/name-hash': nameHash('My_Run.tb.abc123.7'),
        'trainboard.io/job-id': out.jobId,
      },
      annotations: {
        'trainboard.io/name': 'My_Run.tb.abc123.7',
        'trainboard.io/comment': 'tb.abc123.7',
        'trainboard.io/env-secret': name,
      },
    });
    expect(job.spec).toMatchObject({
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      backoffLimit: 0,
      suspend: false,
    });
    const pod = job.spec!.template.spec!;
    expect(pod.subdomain).toBe(name);
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['c1', 'c2'] }] },
    ]);
    const c = pod.containers[0]!;
    expect(c.resources?.limits).toEqual({ 'nvidia.com/gpu': '8' });
    expect(c.env).toEqual([
      { name: 'HF_HOME', valueFrom: { secretKeyRef: { name: name, key: 'HF_HOME' } } },
      { name: 'MASTER_ADDR', value: `${name}-0.${name}` },
      { name: 'MASTER_PORT', value: '6000' },
      {
        name: 'NODE_RANK',
        valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } },
      },
      { name: 'NNODES', value: '2' },
      { name: 'TRAINBOARD_JOB_ID', value: out.jobId },
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ]);
    expect(out.service).toMatchObject({
      metadata: { name },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: { 'batch.kubernetes.io/job-name': name },
        ports: [{ port: 6000 }],
      },
    });
  });

  it("hold → suspend; time limit → the pods' activeDeadlineSeconds; node count falls back to the manifest", () => {
    const withJobDeadline = JOB.replace('  completions: 4\n', '  completions: 4\n  activeDeadlineSeconds: 60\n');
    const out = finalizeWorkload(
      spec({ script: withJobDeadline, hold: true, timeLimit: '1-00:00:00', nodes: undefined }),
      { namespace: 'ml', excludeHostnames: [] },
    );
    const job = out.workload.job as K8sJob;
    expect(job.spec).toMatchObject({ suspend: true, completions: 4, parallelism: 4 });
    // Counted from each pod's start; the Job-level deadline (from the Job's startTime, queue included) is replaced.
    expect(job.spec!.template.spec!.activeDeadlineSeconds).toBe(86400);
    expect(job.spec!.activeDeadlineSeconds).toBeUndefined();
    expect(job.spec!.template.spec!.affinity).toBeUndefined();
    expect(job.spec!.template.spec!.containers[0]!.workingDir).toBeUndefined();
    const inDir = finalizeWorkload(spec({ chdir: '/scratch/run1' }), { namespace: 'ml', excludeHostnames: [] });
    expect((inDir.workload.job as K8sJob).spec!.template.spec!.containers[0]!.workingDir).toBe('/scratch/run1');
  });

  it('a job that waits for another is created suspended with the dependency; a hold is marked as such', () => {
    const o = { namespace: 'ml', excludeHostnames: [] };
    const dep = finalizeWorkload(spec({ dependency: 'afterany:123' }), o).workload.job as K8sJob;
    expect(dep.spec?.suspend).toBe(true);
    expect(dep.metadata?.annotations).toMatchObject({ 'trainboard.io/dependency': 'afterany:123' });
    expect(dep.metadata?.annotations?.['trainboard.io/held']).toBeUndefined();
    const held = finalizeWorkload(spec({ hold: true }), o).workload.job as K8sJob;
    expect(held.metadata?.annotations?.['trainboard.io/held']).toBe('user');
    expect((finalizeWorkload(spec(), o).workload.job as K8sJob).spec?.suspend).toBe(false);
  });

  it('drops server-set metadata of a manifest copied from a live object', () => {
    const live = JOB.replace('  name: placeholder\n', '  name: placeholder\n  uid: abc\n  resourceVersion: "9"\n');
    const job = finalizeWorkload(spec({ script: live }), { namespace: 'ml', excludeHostnames: [] }).workload
      .job as K8sJob;
    expect(job.metadata?.uid).toBeUndefined();
    expect(job.metadata?.resourceVersion).toBeUndefined();
  });

  it('refuses what it cannot honour: no name, bad namespace, array, nodelist, a non-manifest', () => {
    const o = { namespace: 'ml', excludeHostnames: [] };
    expect(() => finalizeWorkload(spec({ name: undefined }), o)).toThrow(K8sNameError);
    expect(() => finalizeWorkload(spec(), { ...o, namespace: '../kube-system' })).toThrow(K8sNameError);
    expect(() => finalizeWorkload(spec({ array: '1-3' }), o)).toThrow(/not supported on Kubernetes: array/);
    expect(() => finalizeWorkload(spec({ nodelist: 'c1' }), o)).toThrow(ManifestError);
    expect(() => finalizeWorkload(spec({ script: '#!/bin/bash\nsrun x\n' }), o)).toThrow(ManifestError);
    expect(() => finalizeWorkload(spec({ script: '#!\nkind: Pod\napiVersion: v1\n' }), o)).toThrow(ManifestError);
    expect(() => finalizeWorkload(spec({ script: '#!\n{{{' }), o)).toThrow(ManifestError);
    expect(() => finalizeWorkload(spec(), { ...o, excludeHostnames: ['Bad Node'] })).toThrow(K8sNameError);
  });
});

describe('env values go into a Secret of the job', () => {
  const token = "hf_SECRET'; $(touch PWNED)";
  const script = JOB.replace(
    '{ name: HF_HOME, value: /data/hf }',
    `{ name: HF_TOKEN, value: ${JSON.stringify(token)} }`,
  );

  it('no value appears in the Job, its annotations or its manifest annotation; the Secret has them all', () => {
    const out = finalizeWorkload(spec({ script }), { namespace: 'ml', excludeHostnames: [] });
    const json = JSON.stringify(out.workload.job);
    expect(json).not.toContain('hf_SECRET');
    expect(json).not.toContain('/data/hf');
    expect(out.secret).toMatchObject({
      kind: 'Secret',
      metadata: {
        name: out.objectName,
        labels: { 'trainboard.io/managed': 'true', 'trainboard.io/job-id': out.jobId },
      },
      stringData: { HF_TOKEN: token, NNODES: '99' },
    });
    // The manifest kept for resubmit references the Secret and gets its values back from it.
    const kept = (out.workload.job as K8sJob).metadata!.annotations![ANNOTATION_SCRIPT] as string;
    expect(kept.startsWith('#!')).toBe(true);
    const again = withEnvValues(kept, out.objectName, out.secret!.stringData!);
    expect((parseManifest(again).job as K8sJob).spec!.template.spec!.containers[0]!.env).toContainEqual({
      name: 'HF_TOKEN',
      value: token,
    });
    expect(() => withEnvValues(kept, out.objectName, {})).toThrow(ManifestError);
  });

  it('a manifest without env values has no Secret and keeps its text as written', () => {
    const plain = JOB.replace(/ {10}env: .*\n/, '');
    const out = finalizeWorkload(spec({ script: plain }), { namespace: 'ml', excludeHostnames: [] });
    expect(out.secret).toBeNull();
    expect((out.workload.job as K8sJob).metadata?.annotations?.[ANNOTATION_SCRIPT]).toBe(plain);
  });
});

describe('finalizeWorkload (PyTorchJob)', () => {
  it('Master 1 + Worker n-1, suspend on hold, affinity in both templates, no Service', () => {
    const script = PTJ.replace(
      'spec:\n  pytorchReplicaSpecs:',
      'spec:\n  runPolicy: { activeDeadlineSeconds: 60 }\n  pytorchReplicaSpecs:',
    );
    const out = finalizeWorkload(spec({ script, nodes: 4, hold: true, timeLimit: '2:00:00' }), {
      namespace: 'ml',
      excludeHostnames: ['n7'],
    });
    expect(out.service).toBeNull();
    const job = out.workload.job as K8sPyTorchJob;
    // Running pods are cleaned up when the job fails; the limit is the pods' (the runPolicy one counts queue time).
    expect(job.spec?.runPolicy).toEqual({ suspend: true, backoffLimit: 0, cleanPodPolicy: 'Running' });
    const r = job.spec!.pytorchReplicaSpecs;
    expect(r.Master?.replicas).toBe(1);
    expect(r.Worker?.replicas).toBe(3);
    for (const t of [r.Master!.template, r.Worker!.template]) {
      expect(
        t.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
          ?.matchExpressions?.[0]?.values,
      ).toEqual(['n7']);
      // The operator sets MASTER_ADDR, MASTER_PORT and RANK: only ours.
      expect(t.spec?.containers[0]?.env?.map((e) => e.name)).toEqual(['NNODES', 'TRAINBOARD_JOB_ID', 'NODE_NAME']);
      expect(t.spec?.activeDeadlineSeconds).toBe(7200);
      // The operator reads MASTER_PORT from the port named pytorchjob-port (default 29500 here: none was given).
      expect(t.spec?.containers[0]?.ports).toEqual([
        { name: 'pytorchjob-port', containerPort: 29500, protocol: 'TCP' },
      ]);
    }
  });
  it('a single node has no Worker; a container not named pytorch is refused', () => {
    const one = finalizeWorkload(spec({ script: PTJ, nodes: 1 }), { namespace: 'ml', excludeHostnames: [] }).workload
      .job as K8sPyTorchJob;
    expect(one.spec!.pytorchReplicaSpecs.Worker).toBeUndefined();
    expect(() =>
      finalizeWorkload(spec({ script: PTJ.replaceAll('name: pytorch', 'name: trainer') }), {
        namespace: 'ml',
        excludeHostnames: [],
      }),
    ).toThrow(/named "pytorch"/);
  });
});

describe('excludeAffinity', () => {
  it('adds the NotIn to every existing term and replaces an earlier Trainboard NotIn', () => {
    const existing = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'gpu', operator: 'In', values: ['h100'] },
                { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['old'] },
              ],
            },
            { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['a100'] }] },
          ],
        },
      },
    };
    const terms = excludeAffinity(['n2', 'n1', 'n1'], existing)?.nodeAffinity
      ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms).toEqual([
      {
        matchExpressions: [
          { key: 'gpu', operator: 'In', values: ['h100'] },
          { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n1', 'n2'] },
        ],
      },
      {
        matchExpressions: [
          { key: 'gpu', operator: 'In', values: ['a100'] },
          { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['n1', 'n2'] },
        ],
      },
    ]);
  });
  it('an empty list clears our exclusion (null removes it in a merge patch)', () => {
    const a = excludeAffinity(['n1']);
    expect(excludeAffinity([], a)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution).toBeNull();
    expect(excludeAffinity([])).toBeUndefined();
  });
});

describe('helpers', () => {
  it('parseManifest tells Job from PyTorchJob', () => {
    expect(parseManifest(JOB).kind).toBe('Job');
    expect(parseManifest(PTJ).kind).toBe('PyTorchJob');
  });
  it('timeLimitSeconds reads every Slurm form', () => {
    expect(timeLimitSeconds('90')).toBe(5400);
    expect(timeLimitSeconds('100:00:00')).toBe(360000);
    expect(timeLimitSeconds('1-00:00:00')).toBe(86400);
    expect(timeLimitSeconds('2-03:30')).toBe(185400);
    expect(timeLimitSeconds('05:30')).toBe(330);
    expect(timeLimitSeconds('UNLIMITED')).toBeNull();
  });
  it('excludedNodeNames expands a hostlist and checks each name', () => {
    expect(excludedNodeNames('c[1-2],gpu-7')).toEqual(['c1', 'c2', 'gpu-7']);
    expect(excludedNodeNames(undefined)).toEqual([]);
    expect(() => excludedNodeNames('C_1')).toThrow(K8sNameError);
  });
});
