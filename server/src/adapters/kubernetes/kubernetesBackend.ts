// ClusterBackend on a Kubernetes API server (issue 13). A submission's SubmitSpec.script is the rendered manifest
// (k8s-templates/); finalizeWorkload (shared/src/k8s/manifests.ts) turns it into the Indexed Job (+ headless
// Service) or PyTorchJob of that one submission. Job ids are digits, as everywhere above the backend: each object
// carries its id in the `trainboard.io/job-id` label, so every read is one list by label selector for all the ids
// asked (no GET per job). Kubernetes has no job dependencies: a job submitted with `afterany:<id>` is created
// suspended and resumed by status() once that job has ended, which is what Slurm does for the chain.
// Not implemented (optional in ClusterBackend): partition(), disk(), stackDump() — no Slurm partitions here, the
// filesystem is not the server's to df, and a stack dump needs py-spy in the image (later work). The kill switch is
// set by an exec into the leader pod (touchInJob, podExec.ts). Logs are followed by the log follower, not here.
// Pod events (evictions, preemptions) are read with one bounded list of the namespace's pod events: by nodes() each
// time (shown on the node), and by a status round only when a job failed (its pod may be gone, the event remains).
import type {
  BackendOperation,
  ClusterBackend,
  ExcludeNeedsResubmit,
  HistoryQuery,
  HistoryReport,
  RenderTarget,
  StatusReport,
  SubmittedJob,
} from '../clusterBackend.js';
import { podLogSourcePath } from '../../follow/podLogSources.js';
import { KEY_PLACEHOLDER } from '@trainboard/shared/control/actions';
import {
  excludeAffinity,
  excludedNodeNames,
  finalizeWorkload,
  withEnvValues,
  ANNOTATION_ENV_SECRET,
  ANNOTATION_SCRIPT,
  type FinalizedWorkload,
} from '@trainboard/shared/k8s/manifests';
import {
  ANNOTATION_DEPENDENCY,
  ANNOTATION_HELD,
  ANNOTATION_NAME,
  HOSTNAME_LABEL,
  LABEL_JOB_ID,
  LABEL_MANAGED,
  LABEL_NAME_HASH,
  nameHash,
  toK8sName,
  validateK8sJobId,
} from '@trainboard/shared/k8s/names';
import { disruptionsByNode, nodeToStatus, podDisruptions, type PodDisruption } from '@trainboard/shared/k8s/nodes';
import { isLeaderPod, jobToStatus, podHasRun, pyTorchJobToStatus } from '@trainboard/shared/k8s/status';
import type { K8sJob, K8sPod, K8sPyTorchJob } from '@trainboard/shared/k8s/types';
import { timeMs } from '@trainboard/shared/k8s/types';
import { validateSubmitSpec, type SubmitSpec } from '@trainboard/shared/slurm/submit';
import { historyRecordOf, isTerminalState, type JobStatus, type NodeStatus } from '@trainboard/shared/slurm/types';
import { absolutePath } from '@trainboard/shared/slurm/cluster';
import { shellQuote } from '@trainboard/shared/slurm/quote';
import { ShellError } from '../shell.js';
import { KubeApiError, KubeClient, type KubeClientOptions } from './client.js';
import { execInPod } from './podExec.js';
import { kubePodLogApi, type PodLogApi } from './podLogApi.js';
import { kubernetesRenderTarget } from './renderTarget.js';
import type { ClusterRow } from '../../db/clusters.repo.js';
import type { LoadedKubeConfig } from './kubeConfig.js';

/** Which manifests a cluster entry accepts: `auto` takes a PyTorchJob when the cluster serves the CRD. */
export type WorkloadPolicy = 'auto' | 'job' | 'pytorchjob';

export interface KubernetesBackendOptions {
  kube: LoadedKubeConfig;
  workload?: WorkloadPolicy;
  client?: KubeClientOptions;
  now?: () => number;
  /** Longest wait for an exec's answer (the kill switch). */
  execTimeoutMs?: number;
  /** Most pod events read per round (one request; default 500). */
  eventLimit?: number;
}

/** A job the backend found: its kind, object and pods. */
interface Found {
  id: string;
  kind: 'Job' | 'PyTorchJob';
  obj: K8sJob | K8sPyTorchJob;
}

/** A request the backend refuses as asked (wrong state, not ours); the message is safe to show. */
export class KubernetesRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubernetesRequestError';
  }
}

/**
 * updateExclude cannot change this job in place: a Job's pod template may change only while it is suspended and has
 * never started (the controller sets status.startTime at its first unsuspended sync, even with every pod Pending,
 * and never clears it), a PyTorchJob's only while suspended (running pods keep their spec). The control plane
 * answers it by cancelling the job and submitting a replacement with the new exclusions (executeAction.ts), which
 * it recognises by the ExcludeNeedsResubmit marker of clusterBackend.ts, not by this class.
 */
export class ExcludeNeedsResubmitError extends KubernetesRequestError implements ExcludeNeedsResubmit {
  readonly needsResubmit = true as const;
  constructor(readonly jobId: string) {
    super(`job ${jobId} has been started by the cluster: its excluded nodes cannot change in place`);
    this.name = 'ExcludeNeedsResubmitError';
  }
}

const MAX_TOMBSTONES = 10_000;
/** Pods whose node is remembered for their events (a deleted pod's event names no node). */
const MAX_POD_NODES = 5_000;
const POD_EVENTS = 'involvedObject.kind=Pod';

/** Label values per selector: a `key in (…)` list is kept short enough for any URL limit. */
const SELECTOR_CHUNK = 100;

function chunks<T>(xs: readonly T[], n = SELECTOR_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const nameOf = (o: Found['obj']) => o.metadata?.name as string;

export class KubernetesBackend implements ClusterBackend {
  readonly kind = 'kubernetes' as const;
  readonly target: string;
  readonly namespace: string;
  private readonly api: KubeClient;
  private readonly workload: WorkloadPolicy;
  private readonly now: () => number;
  private ptjServed: Promise<boolean> | null = null;
  /**
   * Jobs this backend deleted (cancel): a deleted Job is gone from the API, so without this the control plane would
   * see it vanish instead of end CANCELLED. In memory only; after a restart the database has the state.
   */
  private readonly tombstones = new Map<string, JobStatus>();
  /** No shell: the run folder is on a volume only the pods mount. */
  readonly runFolderAccess = false;
  /** The loaded kubeconfig (the pod log follower talks to the same API server with it). */
  readonly kube: LoadedKubeConfig;
  /** Waiting jobs whose dependency a status() poll has seen end: resumed at the next one (resumeSatisfied). */
  private readonly endSeen = new Set<string>();
  private readonly execTimeoutMs: number;
  private readonly eventLimit: number;
  /** Pod name → node, for the pods of this namespace seen running somewhere (bounded, oldest forgotten). */
  private readonly podNodes = new Map<string, string>();

  constructor(o: KubernetesBackendOptions) {
    this.kube = o.kube;
    this.api = new KubeClient(o.kube.kc, o.kube.namespace, o.client);
    this.namespace = o.kube.namespace;
    this.target = `${o.kube.target}/${o.kube.namespace}`;
    this.workload = o.workload ?? 'auto';
    this.now = o.now ?? Date.now;
    this.execTimeoutMs = o.execTimeoutMs ?? 30_000;
    this.eventLimit = o.eventLimit ?? 500;
  }

  /** Runs render as this entry's manifest (renderTarget.ts); `auto` asks the API which workload it serves. */
  renderTarget(row: ClusterRow): Promise<RenderTarget> {
    return kubernetesRenderTarget(row, () => this.preferredWorkload());
  }

  /** The pod log API over this backend's kubeconfig, for the log follower (ClusterBackend.logStreams). */
  logStreams(): PodLogApi {
    return kubePodLogApi(this.kube.kc);
  }

  /** The workload a run should be rendered as on this cluster (asks the API once for `auto`). */
  async preferredWorkload(): Promise<'job' | 'pytorchjob'> {
    if (this.workload !== 'auto') return this.workload;
    return (await this.pyTorchJobServed()) ? 'pytorchjob' : 'job';
  }

  private pyTorchJobServed(): Promise<boolean> {
    if (this.workload === 'job') return Promise.resolve(false);
    this.ptjServed ??= this.api.pyTorchJobServed().catch((e: unknown) => {
      this.ptjServed = null; // a failed discovery is asked again next time
      throw e;
    });
    return this.ptjServed;
  }

  // ---- submit -----------------------------------------------------------------------------------------------------

  /**
   * Creates what the pods need first (the env Secret, the rendezvous Service), then the Job or PyTorchJob, then makes
   * the job their owner, so deleting it garbage-collects them. A create the API refused leaves no job: they are
   * removed again; one whose answer was lost may have landed, and the retry adopts everything by name.
   */
  async submit(input: SubmitSpec): Promise<SubmittedJob> {
    const spec = validateSubmitSpec(input);
    const name = spec.name as string;
    const hosts = await this.hostnamesOf(excludedNodeNames(spec.exclude));
    const f = finalizeWorkload(spec, { namespace: this.namespace, excludeHostnames: hosts });
    await this.refuseIdClash(f.jobId, name);
    const ptj = f.workload.kind === 'PyTorchJob';
    if (ptj && !(await this.pyTorchJobServed()))
      throw new KubernetesRequestError(
        'this cluster does not serve kubeflow.org/v1 PyTorchJob: render the indexed-job manifest',
      );
    await this.createParts(f);
    let owner: Found['obj'];
    try {
      owner = ptj
        ? await this.createOrAdopt(
            f.jobId,
            name,
            () => this.api.createPyTorchJob(f.workload.job as K8sPyTorchJob),
            () => this.api.readPyTorchJob(f.objectName),
          )
        : await this.createOrAdopt(
            f.jobId,
            name,
            () => this.api.createJob(f.workload.job as K8sJob),
            () => this.api.readJob(f.objectName),
          );
    } catch (e) {
      if (!(e instanceof ShellError)) await this.removeParts(f);
      throw e;
    }
    await this.ownParts(f, owner.metadata?.uid ?? '');
    return { jobId: f.jobId, cluster: null };
  }

  /** The Secret and Service of a submission; a 409 is an earlier attempt's (same job id label), refreshed. */
  private async createParts(f: FinalizedWorkload): Promise<void> {
    const ours = (o: { metadata?: { labels?: Record<string, string> | null } | null } | null) =>
      o?.metadata?.labels?.[LABEL_JOB_ID] === f.jobId;
    const taken = (what: string) => new KubernetesRequestError(`a ${what} named for this job belongs to another job`);
    if (f.secret) {
      const secret = f.secret;
      const secretName = secret.metadata?.name as string;
      await this.api.createSecret(secret).catch(async (e: unknown) => {
        if (!(e instanceof KubeApiError && e.code === 409)) throw e;
        if (!ours(await this.api.readSecret(secretName))) throw taken('Secret');
        await this.api.patchSecret(secretName, { stringData: secret.stringData });
      });
    }
    if (f.service)
      await this.api.createService(f.service).catch((e: unknown) => {
        if (!(e instanceof KubeApiError && e.code === 409)) throw e; // made by an earlier attempt
      });
  }

  private async removeParts(f: FinalizedWorkload): Promise<void> {
    await Promise.all([
      f.secret ? this.api.deleteSecret(f.secret.metadata?.name as string).catch(() => undefined) : null,
      f.service ? this.api.deleteService(f.objectName).catch(() => undefined) : null,
    ]);
  }

  /**
   * Best effort: the job exists, so a failure here must not read as a failed submission (the control plane would
   * submit again). cancel() deletes the parts by name as well, so an unowned one does not outlive its job.
   */
  private async ownParts(f: FinalizedWorkload, uid: string): Promise<void> {
    const [apiVersion, kind] = f.workload.kind === 'Job' ? ['batch/v1', 'Job'] : ['kubeflow.org/v1', 'PyTorchJob'];
    const patch = { metadata: { ownerReferences: [{ apiVersion, kind, name: f.objectName, uid, controller: false }] } };
    await Promise.all([
      f.secret ? this.api.patchSecret(f.secret.metadata?.name as string, patch).catch(() => undefined) : null,
      f.service ? this.api.patchService(f.objectName, patch).catch(() => undefined) : null,
    ]);
  }

  /** Job ids are hashes of object names: another job with the same id (one chance in 10^12) is refused, not mixed up. */
  private async refuseIdClash(id: string, name: string): Promise<void> {
    const same = await this.objects(`${LABEL_JOB_ID}=${id}`);
    if (same.some((f) => f.obj.metadata?.annotations?.[ANNOTATION_NAME] !== name))
      throw new KubernetesRequestError(`job id ${id} is taken by another job: rename the run`);
  }

  /**
   * Creates the object; a 409 on its deterministic name is an earlier attempt of the same submission (a create whose
   * answer was lost) when the annotation carries the same keyed name and id, and is adopted; else refused.
   */
  private async createOrAdopt<T extends Found['obj']>(
    id: string,
    name: string,
    create: () => Promise<T>,
    read: () => Promise<T | null>,
  ): Promise<T> {
    try {
      return await create();
    } catch (e) {
      if (!(e instanceof KubeApiError && e.code === 409)) throw e;
      const existing = await read();
      const a = existing?.metadata;
      if (existing && a?.annotations?.[ANNOTATION_NAME] === name && a.labels?.[LABEL_JOB_ID] === id) return existing;
      throw new KubernetesRequestError(`an object named ${toK8sName(name)} exists and belongs to another job`);
    }
  }

  /**
   * `kubernetes.io/hostname` label values of the nodes (node names where the label is absent, the node unknown, or
   * RBAC forbids listing nodes: a namespace-scoped account often may not; the two are equal on most clusters).
   */
  private async hostnamesOf(nodeNames: readonly string[]): Promise<string[]> {
    if (!nodeNames.length) return [];
    const nodes = await this.api.listNodes().catch((e: unknown) => {
      if (e instanceof KubeApiError && e.code === 403) return [];
      throw e;
    });
    const byName = new Map(nodes.map((n) => [n.metadata?.name, n.metadata?.labels?.[HOSTNAME_LABEL]]));
    return nodeNames.map((n) => byName.get(n) ?? n);
  }

  /** The checks submit() makes before any request: DNS-1123 names, excluded node names, the manifest. */
  checkSubmit(input: SubmitSpec): void {
    const spec = validateSubmitSpec(input);
    excludedNodeNames(spec.exclude);
    finalizeWorkload(spec, { namespace: this.namespace, excludeHostnames: [] });
  }

  /** The leader pod's log of the object `spec` creates: what the pod log follower reads for this job. */
  jobLogSource(input: SubmitSpec): string {
    const f = finalizeWorkload(validateSubmitSpec(input), { namespace: this.namespace, excludeHostnames: [] });
    const pod =
      f.workload.kind === 'Job'
        ? (f.workload.job as K8sJob).spec?.template.spec?.containers[0]
        : (f.workload.job as K8sPyTorchJob).spec?.pytorchReplicaSpecs.Master?.template.spec?.containers[0];
    const workload = f.workload.kind === 'Job' ? 'job' : 'pytorchjob';
    return podLogSourcePath({
      namespace: this.namespace,
      workload,
      jobName: f.objectName,
      container: pod?.name ?? 'trainer',
    });
  }

  /** The API requests an operation makes, in words (the audit names objects and ids, never an sbatch line). */
  describe(op: BackendOperation): string {
    const ns = this.namespace;
    switch (op.kind) {
      case 'submit': {
        const f = finalizeWorkload(validateSubmitSpec(op.spec), { namespace: ns, excludeHostnames: [] });
        const hold = op.spec.dependency ? ` suspended until ${op.spec.dependency}` : op.spec.hold ? ' suspended' : '';
        const ex = op.spec.exclude ? `, excluding ${op.spec.exclude}` : '';
        // A plan (preview, requested action) has no key yet: its object name is not the one the Job will get.
        const name = op.spec.comment === KEY_PLACEHOLDER ? `${ns}/<named when submitted>` : `${ns}/${f.objectName}`;
        return `create ${f.workload.kind} ${name}${hold}${ex}`;
      }
      case 'cancel':
        return `delete jobs ${op.ids.join(', ')} in ${ns} (propagation Foreground)`;
      case 'hold':
        return `suspend jobs ${op.ids.join(', ')} in ${ns}`;
      case 'release':
        return `resume jobs ${op.ids.join(', ')} in ${ns}`;
      case 'updateExclude':
        return `patch job ${op.id} in ${ns}: node affinity excluding ${op.hostlist}`;
      case 'touchInJob':
        return `exec touch -- ${shellQuote(op.path)} in job ${op.id}'s leader pod (${ns})`;
      case 'clearedAtStart':
        return `nothing to remove now: the next job's start removes ${shellQuote(op.path)} (its node script)`;
    }
  }

  // ---- reads ------------------------------------------------------------------------------------------------------

  /** Every object (Job, and PyTorchJob when served) matching a label selector. */
  private async objects(selector: string): Promise<Found[]> {
    const [jobs, ptjs] = await Promise.all([
      this.api.listJobs(selector),
      this.pyTorchJobServed().then((served) => (served ? this.api.listPyTorchJobs(selector) : [])),
    ]);
    const found = (kind: Found['kind']) => (obj: Found['obj']) => ({
      id: obj.metadata?.labels?.[LABEL_JOB_ID] ?? '',
      kind,
      obj,
    });
    return [...jobs.map(found('Job')), ...ptjs.map(found('PyTorchJob'))];
  }

  private async byIds(ids: readonly string[]): Promise<Map<string, Found>> {
    const valid = [...new Set(ids.map(validateK8sJobId))];
    const lists = await Promise.all(chunks(valid).map((c) => this.objects(`${LABEL_JOB_ID} in (${c.join(',')})`)));
    return new Map(lists.flat().map((f) => [f.id, f]));
  }

  /** The pods of many jobs in one list per chunk (pod templates carry `trainboard.io/job=<object name>`). */
  private async podsOf(found: readonly Found[]): Promise<Map<string, K8sPod[]>> {
    const names = found.map((f) => nameOf(f.obj));
    const lists = await Promise.all(
      chunks(names).map((c) => this.api.listPods(`trainboard.io/job in (${c.join(',')})`)),
    );
    const out = new Map<string, K8sPod[]>(names.map((n) => [n, []]));
    for (const pod of lists.flat()) out.get(pod.metadata?.labels?.['trainboard.io/job'] ?? '')?.push(pod);
    this.rememberPodNodes(lists.flat());
    return out;
  }

  private rememberPodNodes(pods: readonly K8sPod[]): void {
    for (const p of pods) {
      const [name, node] = [p.metadata?.name, p.spec?.nodeName];
      if (!name || !node || (p.metadata?.namespace && p.metadata.namespace !== this.namespace)) continue;
      this.podNodes.delete(name); // re-inserted last: the map's order is the age
      this.podNodes.set(name, node);
    }
    for (const old of [...this.podNodes.keys()].slice(0, Math.max(0, this.podNodes.size - MAX_POD_NODES)))
      this.podNodes.delete(old);
  }

  /**
   * Evictions and preemptions among the namespace's pod events: one request of at most `eventLimit` events. Events
   * only add to what the pods and nodes say, so a refusal (RBAC without `events`) or a failed read is no events.
   */
  private async podDisruptionsNow(): Promise<PodDisruption[]> {
    return this.api.listEventsPage(POD_EVENTS, this.eventLimit).then(podDisruptions, () => []);
  }

  private statusOf(f: Found, pods: readonly K8sPod[], disruptions: readonly PodDisruption[] = []): JobStatus {
    return f.kind === 'Job'
      ? jobToStatus(f.obj as K8sJob, pods, this.now(), disruptions)
      : pyTorchJobToStatus(f.obj as K8sPyTorchJob, pods, this.now(), disruptions);
  }

  /**
   * The jobs' states from one list of their pods; when one failed, one read of the pod events as well: a preempted
   * or evicted pod is often deleted (only its Event remains), and the event says how the job ended.
   */
  private async statuses(found: readonly Found[]): Promise<JobStatus[]> {
    if (!found.length) return [];
    const pods = await this.podsOf(found);
    const podsOfJob = (f: Found) => pods.get(nameOf(f.obj)) ?? [];
    const first = found.map((f) => this.statusOf(f, podsOfJob(f)));
    if (!first.some((s) => s.state === 'FAILED')) return first;
    const disruptions = await this.podDisruptionsNow();
    if (!disruptions.length) return first;
    return found.map((f, i) =>
      first[i]?.state === 'FAILED' ? this.statusOf(f, podsOfJob(f), disruptions) : (first[i] as JobStatus),
    );
  }

  /** Live objects, minus the ones this backend cancelled: their tombstone answers (CANCELLED) while they are deleted. */
  private async liveByIds(ids: readonly string[]): Promise<Found[]> {
    return [...(await this.byIds(ids)).values()].filter((f) => !this.tombstones.has(f.id));
  }

  async status(jobIds: readonly string[]): Promise<StatusReport> {
    const live = await this.liveByIds(jobIds);
    const jobs = await this.statuses(live);
    const missing: string[] = [];
    const seen = new Set(live.map((f) => f.id));
    for (const id of new Set(jobIds)) {
      if (seen.has(id)) continue;
      const dead = this.tombstones.get(id);
      if (dead) jobs.push(dead);
      else missing.push(id);
    }
    const never = await this.resumeSatisfied(live, jobs);
    return {
      jobs: jobs.map((j) => (never.has(j.jobId) && j.state === 'PENDING' ? { ...j, reason: NEVER } : j)),
      missing,
    };
  }

  /**
   * History is what the API still holds: finished Jobs stay until deleted (or their TTL), PyTorchJobs likewise, plus
   * the jobs this backend cancelled. Kubernetes keeps no accounting; anything older is what Trainboard's database
   * recorded when it saw the job (the control plane keeps every job's last state).
   */
  async history(query: HistoryQuery = {}): Promise<HistoryReport> {
    const found = (
      query.jobIds ? await this.liveByIds(query.jobIds) : await this.objects(`${LABEL_MANAGED}=true`)
    ).filter((f) => !this.tombstones.has(f.id));
    const since = query.since ? Date.parse(`${query.since}Z`) : null;
    const all = [
      ...(await this.statuses(found)),
      ...[...this.tombstones.values()].filter((t) => !query.jobIds || query.jobIds.includes(t.jobId)),
    ];
    const records = all
      .filter((s) => since === null || (timeMs(s.submitTime ? `${s.submitTime}Z` : null) ?? 0) >= since)
      .map((s) => historyRecordOf(s));
    return {
      source: 'queue',
      records,
      note: 'Kubernetes keeps no job accounting: only jobs whose objects still exist are known',
    };
  }

  /** Node conditions and GPU use, with the recent evictions and preemptions of pods on each node. */
  async nodes(): Promise<NodeStatus[]> {
    const [nodes, pods, disruptions] = await Promise.all([
      this.api.listNodes(),
      this.api.listActivePodsAllNamespaces(),
      this.podDisruptionsNow(),
    ]);
    const byNode = new Map<string, K8sPod[]>();
    for (const p of pods ?? []) {
      const n = p.spec?.nodeName;
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    this.rememberPodNodes(pods ?? []);
    const hit = disruptionsByNode(disruptions, this.podNodes);
    return nodes.map((n) => {
      const name = n.metadata?.name ?? '';
      return nodeToStatus(n, pods === null ? null : (byNode.get(name) ?? []), hit.get(name) ?? []);
    });
  }

  async jobNodes(jobId: string): Promise<string[]> {
    const [f] = await this.liveByIds([jobId]);
    if (!f) return this.tombstones.get(jobId)?.nodes ?? [];
    return (await this.statuses([f]))[0]?.nodes ?? [];
  }

  /**
   * The pod whose log is the job's (index 0, or the PyTorchJob master): for the log follower. The newest one when a
   * restart left several; null while none exists (pending) or when the job is gone.
   */
  async leaderPod(jobId: string): Promise<{ namespace: string; pod: string; container: string; uid: string } | null> {
    const f = (await this.byIds([jobId])).get(jobId);
    if (!f) return null;
    const pods = ((await this.podsOf([f])).get(nameOf(f.obj)) ?? []).filter(isLeaderPod);
    pods.sort((a, b) => (timeMs(b.metadata?.creationTimestamp) ?? 0) - (timeMs(a.metadata?.creationTimestamp) ?? 0));
    const p = pods[0];
    const container = p?.spec?.containers[0]?.name;
    if (!p?.metadata?.name || !container) return null;
    return { namespace: this.namespace, pod: p.metadata.name, container, uid: p.metadata.uid ?? '' };
  }

  /**
   * The kill switch: `touch -- <path>` exec'd (argv, no shell) in the leader pod's trainer container, which mounts the
   * run folder. Refused before any request for a path that is not a plain absolute one, and when no leader pod of
   * the job is running (nothing would read the file; a pod that is gone has nothing to save).
   */
  async touchInJob(jobId: string, path: string): Promise<void> {
    const checked = absolutePath.safeParse(path);
    if (!checked.success)
      throw new KubernetesRequestError(
        `kill-switch path ${JSON.stringify(path)}: ${checked.error.issues[0]?.message ?? 'invalid'}`,
      );
    const leader = await this.runningLeader(jobId);
    if (!leader)
      throw new KubernetesRequestError(
        `job ${jobId} has no running leader pod to exec into: the kill switch was not set`,
      );
    await execInPod(this.kube.kc, leader, ['touch', '--', path], this.execTimeoutMs);
  }

  /** The job's leader pod whose first container is running (not being deleted), or null. */
  private async runningLeader(jobId: string): Promise<{ namespace: string; pod: string; container: string } | null> {
    const f = (await this.byIds([jobId])).get(jobId);
    if (!f || this.tombstones.has(jobId)) return null;
    const pods = ((await this.podsOf([f])).get(nameOf(f.obj)) ?? []).filter(
      (p) => isLeaderPod(p) && !p.metadata?.deletionTimestamp && p.status?.phase === 'Running',
    );
    for (const p of pods) {
      const container = p.spec?.containers[0]?.name;
      const state = p.status?.containerStatuses?.find((c) => c.name === container)?.state;
      if (p.metadata?.name && container && state?.running)
        return { namespace: this.namespace, pod: p.metadata.name, container };
    }
    return null;
  }

  async lookupByNames(names: readonly string[], since?: string): Promise<Map<string, JobStatus[]>> {
    const out = new Map<string, JobStatus[]>(names.map((n) => [n, []]));
    if (!names.length) return out;
    const hashes = names.map((n) => {
      toK8sName(n); // refuses a name outside the job-name rule before it reaches a selector
      return nameHash(n);
    });
    const lists = await Promise.all(chunks(hashes).map((c) => this.objects(`${LABEL_NAME_HASH} in (${c.join(',')})`)));
    const found = lists
      .flat()
      .filter((f) => out.has(f.obj.metadata?.annotations?.[ANNOTATION_NAME] ?? '') && !this.tombstones.has(f.id));
    const statuses = await this.statuses(found);
    for (const s of statuses) out.get(s.name)?.push(s);
    // The control plane observes through lookups (every tick): a chained job whose dependency ended resumes here too,
    // not only when something happens to ask status().
    await this.resumeSatisfied(found, statuses);
    for (const t of this.tombstones.values()) if (out.get(t.name)?.length === 0) out.get(t.name)?.push(t);
    const from = since ? Date.parse(`${since}Z`) : null;
    if (from !== null)
      for (const [n, list] of out)
        out.set(
          n,
          list.filter(
            (s) => !isTerminalState(s.state) || (timeMs(s.submitTime ? `${s.submitTime}Z` : null) ?? 0) >= from,
          ),
        );
    return out;
  }

  // ---- actions ----------------------------------------------------------------------------------------------------

  /**
   * Deletes with Foreground propagation: the object stays (deletionTimestamp set, read as CANCELLED) until its pods
   * are gone, then the Job and its Service disappear; a tombstone keeps answering CANCELLED for it.
   */
  async cancel(jobIds: readonly string[]): Promise<void> {
    const found = await this.byIds(jobIds);
    const last = await this.statuses([...found.values()]);
    for (const f of found.values()) {
      const name = nameOf(f.obj);
      if (f.kind === 'Job') await this.api.deleteJob(name, 'Foreground');
      else await this.api.deletePyTorchJob(name, 'Foreground');
      // Owned, so garbage-collected with the job; deleted by name too in case the owner patch was lost.
      const secret = f.obj.metadata?.annotations?.[ANNOTATION_ENV_SECRET];
      if (secret) await this.api.deleteSecret(secret).catch(() => undefined);
    }
    const end = new Date(this.now()).toISOString().slice(0, 19);
    for (const id of found.keys()) this.endSeen.delete(id);
    for (const s of last)
      if (!isTerminalState(s.state))
        this.tombstones.set(s.jobId, { ...s, state: 'CANCELLED', reason: 'Deleted', endTime: end });
    // Bounded: the control plane records each end; the oldest tombstones are no longer asked about.
    for (const id of [...this.tombstones.keys()].slice(0, Math.max(0, this.tombstones.size - MAX_TOMBSTONES)))
      this.tombstones.delete(id);
  }

  /** A new submission from the manifest this job was submitted with (its annotation), never from the server's object. */
  async resubmit(jobId: string, options: Omit<SubmitSpec, 'script'>): Promise<SubmittedJob> {
    const f = (await this.byIds([jobId])).get(jobId);
    const kept = f?.obj.metadata?.annotations?.[ANNOTATION_SCRIPT];
    if (!kept)
      throw new KubernetesRequestError(`job ${jobId} is gone or was not submitted by Trainboard: nothing to resubmit`);
    // The kept manifest references the job's Secret for its env values: the new job gets them in its own.
    const secretName = f?.obj.metadata?.annotations?.[ANNOTATION_ENV_SECRET];
    let script = kept;
    if (secretName) {
      const secret = await this.api.readSecret(secretName);
      if (!secret) throw new KubernetesRequestError(`job ${jobId}'s environment Secret is gone: submit the run again`);
      const values = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
      script = withEnvValues(kept, secretName, values);
    }
    return this.submit({ ...options, script });
  }

  /**
   * Suspends queued jobs: those none of whose pods has run (Pending pods are deleted by the controller and made again
   * on release). Not status.startTime: the Job controller sets it while the pods are still Pending.
   */
  async hold(jobIds: readonly string[]): Promise<void> {
    const found = [...(await this.byIds(jobIds)).values()];
    const pods = await this.podsOf(found);
    for (const f of found)
      if ((pods.get(nameOf(f.obj)) ?? []).some(podHasRun))
        throw new KubernetesRequestError(`job ${f.id} has started: hold applies to pending jobs`);
    for (const f of found) await this.setSuspend(f, true, { [ANNOTATION_HELD]: 'user' });
  }

  async release(jobIds: readonly string[]): Promise<void> {
    for (const f of (await this.byIds(jobIds)).values()) {
      // A job that also waits for another stays suspended until that one ends (status() resumes it).
      const waiting = !!f.obj.metadata?.annotations?.[ANNOTATION_DEPENDENCY];
      await this.setSuspend(f, waiting, { [ANNOTATION_HELD]: null });
    }
  }

  private async setSuspend(f: Found, suspend: boolean, annotations: Record<string, string | null>): Promise<void> {
    const name = nameOf(f.obj);
    if (f.kind === 'Job') await this.api.patchJob(name, { metadata: { annotations }, spec: { suspend } });
    else await this.api.patchPyTorchJob(name, { metadata: { annotations }, spec: { runPolicy: { suspend } } });
  }

  /**
   * New excluded nodes of queued jobs, as node affinity in the pod template, where the API lets it change: a Job
   * suspended since its creation (held, or waiting for its dependency) and never started, a suspended PyTorchJob.
   * Any other job is refused with ExcludeNeedsResubmitError (the control plane cancels and resubmits it): once a Job
   * has been unsuspended its template is frozen for good, and suspending it again does not clear status.startTime.
   * A resume racing this patch (status() resuming a dependent) makes the server refuse it (422): the same answer.
   */
  async updateExclude(jobIds: readonly string[], hostlist: string): Promise<void> {
    const hosts = await this.hostnamesOf(excludedNodeNames(hostlist));
    for (const f of (await this.byIds(jobIds)).values()) {
      if (!isSuspended(f) || started(f)) throw new ExcludeNeedsResubmitError(f.id);
      const name = nameOf(f.obj);
      const patch =
        f.kind === 'PyTorchJob'
          ? () =>
              this.api.patchPyTorchJob(name, {
                spec: { pytorchReplicaSpecs: replicaAffinity(f.obj as K8sPyTorchJob, hosts) },
              })
          : () => {
              const tpl = (f.obj as K8sJob).spec?.template.spec;
              const affinity = excludeAffinity(hosts, tpl?.affinity) ?? null;
              return this.api.patchJob(name, { spec: { template: { spec: { affinity } } } });
            };
      await patch().catch((e: unknown) => {
        if (e instanceof KubeApiError && e.code === 422) throw new ExcludeNeedsResubmitError(f.id);
        throw e;
      });
    }
  }

  /**
   * Resumes suspended jobs whose dependency is satisfied: `afterany:<id>` once that job has ended, `afterok:<id>`
   * once it COMPLETED, and only from the second poll that sees it ended, so that the control plane, which learns of
   * the end from the first one, can still exclude nodes from the waiting job while its template may change. A
   * dependency that can never be satisfied (afterok on a job that did not complete, or a job this backend cannot
   * find: deleted by someone else, or cancelled before a restart) leaves the job suspended and is returned, to be
   * reported as Slurm does (DependencyNeverSatisfied). Runs with each status() poll.
   */
  private async resumeSatisfied(found: readonly Found[], known: readonly JobStatus[]): Promise<Set<string>> {
    const never = new Set<string>();
    const waiting = found.filter(
      (f) =>
        isSuspended(f) &&
        !f.obj.metadata?.annotations?.[ANNOTATION_HELD] &&
        f.obj.metadata?.annotations?.[ANNOTATION_DEPENDENCY],
    );
    if (!waiting.length) return never;
    const deps = waiting.map((f) => parseDependency(f.obj.metadata?.annotations?.[ANNOTATION_DEPENDENCY] as string));
    const unknown = deps.flatMap((d) => (d && !known.some((k) => k.jobId === d.id) ? [d.id] : []));
    const more = unknown.length ? await this.statuses(await this.liveByIds(unknown)) : [];
    const state = new Map([...known, ...more, ...this.tombstones.values()].map((s) => [s.jobId, s.state]));
    for (const [i, f] of waiting.entries()) {
      const d = deps[i];
      const s = d ? state.get(d.id) : undefined;
      if (!d || s === undefined || (d.type === 'afterok' && isTerminalState(s) && s !== 'COMPLETED')) {
        never.add(f.id);
        continue;
      }
      if (!isTerminalState(s)) continue;
      if (!this.endSeen.has(f.id)) {
        this.endSeen.add(f.id); // resumed at the next poll
        continue;
      }
      await this.setSuspend(f, false, { [ANNOTATION_DEPENDENCY]: null });
      this.endSeen.delete(f.id);
    }
    return never;
  }

  async close(): Promise<void> {
    // Plain HTTP requests, no connection held open between calls.
  }
}

function isSuspended(f: Found): boolean {
  return f.kind === 'Job'
    ? (f.obj as K8sJob).spec?.suspend === true
    : (f.obj as K8sPyTorchJob).spec?.runPolicy?.suspend === true;
}

/** Slurm's reason for a job whose dependency can never be satisfied. */
const NEVER = 'DependencyNeverSatisfied';

/**
 * Unsuspended at least once: the Job controller sets status.startTime at the first sync of an unsuspended Job (its
 * pods may still be Pending), keeps it when the Job is suspended and sets it anew on resume.
 */
function started(f: Found): boolean {
  return f.kind === 'Job' && !!f.obj.status?.startTime;
}

function parseDependency(text: string): { type: 'afterany' | 'afterok'; id: string } | null {
  const m = /^(afterany|afterok):(\d{1,12})$/.exec(text);
  return m ? { type: m[1] as 'afterany' | 'afterok', id: m[2] as string } : null;
}

function replicaAffinity(job: K8sPyTorchJob, hosts: readonly string[]) {
  const specs = job.spec?.pytorchReplicaSpecs ?? {};
  const out: Record<string, unknown> = {};
  for (const [role, r] of Object.entries(specs))
    if (r) out[role] = { template: { spec: { affinity: excludeAffinity(hosts, r.template.spec?.affinity) ?? null } } };
  return out;
}
