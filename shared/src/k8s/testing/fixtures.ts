// Object shapes copied from the Kubernetes API reference (batch/v1 Job, core/v1 Pod/Node/Event) and the Kubeflow
// training-operator types (K8S-NOTES §2), trimmed, as test fixtures. Builders return fresh copies to mutate.
import type { K8sEvent } from '../nodes.js';
import type { K8sJob, K8sNode, K8sPod, K8sPyTorchJob } from '../types.js';

export const T0 = '2026-12-06T22:00:00Z';
export const T1 = '2026-12-06T22:00:05Z';
export const T2 = '2026-12-06T23:00:05Z';

export function job(name = 'tb-run1', over: Partial<NonNullable<K8sJob['status']>> = {}): K8sJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'ml',
      uid: '6f1c2c36-6f0b-4b8c-9a57-0c1f2a3b4c5d',
      resourceVersion: '12345',
      creationTimestamp: T0,
      labels: {
        'trainboard.io/managed': 'true',
        'trainboard.io/name-hash': '3f9a2c1d0b7e4a55',
        'trainboard.io/job-id': '4242',
      },
      annotations: { 'trainboard.io/name': 'run1' },
    },
    spec: {
      completionMode: 'Indexed',
      completions: 2,
      parallelism: 2,
      backoffLimit: 0,
      activeDeadlineSeconds: 86400,
      suspend: false,
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': '6f1c2c36-6f0b-4b8c-9a57-0c1f2a3b4c5d' } },
      template: {
        metadata: { labels: { 'batch.kubernetes.io/job-name': name, 'job-name': name } },
        spec: {
          restartPolicy: 'Never',
          subdomain: name,
          containers: [{ name: 'trainer', image: 'nvcr.io/nvidia/pytorch:24.05-py3' }],
        },
      },
    },
    status: { active: 2, ready: 2, succeeded: 0, failed: 0, startTime: T1, conditions: [], ...over },
  };
}

export function pod(
  jobName: string,
  index: number,
  status: NonNullable<K8sPod['status']>,
  nodeName: string | null = `gpu-node-0${index + 1}`,
): K8sPod {
  return {
    metadata: {
      name: `${jobName}-${index}-x7k2p`,
      namespace: 'ml',
      uid: `pod-uid-${index}`,
      creationTimestamp: T0,
      labels: {
        'batch.kubernetes.io/job-completion-index': String(index),
        'batch.kubernetes.io/job-name': jobName,
        'job-name': jobName,
      },
      annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: jobName, uid: 'job-uid', controller: true }],
    },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      hostname: `${jobName}-${index}`,
      subdomain: jobName,
      restartPolicy: 'Never',
      containers: [{ name: 'trainer', image: 'x', resources: { limits: { 'nvidia.com/gpu': '8' } } }],
    },
    status,
  };
}

export const running = (startedAt = T1): NonNullable<K8sPod['status']> => ({
  phase: 'Running',
  startTime: startedAt,
  conditions: [
    { type: 'PodScheduled', status: 'True' },
    { type: 'Ready', status: 'True' },
  ],
  containerStatuses: [{ name: 'trainer', restartCount: 0, state: { running: { startedAt } } }],
});

export const terminated = (exitCode: number, reason: string, phase = exitCode === 0 ? 'Succeeded' : 'Failed') => ({
  phase,
  startTime: T1,
  containerStatuses: [
    { name: 'trainer', restartCount: 0, state: { terminated: { exitCode, reason, startedAt: T1, finishedAt: T2 } } },
  ],
});

export const unschedulable = (): NonNullable<K8sPod['status']> => ({
  phase: 'Pending',
  conditions: [
    {
      type: 'PodScheduled',
      status: 'False',
      reason: 'Unschedulable',
      message: '0/8 nodes are available: 8 Insufficient nvidia.com/gpu. preemption: 0/8 nodes are available',
      lastTransitionTime: T0,
    },
  ],
});

export const failedCondition = (reason: string, message = 'Job has reached the specified backoff limit') => ({
  type: 'Failed',
  status: 'True',
  reason,
  message,
  lastProbeTime: T2,
  lastTransitionTime: T2,
});

export function node(
  name: string,
  over: {
    ready?: string;
    unschedulable?: boolean;
    taints?: { key: string; value?: string; effect: string }[];
    pressure?: string;
  } = {},
): K8sNode {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } },
    spec: { ...(over.unschedulable ? { unschedulable: true } : {}), taints: over.taints ?? [] },
    status: {
      capacity: { cpu: '96', memory: '2113459876Ki', 'nvidia.com/gpu': '8', pods: '110' },
      allocatable: { cpu: '95500m', memory: '2103459876Ki', 'nvidia.com/gpu': '8', pods: '110' },
      conditions: [
        {
          type: 'Ready',
          status: over.ready ?? 'True',
          reason: over.ready === 'Unknown' ? 'NodeStatusUnknown' : 'KubeletReady',
          message:
            over.ready === 'Unknown' ? 'Kubelet stopped posting node status.' : 'kubelet is posting ready status',
          lastTransitionTime: T0,
        },
        {
          type: 'MemoryPressure',
          status: over.pressure === 'MemoryPressure' ? 'True' : 'False',
          reason: 'KubeletHasSufficientMemory',
        },
        {
          type: 'DiskPressure',
          status: over.pressure === 'DiskPressure' ? 'True' : 'False',
          reason: 'KubeletHasNoDiskPressure',
        },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID' },
      ],
    },
  };
}

export function pyTorchJob(
  name: string,
  conditions: { type: string; status: string; reason?: string; message?: string }[],
): K8sPyTorchJob {
  const template = { spec: { containers: [{ name: 'pytorch', image: 'x' }] } };
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: {
      name,
      namespace: 'ml',
      creationTimestamp: T0,
      labels: { 'trainboard.io/job-id': '77' },
      annotations: { 'trainboard.io/name': 'run2' },
    },
    spec: {
      runPolicy: { cleanPodPolicy: 'Running', backoffLimit: 0, suspend: false },
      pytorchReplicaSpecs: {
        Master: { replicas: 1, restartPolicy: 'Never', template },
        Worker: { replicas: 3, restartPolicy: 'Never', template },
      },
    },
    status: { conditions: conditions.map((c) => ({ ...c, lastTransitionTime: T2 })), startTime: T1 },
  };
}

/**
 * A core/v1 Event about a pod (K8S-NOTES §2.4): the kubelet's (`Evicted`: source host = its node), the
 * scheduler's (`Preempted`: written through events.k8s.io, so the core view has no source, a reportingComponent, an
 * eventTime and the node in the message), the taint manager's (`TaintManagerEviction`: no node at all).
 */
export function event(podName: string, reason: string, message: string, lastTimestamp = T2): K8sEvent {
  const involvedObject = {
    kind: 'Pod',
    namespace: 'ml',
    name: podName,
    uid: 'a1b2c3d4-0000-4000-8000-00000000beef',
    apiVersion: 'v1',
    resourceVersion: '40123',
  };
  const metadata = { name: `${podName}.17e3c0d1a2b3c4d5`, creationTimestamp: T0 };
  if (reason === 'Preempted')
    return {
      metadata,
      involvedObject,
      reason,
      message,
      source: {},
      type: 'Normal',
      eventTime: lastTimestamp,
      firstTimestamp: null,
      lastTimestamp: null,
      reportingComponent: 'default-scheduler',
    };
  const kubelet = reason === 'Evicted' || reason === 'OOMKilling';
  return {
    metadata,
    involvedObject,
    reason,
    message,
    source: kubelet
      ? { component: 'kubelet', host: 'gpu-node-02' }
      : { component: reason === 'TaintManagerEviction' ? 'taint-eviction-controller' : 'default-scheduler' },
    type: reason === 'Evicted' ? 'Warning' : 'Normal',
    count: 1,
    firstTimestamp: lastTimestamp,
    lastTimestamp,
    eventTime: null,
    reportingComponent: '',
  };
}
