// The parts of Kubernetes objects Trainboard reads or writes, as structural types. Field names and nesting are the
// API's (batch/v1 Job, core/v1 Pod/Node/Event/Service, kubeflow.org/v1 PyTorchJob). Timestamps are `string | Date`:
// the typed client turns them into Dates, raw JSON (watch events, custom objects) keeps strings.

export type K8sTime = string | Date;
type Opt<T> = T | null | undefined;

export interface K8sMeta {
  name?: Opt<string>;
  namespace?: Opt<string>;
  uid?: Opt<string>;
  resourceVersion?: Opt<string>;
  creationTimestamp?: Opt<K8sTime>;
  deletionTimestamp?: Opt<K8sTime>;
  labels?: Opt<Record<string, string>>;
  annotations?: Opt<Record<string, string>>;
  finalizers?: Opt<string[]>;
  ownerReferences?: Opt<{ apiVersion: string; kind: string; name: string; uid: string; controller?: Opt<boolean> }[]>;
}

export interface K8sCondition {
  type: string;
  status: string;
  reason?: Opt<string>;
  message?: Opt<string>;
  lastTransitionTime?: Opt<K8sTime>;
}

export interface K8sNodeSelectorRequirement {
  key: string;
  operator: string;
  values?: Opt<string[]>;
}
export interface K8sNodeSelectorTerm {
  matchExpressions?: Opt<K8sNodeSelectorRequirement[]>;
  matchFields?: Opt<K8sNodeSelectorRequirement[]>;
}
export interface K8sAffinity {
  nodeAffinity?: Opt<{
    requiredDuringSchedulingIgnoredDuringExecution?: Opt<{ nodeSelectorTerms: K8sNodeSelectorTerm[] }>;
    preferredDuringSchedulingIgnoredDuringExecution?: Opt<unknown[]>;
  }>;
  podAffinity?: Opt<unknown>;
  podAntiAffinity?: Opt<unknown>;
}

export interface K8sEnvVar {
  name: string;
  value?: Opt<string>;
  valueFrom?: Opt<{ fieldRef?: Opt<{ fieldPath: string }>; secretKeyRef?: Opt<{ name: string; key: string }> }>;
}

export interface K8sContainer {
  name: string;
  image?: Opt<string>;
  command?: Opt<string[]>;
  args?: Opt<string[]>;
  env?: Opt<K8sEnvVar[]>;
  resources?: Opt<{ limits?: Opt<Record<string, string>>; requests?: Opt<Record<string, string>> }>;
  ports?: Opt<{ name?: Opt<string>; containerPort: number; protocol?: Opt<string> }[]>;
  [more: string]: unknown;
}

export interface K8sPodSpec {
  nodeName?: Opt<string>;
  hostname?: Opt<string>;
  subdomain?: Opt<string>;
  restartPolicy?: Opt<string>;
  affinity?: Opt<K8sAffinity>;
  /** Counted from the pod's start on its node (not from the Job's): the run's time limit. */
  activeDeadlineSeconds?: Opt<number>;
  containers: K8sContainer[];
  [more: string]: unknown;
}

export interface K8sPodTemplate {
  metadata?: Opt<K8sMeta>;
  spec?: Opt<K8sPodSpec>;
}

export interface K8sContainerStateTerminated {
  exitCode: number;
  signal?: Opt<number>;
  reason?: Opt<string>;
  message?: Opt<string>;
  startedAt?: Opt<K8sTime>;
  finishedAt?: Opt<K8sTime>;
}
export interface K8sContainerState {
  waiting?: Opt<{ reason?: Opt<string>; message?: Opt<string> }>;
  running?: Opt<{ startedAt?: Opt<K8sTime> }>;
  terminated?: Opt<K8sContainerStateTerminated>;
}
export interface K8sContainerStatus {
  name: string;
  restartCount?: Opt<number>;
  state?: Opt<K8sContainerState>;
  lastState?: Opt<K8sContainerState>;
}

export interface K8sPod {
  metadata?: Opt<K8sMeta>;
  spec?: Opt<K8sPodSpec>;
  status?: Opt<{
    phase?: Opt<string>;
    reason?: Opt<string>;
    message?: Opt<string>;
    startTime?: Opt<K8sTime>;
    conditions?: Opt<K8sCondition[]>;
    containerStatuses?: Opt<K8sContainerStatus[]>;
  }>;
}

export interface K8sJobSpec {
  completionMode?: Opt<string>;
  completions?: Opt<number>;
  parallelism?: Opt<number>;
  backoffLimit?: Opt<number>;
  activeDeadlineSeconds?: Opt<number>;
  suspend?: Opt<boolean>;
  podFailurePolicy?: Opt<unknown>;
  template: K8sPodTemplate;
  [more: string]: unknown;
}

export interface K8sJob {
  apiVersion?: Opt<string>;
  kind?: Opt<string>;
  metadata?: Opt<K8sMeta>;
  spec?: Opt<K8sJobSpec>;
  status?: Opt<{
    active?: Opt<number>;
    ready?: Opt<number>;
    succeeded?: Opt<number>;
    failed?: Opt<number>;
    startTime?: Opt<K8sTime>;
    completionTime?: Opt<K8sTime>;
    conditions?: Opt<K8sCondition[]>;
  }>;
}

export interface K8sReplicaSpec {
  replicas?: Opt<number>;
  restartPolicy?: Opt<string>;
  template: K8sPodTemplate;
}

export interface K8sPyTorchJob {
  apiVersion?: Opt<string>;
  kind?: Opt<string>;
  metadata?: Opt<K8sMeta>;
  spec?: Opt<{
    runPolicy?: Opt<{
      suspend?: Opt<boolean>;
      backoffLimit?: Opt<number>;
      activeDeadlineSeconds?: Opt<number>;
      cleanPodPolicy?: Opt<string>;
      [more: string]: unknown;
    }>;
    pytorchReplicaSpecs: { Master?: Opt<K8sReplicaSpec>; Worker?: Opt<K8sReplicaSpec> };
    [more: string]: unknown;
  }>;
  status?: Opt<{
    conditions?: Opt<K8sCondition[]>;
    startTime?: Opt<K8sTime>;
    completionTime?: Opt<K8sTime>;
  }>;
}

export interface K8sTaint {
  key: string;
  value?: Opt<string>;
  effect: string;
}

export interface K8sNode {
  metadata?: Opt<K8sMeta>;
  spec?: Opt<{ unschedulable?: Opt<boolean>; taints?: Opt<K8sTaint[]> }>;
  status?: Opt<{
    capacity?: Opt<Record<string, string>>;
    allocatable?: Opt<Record<string, string>>;
    conditions?: Opt<K8sCondition[]>;
  }>;
}

export interface K8sService {
  apiVersion: 'v1';
  kind: 'Service';
  metadata: K8sMeta;
  spec: {
    clusterIP: 'None';
    publishNotReadyAddresses: boolean;
    selector: Record<string, string>;
    ports: { name: string; port: number; targetPort: number; protocol: 'TCP' }[];
  };
}

/** The Secret that carries a job's env values (see manifests.ts): `stringData` when written, `data` (base64) read. */
export interface K8sSecret {
  apiVersion?: Opt<'v1'>;
  kind?: Opt<'Secret'>;
  metadata?: Opt<K8sMeta>;
  type?: Opt<string>;
  stringData?: Opt<Record<string, string>>;
  data?: Opt<Record<string, string>>;
}

/** A time as the Slurm records write it (`YYYY-MM-DDTHH:MM:SS`); Kubernetes times are UTC. */
export function slurmTime(t: Opt<K8sTime>): string | null {
  if (t === null || t === undefined) return null;
  const d = typeof t === 'string' ? new Date(t) : t;
  return Number.isNaN(d.getTime()) ? null : d.toISOString().slice(0, 19);
}

/** Milliseconds since the epoch, or null. */
export function timeMs(t: Opt<K8sTime>): number | null {
  if (t === null || t === undefined) return null;
  const ms = typeof t === 'string' ? Date.parse(t) : t.getTime();
  return Number.isNaN(ms) ? null : ms;
}
