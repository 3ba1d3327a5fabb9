// Trainboard names → Kubernetes object names, and the label/annotation keys the backend writes. Trainboard job
// names follow the Slurm rule (upper case, `.`, `_`, 64 chars) which is not a DNS label, so a name is first checked
// against the same rule as for Slurm (refused otherwise, same message), then mapped deterministically: the object
// name is a pure function of the keyed job name, so a create retried after a crash meets 409 on the same object.
import { NAME } from '../slurm/submit.js';
import { sha256Hex } from './sha256.js';

/** RFC 1123 label: object names, pod hostnames, namespaces, container names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: node names. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/**
 * Longest object name: leaves room for `-<index>` in an Indexed Job's pod hostname (≤ 63) and PyTorchJob's
 * `-worker-NNN` pod names.
 */
export const MAX_OBJECT_NAME = 52;

export const LABEL_MANAGED = 'trainboard.io/managed';
/** sha256(name)[:16]: names may not be label values, their hash is (lookupByNames selects on it). */
export const LABEL_NAME_HASH = 'trainboard.io/name-hash';
/** The numeric job id the control plane uses (its API and audit trail accept digits only). */
export const LABEL_JOB_ID = 'trainboard.io/job-id';
/** The Trainboard job name as given (keyed), for humans and to confirm a hash match. */
export const ANNOTATION_NAME = 'trainboard.io/name';
/** The idempotency key (SubmitSpec.comment, Slurm's --comment). */
export const ANNOTATION_COMMENT = 'trainboard.io/comment';
/** The job id of the job this one waits for (SubmitSpec.dependency, `afterany:<id>`): informational. */
export const ANNOTATION_DEPENDENCY = 'trainboard.io/dependency';
/**
 * `user` while a hold() keeps the job suspended. Kubernetes has one `suspend` flag for both reasons a job waits
 * (a user hold, a dependency), so the annotation tells them apart.
 */
export const ANNOTATION_HELD = 'trainboard.io/held';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const PTJ_JOB_NAME_LABEL = 'training.kubeflow.org/job-name';
export const PTJ_ROLE_LABEL = 'training.kubeflow.org/job-role';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** A name the Kubernetes backend refuses; the message never echoes more than the JSON-quoted value. */
export class K8sNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'K8sNameError';
  }
}

/** sha256 of a Trainboard name, 16 hex digits: the `trainboard.io/name-hash` label value. */
export function nameHash(name: string): string {
  return sha256Hex(name).slice(0, 16);
}

/**
 * `run1` → `tb-run1`; anything that changed on the way (case, `.`, `_`) or is too long gets a hash suffix, so two
 * names never share an object (`RUN1` ≠ `run1`).
 * @throws K8sNameError for a name outside the Slurm job-name rule (`../etc`, `a b`, `-x`, '', non-ASCII).
 */
export function toK8sName(name: string): string {
  if (!NAME.test(name))
    throw new K8sNameError(`job name ${JSON.stringify(name)}: must be letters, digits, ., _, - (max 64)`);
  const mapped =
    'tb-' +
    name
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-+|-+$/g, '');
  if (mapped === `tb-${name}` && mapped.length <= MAX_OBJECT_NAME) return mapped;
  const suffix = sha256Hex(name).slice(0, 8);
  return `${mapped.slice(0, MAX_OBJECT_NAME - 9).replace(/-+$/, '')}-${suffix}`;
}

/**
 * The numeric job id of an object name: 1 … 10^12−1 from its sha256. Ids are digits everywhere above the backend
 * (API schema, audit argv); a collision is refused at submit (the backend checks the label is free).
 */
export function numericJobId(objectName: string): string {
  const n = Number.parseInt(sha256Hex(objectName).slice(0, 10), 16);
  return String((n % 999_999_999_999) + 1);
}

function checked(kind: string, value: string, re: RegExp, max: number): string {
  if (value.length > max || !re.test(value))
    throw new K8sNameError(`${kind} ${JSON.stringify(value.slice(0, 80))}: must be a DNS-1123 name (max ${max})`);
  return value;
}

export const validateNamespace = (ns: string): string => checked('namespace', ns, DNS_LABEL, 63);
export const validateContainerName = (n: string): string => checked('container name', n, DNS_LABEL, 63);
export const validateObjectName = (n: string): string => checked('object name', n, DNS_LABEL, 63);
export const validateNodeName = (n: string): string => checked('node name', n, DNS_SUBDOMAIN, 253);
/** Job ids as this backend gives them (see numericJobId). */
export function validateK8sJobId(id: string): string {
  if (!/^[1-9]\d{0,11}$/.test(id)) throw new K8sNameError(`job id ${JSON.stringify(id.slice(0, 40))}: must be digits`);
  return id;
}
