// The manifest a run is submitted as, and how a submission's options finish it. For a kubernetes cluster the
// SubmitSpec.script carries the rendered manifest (YAML of one Indexed Job or one PyTorchJob, from k8s-templates/),
// so the submit preview shows it as it shows an sbatch script; finalizeWorkload() then sets what belongs to the one
// submission (object name from the keyed job name, labels, node count, excluded nodes, hold) the way sbatch options
// override `#SBATCH` lines. Pure, so a preview can show the exact object the backend sends.
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { z } from 'zod';
import { expandHostlist } from '../slurm/hostlist.js';
import type { SubmitSpec } from '../slurm/submit.js';
import { parseSlurmDuration } from '../slurm/time.js';
import {
  ANNOTATION_COMMENT,
  ANNOTATION_DEPENDENCY,
  ANNOTATION_HELD,
  ANNOTATION_NAME,
  COMPLETION_INDEX,
  HOSTNAME_LABEL,
  JOB_NAME_LABEL,
  K8sNameError,
  LABEL_JOB_ID,
  LABEL_MANAGED,
  LABEL_NAME_HASH,
  nameHash,
  numericJobId,
  toK8sName,
  validateContainerName,
  validateNamespace,
  validateNodeName,
} from './names.js';
import type {
  K8sAffinity,
  K8sContainer,
  K8sEnvVar,
  K8sJob,
  K8sPodTemplate,
  K8sPyTorchJob,
  K8sSecret,
  K8sService,
} from './types.js';

/** The submitted manifest text is kept on the object: resubmit rebuilds from it, never from the server's copy. */
export const ANNOTATION_SCRIPT = 'trainboard.io/script';
/** The Secret that holds the job's env values (set only when it has one). */
export const ANNOTATION_ENV_SECRET = 'trainboard.io/env-secret';
export const DEFAULT_RDZV_PORT = 29500;
export const PYTORCH_CONTAINER = 'pytorch';

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const container = z.looseObject({ name: z.string(), image: z.string().min(1) });
const podTemplate = z.looseObject({
  metadata: z.looseObject({}).optional(),
  spec: z.looseObject({ containers: z.array(container).min(1) }),
});
const jobManifest = z.looseObject({
  apiVersion: z.literal('batch/v1'),
  kind: z.literal('Job'),
  metadata: z.looseObject({}).optional(),
  spec: z.looseObject({ template: podTemplate }),
});
const pyTorchJobManifest = z.looseObject({
  apiVersion: z.literal('kubeflow.org/v1'),
  kind: z.literal('PyTorchJob'),
  metadata: z.looseObject({}).optional(),
  spec: z.looseObject({
    pytorchReplicaSpecs: z.looseObject({ Master: z.looseObject({ template: podTemplate }) }),
  }),
});

export type Workload = { kind: 'Job'; job: K8sJob } | { kind: 'PyTorchJob'; job: K8sPyTorchJob };

/**
 * The manifest in a SubmitSpec.script (YAML; its first line is the `#!` comment the script schema asks for).
 * @throws ManifestError when it is not one Job or PyTorchJob with at least one container with an image.
 */
export function parseManifest(script: string): Workload {
  let doc: unknown;
  try {
    doc = parseYaml(script);
  } catch (e) {
    throw new ManifestError(`the manifest is not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const job = jobManifest.safeParse(doc);
  if (job.success) return { kind: 'Job', job: structuredClone(job.data) as unknown as K8sJob };
  const ptj = pyTorchJobManifest.safeParse(doc);
  if (ptj.success) return { kind: 'PyTorchJob', job: structuredClone(ptj.data) as unknown as K8sPyTorchJob };
  throw new ManifestError(
    'the manifest must be one batch/v1 Job or kubeflow.org/v1 PyTorchJob whose pod template has containers with images',
  );
}

/**
 * Node affinity that keeps pods off `hostnames` (values of the `kubernetes.io/hostname` label). Terms are ORed and
 * the expressions of one term ANDed, so the NotIn goes into every existing term; an earlier Trainboard NotIn is
 * replaced, not stacked.
 */
export function excludeAffinity(hostnames: readonly string[], existing?: K8sAffinity | null): K8sAffinity | undefined {
  const hosts = [...new Set(hostnames.map(validateNodeName))].sort();
  const required = existing?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const ours = (e: { key: string; operator: string }) => e.key === HOSTNAME_LABEL && e.operator === 'NotIn';
  const terms = (required?.nodeSelectorTerms ?? [{}]).map((t) => ({
    ...t,
    matchExpressions: [
      ...(t.matchExpressions ?? []).filter((e) => !ours(e)),
      ...(hosts.length ? [{ key: HOSTNAME_LABEL, operator: 'NotIn', values: hosts }] : []),
    ],
  }));
  const kept = terms.filter((t) => t.matchExpressions.length > 0 || (t.matchFields?.length ?? 0) > 0);
  if (!kept.length && !existing) return undefined;
  return {
    ...existing,
    nodeAffinity: {
      ...existing?.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: kept.length ? { nodeSelectorTerms: kept } : null,
    },
  };
}

/** The headless Service that gives index 0 the DNS name `<job>-0.<job>` (rendezvous), deleted with the Job. */
export function headlessService(objectName: string, port: number, owner?: { uid: string }): K8sService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: objectName,
      labels: { [LABEL_MANAGED]: 'true' },
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'batch/v1', kind: 'Job', name: objectName, uid: owner.uid, controller: false },
            ],
          }
        : {}),
    },
    spec: {
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { [JOB_NAME_LABEL]: objectName },
      ports: [{ name: 'c10d', port, targetPort: port, protocol: 'TCP' }],
    },
  };
}

/** The Secret of one job's env values has the job's name (kinds do not share names; any suffix could pass 63). */
export function envSecretName(objectName: string): string {
  return objectName;
}

/** Names a Secret accepts as keys (and env vars a shell can read: the run config's are letters, digits, `_`). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Env values written into a manifest (the run config's env, which may hold tokens) must not be stored in the Job,
 * its pods or its annotations, where anyone who may read Jobs sees them: each literal `value` becomes a
 * `secretKeyRef` to the job's Secret, and its value is collected into `into`. Order and precedence stay as written.
 */
function envToSecret(env: K8sEnvVar[] | null | undefined, secret: string, into: Map<string, string>): K8sEnvVar[] {
  return (env ?? []).map((e) => {
    if (typeof e.value !== 'string' || !SECRET_KEY.test(e.name)) return e;
    const before = into.get(e.name);
    if (before !== undefined && before !== e.value)
      throw new ManifestError(`env ${e.name} has different values in two containers: give it one`);
    into.set(e.name, e.value);
    return { name: e.name, valueFrom: { secretKeyRef: { name: secret, key: e.name } } };
  });
}

/** Every pod template of a workload (the Job's, or each PyTorchJob replica's). */
function podTemplates(w: Workload): K8sPodTemplate[] {
  if (w.kind === 'Job') return [w.job.spec?.template].filter((t): t is K8sPodTemplate => !!t);
  return Object.values(w.job.spec?.pytorchReplicaSpecs ?? {}).flatMap((r) => (r ? [r.template] : []));
}

/** Moves the literal env values of every container of `w` (in place) into the returned map. */
function moveEnvToSecret(w: Workload, secret: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const t of podTemplates(w))
    for (const c of [...(t.spec?.containers ?? []), ...((t.spec?.initContainers as K8sContainer[] | undefined) ?? [])])
      if (c.env) c.env = envToSecret(c.env, secret, values);
  return values;
}

const REDACTED_HEAD = "#! Kubernetes manifest as submitted by Trainboard; its env values are in the job's Secret\n";

/**
 * The manifest kept on the object for resubmit, without env values: they are references to the job's Secret, which
 * resubmit reads back (withEnvValues).
 */
function redactedManifest(w: Workload): string {
  return REDACTED_HEAD + stringifyYaml(w.job);
}

/**
 * A manifest kept by redactedManifest with the values of `secret` written back as literal env values (resubmit: the
 * new job gets its own Secret with them).
 */
export function withEnvValues(script: string, secret: string, values: Readonly<Record<string, string>>): string {
  const w = parseManifest(script);
  for (const t of podTemplates(w))
    for (const c of [...(t.spec?.containers ?? []), ...((t.spec?.initContainers as K8sContainer[] | undefined) ?? [])])
      c.env = (c.env ?? []).map((e) => {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref?.name !== secret) return e;
        const value = values[ref.key];
        if (value === undefined) throw new ManifestError(`the job's Secret has no value for env ${e.name}`);
        return { name: e.name, value };
      });
  return `#! Kubernetes manifest resubmitted by Trainboard\n${stringifyYaml(w.job)}`;
}

function envSecret(name: string, values: Map<string, string>): K8sSecret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, labels: { [LABEL_MANAGED]: 'true' } },
    type: 'Opaque',
    stringData: Object.fromEntries(values),
  };
}

export interface FinalizeOptions {
  namespace: string;
  /** `kubernetes.io/hostname` values of the nodes to exclude (the backend maps node names to them). */
  excludeHostnames: readonly string[];
}

export interface FinalizedWorkload {
  workload: Workload;
  /** Null for a PyTorchJob: the operator makes its own Service. */
  service: K8sService | null;
  /** The env values of the manifest, referenced by the pods (null when it has none). */
  secret: K8sSecret | null;
  objectName: string;
  jobId: string;
}

/** SubmitSpec options that have no Kubernetes meaning and would silently change nothing: refused, not ignored. */
function refuseUnsupported(spec: SubmitSpec): void {
  // One pod per node runs the node's torchrun agent: more tasks per node is the launcher's business.
  const bad = [
    spec.array !== undefined ? 'array' : null,
    spec.nodelist !== undefined ? 'nodelist' : null,
    spec.ntasksPerNode !== undefined && spec.ntasksPerNode !== 1 ? 'ntasksPerNode' : null,
  ].filter((k) => k !== null);
  if (bad.length) throw new ManifestError(`not supported on Kubernetes: ${bad.join(', ')}`);
}

/**
 * A held job, and one that waits for another (Kubernetes has no job dependencies: the backend resumes it when the
 * dependency is satisfied, see kubernetesBackend.ts), is created suspended.
 */
function waits(spec: SubmitSpec): boolean {
  return spec.hold === true || spec.dependency !== undefined;
}

/**
 * Seconds of a SubmitSpec time limit (slurm/submit.ts TIME_LIMIT), read by the one Slurm duration parser. Two of
 * sbatch's forms are not durations as squeue prints them and are brought to one first: bare minutes, and
 * `D-H:MM` (days-hours:minutes, not days-minutes:seconds).
 */
export function timeLimitSeconds(limit: string): number | null {
  if (/^\d+$/.test(limit)) return parseSlurmDuration(`${limit}:00`);
  if (/^\d+-\d+:\d+$/.test(limit)) return parseSlurmDuration(`${limit}:00`);
  return parseSlurmDuration(limit);
}

/** Labels and annotations that identify one submission (the name's hash selects, the annotation confirms). */
function identity(spec: SubmitSpec, objectName: string, jobId: string, script: string) {
  const name = spec.name as string;
  return {
    labels: { [LABEL_MANAGED]: 'true', [LABEL_NAME_HASH]: nameHash(name), [LABEL_JOB_ID]: jobId },
    annotations: <Record<string, string>>{
      [ANNOTATION_NAME]: name,
      [ANNOTATION_SCRIPT]: script,
      ...(spec.comment ? { [ANNOTATION_COMMENT]: spec.comment } : {}),
      ...(spec.dependency ? { [ANNOTATION_DEPENDENCY]: spec.dependency } : {}),
      ...(spec.hold ? { [ANNOTATION_HELD]: 'user' } : {}),
    },
    objectName,
    jobId,
  };
}

function finishMeta(
  meta: K8sJob['metadata'],
  id: ReturnType<typeof identity>,
  namespace: string,
): NonNullable<K8sJob['metadata']> {
  // Server-set fields of a manifest copied from a live object would make the create fail or lie: dropped.
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, deletionTimestamp: _d, ...rest } = meta ?? {};
  return {
    ...rest,
    name: id.objectName,
    namespace,
    labels: { ...rest.labels, ...id.labels },
    annotations: { ...rest.annotations, ...id.annotations },
  };
}

function setEnv(env: K8sEnvVar[] | null | undefined, add: K8sEnvVar[]): K8sEnvVar[] {
  const names = new Set(add.map((e) => e.name));
  return [...(env ?? []).filter((e) => !names.has(e.name)), ...add];
}

/** The training operator takes MASTER_PORT (and its Service's port) from the master container port of this name. */
export const PTJ_PORT_NAME = 'pytorchjob-port';

function rdzvPort(c: K8sContainer): number {
  return c.ports?.find((p) => p.name === 'c10d' || p.name === PTJ_PORT_NAME)?.containerPort ?? DEFAULT_RDZV_PORT;
}

/** A PyTorchJob container's rendezvous port under the operator's name (else it would use its default, 23456). */
function ptjPorts(c: K8sContainer): K8sContainer['ports'] {
  const port = rdzvPort(c);
  const others = (c.ports ?? []).filter((p) => p.name !== 'c10d' && p.name !== PTJ_PORT_NAME);
  return [...others, { name: PTJ_PORT_NAME, containerPort: port, protocol: 'TCP' }];
}

interface PodOptions {
  objectName: string;
  jobId: string;
  nodes: number;
  gpus?: number | undefined;
  /** SubmitSpec.chdir: the run folder, where relative run paths resolve (sbatch --chdir). */
  workDir?: string | undefined;
  hosts: readonly string[];
  indexed: boolean;
  /** The run's time limit, as the pod's own deadline: counted from its start on a node, not from the queue. */
  deadline: number | null;
}

/** The pod settings of a submission, the same for both workloads (an Indexed Job's pods also get the torchrun env). */
function podOptions(
  spec: SubmitSpec,
  id: ReturnType<typeof identity>,
  o: FinalizeOptions,
  nodes: number,
  indexed: boolean,
): PodOptions {
  return {
    deadline: podDeadline(spec),
    objectName: id.objectName,
    jobId: id.jobId,
    nodes,
    gpus: spec.gpusPerNode,
    workDir: spec.chdir,
    hosts: o.excludeHostnames,
    indexed,
  };
}

function podDeadline(spec: SubmitSpec): number | null {
  return spec.timeLimit ? timeLimitSeconds(spec.timeLimit) : null;
}

/** The pod template with the job's labels, the exclusion, GPUs and (for an Indexed Job) the torchrun env. */
function finishPodTemplate(tpl: K8sPodTemplate, o: PodOptions): K8sPodTemplate {
  const spec = tpl.spec as NonNullable<K8sPodTemplate['spec']>;
  const [first, ...others] = spec.containers;
  const trainer = first as K8sContainer;
  validateContainerName(trainer.name);
  const port = rdzvPort(trainer);
  const torchrun: K8sEnvVar[] = o.indexed
    ? [
        // The Service makes index 0 resolvable as `<job>-0.<job>` (hostname.subdomain) before it is ready.
        { name: 'MASTER_ADDR', value: `${o.objectName}-0.${o.objectName}` },
        { name: 'MASTER_PORT', value: String(port) },
        { name: 'NODE_RANK', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${COMPLETION_INDEX}']` } } },
      ]
    : [];
  const limits = o.gpus !== undefined ? { ...trainer.resources?.limits, 'nvidia.com/gpu': String(o.gpus) } : undefined;
  const affinity = excludeAffinity(o.hosts, spec.affinity);
  const { affinity: _a, ...restSpec } = spec;
  return {
    metadata: {
      ...tpl.metadata,
      labels: { ...tpl.metadata?.labels, [LABEL_MANAGED]: 'true', 'trainboard.io/job': o.objectName },
    },
    spec: {
      ...restSpec,
      ...(o.indexed ? { subdomain: o.objectName } : {}),
      restartPolicy: 'Never',
      ...(affinity ? { affinity } : {}),
      ...(o.deadline ? { activeDeadlineSeconds: o.deadline } : {}),
      containers: [
        {
          ...trainer,
          ...(o.indexed ? {} : { ports: ptjPorts(trainer) }),
          env: setEnv(trainer.env, [
            ...torchrun,
            { name: 'NNODES', value: String(o.nodes) },
            // The node script's job-start marker names the job and node, as $SLURM_JOB_ID does on Slurm.
            { name: 'TRAINBOARD_JOB_ID', value: o.jobId },
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ]),
          ...(limits ? { resources: { ...trainer.resources, limits } } : {}),
          ...(o.workDir ? { workingDir: o.workDir } : {}),
        },
        ...others,
      ],
    },
  };
}

function finishJob(job: K8sJob, spec: SubmitSpec, id: ReturnType<typeof identity>, o: FinalizeOptions): K8sJob {
  const s = job.spec as NonNullable<K8sJob['spec']>;
  const nodes = spec.nodes ?? s.completions ?? 1;
  const deadline = podDeadline(spec);
  // A Job-level deadline counts from the Job's startTime, which the controller sets while the pods still queue:
  // the submission's limit goes on the pods instead, and replaces the Job's.
  const { activeDeadlineSeconds: jobDeadline, ...rest } = s;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: finishMeta(job.metadata, id, o.namespace),
    spec: {
      ...rest,
      ...(jobDeadline && !deadline ? { activeDeadlineSeconds: jobDeadline } : {}),
      completionMode: 'Indexed',
      completions: nodes,
      parallelism: nodes,
      backoffLimit: s.backoffLimit ?? 0,
      suspend: waits(spec),
      template: finishPodTemplate(s.template, podOptions(spec, id, o, nodes, true)),
    },
  };
}

function finishPyTorchJob(
  job: K8sPyTorchJob,
  spec: SubmitSpec,
  id: ReturnType<typeof identity>,
  o: FinalizeOptions,
): K8sPyTorchJob {
  const s = job.spec as NonNullable<K8sPyTorchJob['spec']>;
  const master = s.pytorchReplicaSpecs.Master as NonNullable<typeof s.pytorchReplicaSpecs.Master>;
  const worker = s.pytorchReplicaSpecs.Worker ?? master;
  const nodes = spec.nodes ?? 1 + (s.pytorchReplicaSpecs.Worker?.replicas ?? 0);
  for (const r of [master, worker])
    if (r.template.spec?.containers[0]?.name !== PYTORCH_CONTAINER)
      throw new ManifestError('a PyTorchJob trainer container must be named "pytorch" (the operator requires it)');
  const deadline = podDeadline(spec);
  const { activeDeadlineSeconds: ptjDeadline, ...runPolicy } = s.runPolicy ?? {};
  // The operator injects MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK (the node rank) itself.
  const pod = (t: K8sPodTemplate) => finishPodTemplate(t, podOptions(spec, id, o, nodes, false));
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: finishMeta(job.metadata, id, o.namespace),
    spec: {
      ...s,
      // runPolicy.activeDeadlineSeconds counts from the operator's startTime (queue included): the limit goes on
      // the pods, and Running pods are cleaned up when the job fails (None would leave the other ranks training).
      runPolicy: {
        ...runPolicy,
        ...(ptjDeadline && !deadline ? { activeDeadlineSeconds: ptjDeadline } : {}),
        cleanPodPolicy: runPolicy.cleanPodPolicy ?? 'Running',
        backoffLimit: s.runPolicy?.backoffLimit ?? 0,
        suspend: waits(spec),
      },
      pytorchReplicaSpecs: {
        Master: {
          ...master,
          replicas: 1,
          restartPolicy: master.restartPolicy ?? 'Never',
          template: pod(master.template),
        },
        ...(nodes > 1
          ? {
              Worker: {
                ...worker,
                replicas: nodes - 1,
                restartPolicy: worker.restartPolicy ?? 'Never',
                template: pod(worker.template),
              },
            }
          : {}),
      },
    },
  };
}

/**
 * The objects one submission creates: the manifest of `spec.script` with the submission's name, node count,
 * exclusion (given as hostnames), hold and time limit applied.
 * @throws K8sNameError for a missing/invalid name or namespace; ManifestError for a manifest or option it cannot honour.
 */
export function finalizeWorkload(spec: SubmitSpec, options: FinalizeOptions): FinalizedWorkload {
  if (!spec.name) throw new K8sNameError('a Kubernetes job needs a name');
  validateNamespace(options.namespace);
  refuseUnsupported(spec);
  const objectName = toK8sName(spec.name);
  const jobId = numericJobId(objectName);
  const parsed = parseManifest(spec.script);
  const secretName = envSecretName(objectName);
  const values = moveEnvToSecret(parsed, secretName);
  const secret = values.size ? envSecret(secretName, values) : null;
  const id = identity(spec, objectName, jobId, secret ? redactedManifest(parsed) : spec.script);
  if (secret) id.annotations[ANNOTATION_ENV_SECRET] = secretName;
  const labelled = (o: K8sSecret | null) =>
    o && { ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, [LABEL_JOB_ID]: jobId } } };
  if (parsed.kind === 'PyTorchJob') {
    const job = finishPyTorchJob(parsed.job, spec, id, options);
    return { workload: { kind: 'PyTorchJob', job }, service: null, secret: labelled(secret), objectName, jobId };
  }
  const job = finishJob(parsed.job, spec, id, options);
  const port = rdzvPort(job.spec?.template.spec?.containers[0] as K8sContainer);
  const service = headlessService(objectName, port);
  service.metadata.labels = { ...service.metadata.labels, [LABEL_JOB_ID]: jobId };
  return { workload: { kind: 'Job', job }, service, secret: labelled(secret), objectName, jobId };
}

/** The node names of a SubmitSpec `exclude` hostlist (`c[1-2],c4`), each checked as a DNS subdomain. */
export function excludedNodeNames(exclude: string | undefined | null): string[] {
  return expandHostlist(exclude ?? null).map(validateNodeName);
}
