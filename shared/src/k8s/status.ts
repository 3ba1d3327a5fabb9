// Job/PyTorchJob + their pods → the JobStatus records the control plane already reads for Slurm jobs, with the
// same state words (shared/src/slurm/types.ts), so nothing above the backend learns Kubernetes. How a job ended is
// read from the pod that failed: OOMKilled → OUT_OF_MEMORY, scheduler preemption → PREEMPTED, eviction / taint
// manager / a lost node → NODE_FAIL, the active deadline (the pod's, or the Job's) → TIMEOUT, else FAILED with the
// container's exit code. A job being deleted (we delete to cancel) reads CANCELLED even when its killed pods have
// meanwhile made the controller mark it Failed. A pod that is gone (deleted by the scheduler to preempt it, by the
// taint manager, by the pod GC) leaves only its Event: the pod events of the job's pods (nodes.ts podDisruptions)
// then say how it ended, and they also name the cause of a pod that only reads Failed with exit 143.
import type { JobStatus } from '../slurm/types.js';
import type { PodDisruption } from './nodes.js';
import {
  ANNOTATION_DEPENDENCY,
  ANNOTATION_HELD,
  ANNOTATION_NAME,
  COMPLETION_INDEX,
  LABEL_JOB_ID,
  PTJ_ROLE_LABEL,
} from './names.js';
import type { K8sCondition, K8sContainerStateTerminated, K8sJob, K8sPod, K8sPyTorchJob, K8sTime } from './types.js';
import { slurmTime, timeMs } from './types.js';

export interface PodCause {
  state: 'OUT_OF_MEMORY' | 'PREEMPTED' | 'NODE_FAIL' | 'TIMEOUT' | 'FAILED' | 'COMPLETED';
  reason: string;
  exitCode: number | null;
  exitSignal: number | null;
}

const NODE_LOSS = new Set([
  'DeletionByTaintManager',
  'EvictionByEvictionAPI',
  'DeletionByPodGC',
  'TerminationByKubelet',
]);

const PREEMPTION = new Set(['PreemptionByScheduler', 'PreemptionByKubeScheduler']);

const isTrue = (c: K8sCondition | undefined): c is K8sCondition => c?.status === 'True';
const condition = (conds: readonly K8sCondition[] | null | undefined, type: string) =>
  (conds ?? []).find((c) => c.type === type);

/** The trainer container's last termination (the first container is the trainer; see manifests.ts). */
function terminated(pod: K8sPod): K8sContainerStateTerminated | null {
  const first = pod.spec?.containers[0]?.name;
  const cs = pod.status?.containerStatuses?.find((s) => s.name === first) ?? pod.status?.containerStatuses?.[0];
  return cs?.state?.terminated ?? cs?.lastState?.terminated ?? null;
}

/** CRI runtimes rarely fill `signal`; 128+N is the shell's convention for "killed by signal N". */
function exitOf(t: K8sContainerStateTerminated | null): { exitCode: number | null; exitSignal: number | null } {
  if (!t) return { exitCode: null, exitSignal: null };
  const signal = t.signal ?? (t.exitCode > 128 && t.exitCode < 160 ? t.exitCode - 128 : null);
  return { exitCode: t.exitCode, exitSignal: signal || null };
}

/** How one finished (or disrupted) pod ended; null while it runs or waits. */
export function podCause(pod: K8sPod): PodCause | null {
  const st = pod.status;
  const term = terminated(pod);
  const exit = exitOf(term);
  const disruption = condition(st?.conditions, 'DisruptionTarget');
  if (term?.reason === 'OOMKilled') return { state: 'OUT_OF_MEMORY', reason: 'OOMKilled', ...exit };
  // The pod's activeDeadlineSeconds (the run's time limit, counted from the pod's start): the kubelet kills it.
  if (st?.reason === 'DeadlineExceeded') return { state: 'TIMEOUT', reason: 'DeadlineExceeded', ...exit };
  // The condition reason was PreemptionByKubeScheduler until v1.27 renamed it PreemptionByScheduler.
  if (isTrue(disruption) && PREEMPTION.has(disruption.reason ?? ''))
    return { state: 'PREEMPTED', reason: disruption.reason as string, ...exit };
  if (st?.reason === 'Preempting' || st?.reason === 'Preempted')
    return { state: 'PREEMPTED', reason: st.reason, ...exit };
  if (st?.reason === 'Evicted') return { state: 'NODE_FAIL', reason: 'Evicted', ...exit };
  if (st?.reason === 'NodeLost' || st?.phase === 'Unknown')
    return { state: 'NODE_FAIL', reason: st?.reason ?? 'NodeLost', ...exit };
  if (isTrue(disruption) && NODE_LOSS.has(disruption.reason ?? ''))
    return { state: 'NODE_FAIL', reason: disruption.reason as string, ...exit };
  if (st?.phase === 'Failed' || (term && term.exitCode !== 0))
    return { state: 'FAILED', reason: term?.reason ?? st?.reason ?? 'Error', ...exit };
  if (st?.phase === 'Succeeded') return { state: 'COMPLETED', reason: 'Completed', ...exit };
  return null;
}

/** Index 0 of an Indexed Job, or the PyTorchJob master: the rank whose exit code is the job's. */
export function isLeaderPod(pod: K8sPod): boolean {
  const m = pod.metadata;
  return (
    m?.annotations?.[COMPLETION_INDEX] === '0' ||
    m?.labels?.[COMPLETION_INDEX] === '0' ||
    m?.labels?.[PTJ_ROLE_LABEL] === 'master'
  );
}

const EVENT_STATE: Readonly<Record<PodDisruption['kind'], { state: PodCause['state']; reason: string }>> = {
  evicted: { state: 'NODE_FAIL', reason: 'Evicted' },
  'node-not-ready': { state: 'NODE_FAIL', reason: 'NodeNotReady' },
  preempted: { state: 'PREEMPTED', reason: 'Preempted' },
  oom: { state: 'OUT_OF_MEMORY', reason: 'OOMKilled' },
};

/** How a pod ended by its event (the pod's own exit code, when it is still there, is kept). */
function eventCause(d: PodDisruption, exit: PodCause | null): PodCause {
  return { ...EVENT_STATE[d.kind], exitCode: exit?.exitCode ?? null, exitSignal: exit?.exitSignal ?? null };
}

/**
 * Each pod's cause, where an event of the pod says more than its status: the pod is gone, or it reads only Failed
 * (a cluster without the DisruptionTarget condition kills a preempted pod with SIGTERM: exit 143, reason Error).
 */
function podCauses(pods: readonly K8sPod[], disruptions: readonly PodDisruption[]): (PodCause | null)[] {
  const latest = new Map<string, PodDisruption>();
  for (const d of disruptions)
    if ((latest.get(d.pod)?.atMs ?? -Infinity) <= (d.atMs ?? -Infinity)) latest.set(d.pod, d);
  const causes = pods.map((p) => {
    const c = podCause(p);
    const d = latest.get(p.metadata?.name ?? '');
    latest.delete(p.metadata?.name ?? '');
    return d && (c === null || c.state === 'FAILED') ? eventCause(d, c) : c;
  });
  return [...causes, ...[...latest.values()].map((d) => eventCause(d, null))];
}

/** The cause of a failed job: the worst pod first (a node loss explains the others' exits, not the reverse). */
function failureCause(pods: readonly K8sPod[], disruptions: readonly PodDisruption[]): PodCause | null {
  const order: PodCause['state'][] = ['NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'TIMEOUT', 'FAILED'];
  const causes = podCauses(pods, disruptions).filter((c): c is PodCause => c !== null && c.state !== 'COMPLETED');
  causes.sort((a, b) => order.indexOf(a.state) - order.indexOf(b.state));
  return causes[0] ?? null;
}

/** The nodes of the job's pods, and of its pods gone since whose events name their node (a preempted rank). */
function podNodes(pods: readonly K8sPod[], disruptions: readonly PodDisruption[]): string[] {
  const names = [...pods.map((p) => p.spec?.nodeName), ...disruptions.map((d) => d.node)];
  return [...new Set(names.filter((n): n is string => !!n))].sort();
}

/** Why a job's pods are not all running yet: unschedulable, pulling an image, … (Slurm's pending reason). */
function pendingReason(pods: readonly K8sPod[]): string | null {
  for (const pod of pods) {
    const sched = condition(pod.status?.conditions, 'PodScheduled');
    if (sched?.status === 'False') return sched.reason ?? 'Unschedulable';
  }
  for (const pod of pods) {
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    if (waiting?.reason) return waiting.reason;
  }
  return null;
}

/** Slurm's pending reasons for a suspended job: a user hold wins over a dependency (both must clear). */
function waitReason(meta: K8sJob['metadata']): string {
  const a = meta?.annotations ?? {};
  if (a[ANNOTATION_HELD]) return 'JobHeldUser';
  if (a[ANNOTATION_DEPENDENCY]) return 'Dependency';
  return 'JobHeldUser';
}

interface Verdict {
  state: string;
  reason: string | null;
  exitCode: number | null;
  exitSignal: number | null;
}

function running(pods: readonly K8sPod[]): Verdict {
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  const up = live.filter((p) => p.status?.phase === 'Running').length;
  if (up === 0)
    return { state: 'PENDING', reason: pendingReason(live) ?? 'Resources', exitCode: null, exitSignal: null };
  const waiting = live.length - up;
  return { state: 'RUNNING', reason: waiting > 0 ? pendingReason(live) : null, exitCode: null, exitSignal: null };
}

/** The object's own active deadline: Job reason DeadlineExceeded; the training operator's <Kind>Failed + message. */
const DEADLINE_MESSAGE = /active longer than specified deadline/i;

function failed(pods: readonly K8sPod[], cond: K8sCondition, disruptions: readonly PodDisruption[]): Verdict {
  const reason = cond.reason;
  if (reason === 'DeadlineExceeded' || DEADLINE_MESSAGE.test(cond.message ?? ''))
    return { state: 'TIMEOUT', reason: 'DeadlineExceeded', exitCode: null, exitSignal: null };
  const cause = failureCause(pods, disruptions);
  if (!cause) return { state: 'FAILED', reason: reason ?? 'Failed', exitCode: null, exitSignal: null };
  return { state: cause.state, reason: cause.reason, exitCode: cause.exitCode, exitSignal: cause.exitSignal };
}

function leaderExit(pods: readonly K8sPod[]): Pick<Verdict, 'exitCode' | 'exitSignal'> {
  const leader = pods.find(isLeaderPod);
  return leader ? exitOf(terminated(leader)) : { exitCode: 0, exitSignal: null };
}

/** A pod that has run (or runs): its job is no longer only queued, so hold no longer applies. */
export function podHasRun(pod: K8sPod): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return true;
  return (pod.status?.containerStatuses ?? []).some(
    (c) => !!c.state?.running || !!c.state?.terminated || !!c.lastState?.terminated,
  );
}

/**
 * Deleted before it ended: we delete to cancel. Deleting kills the pods, and the controller (still syncing the
 * object until it is gone) may then mark it Failed: only an end condition from before the deletion stands.
 */
function deletedBeforeEnd(meta: K8sJob['metadata'], conds: readonly K8sCondition[] | null | undefined): boolean {
  const deleted = timeMs(meta?.deletionTimestamp);
  if (deleted === null) return false;
  const ended = (conds ?? []).filter(
    (c) => isTrue(c) && (c.type === 'Failed' || c.type === 'Complete' || c.type === 'Succeeded'),
  );
  return !ended.some((c) => (timeMs(c.lastTransitionTime) ?? Infinity) < deleted);
}

const CANCELLED: Verdict = { state: 'CANCELLED', reason: 'Deleted', exitCode: null, exitSignal: null };

/** State of an Indexed Job from its conditions, spec and pods (and its pods' events). */
function jobVerdict(job: K8sJob, pods: readonly K8sPod[], disruptions: readonly PodDisruption[]): Verdict {
  const conds = job.status?.conditions;
  if (deletedBeforeEnd(job.metadata, conds)) return CANCELLED;
  const failedCond = condition(conds, 'Failed');
  if (isTrue(failedCond)) return failed(pods, failedCond, disruptions);
  if (isTrue(condition(conds, 'Complete'))) return { state: 'COMPLETED', reason: null, ...leaderExit(pods) };
  // FailureTarget / SuccessCriteriaMet: decided, pods still terminating (Slurm's COMPLETING).
  if (isTrue(condition(conds, 'FailureTarget')) || isTrue(condition(conds, 'SuccessCriteriaMet')))
    return {
      state: 'COMPLETING',
      reason: condition(conds, 'FailureTarget')?.reason ?? null,
      exitCode: null,
      exitSignal: null,
    };
  if (job.spec?.suspend || isTrue(condition(conds, 'Suspended')))
    return { state: 'PENDING', reason: waitReason(job.metadata), exitCode: null, exitSignal: null };
  return running(pods);
}

function lastTrue(conds: readonly K8sCondition[] | null | undefined): K8sCondition | undefined {
  return [...(conds ?? [])].reverse().find((c) => c.status === 'True');
}

/** State of a PyTorchJob: its last True condition (the CRD's own printer column), the pods for how it failed. */
function pyTorchVerdict(job: K8sPyTorchJob, pods: readonly K8sPod[], disruptions: readonly PodDisruption[]): Verdict {
  if (deletedBeforeEnd(job.metadata, job.status?.conditions)) return CANCELLED;
  const last = lastTrue(job.status?.conditions);
  const none = { exitCode: null, exitSignal: null };
  switch (last?.type) {
    case 'Succeeded':
      return { state: 'COMPLETED', reason: null, ...leaderExit(pods) };
    case 'Failed':
      return failed(pods, last, disruptions);
    case 'Suspended':
      return { state: 'PENDING', reason: waitReason(job.metadata), ...none };
    case 'Running':
      return { state: 'RUNNING', reason: null, ...none };
    case 'Restarting':
      return { state: 'RUNNING', reason: 'Restarting', ...none };
    default:
      if (job.spec?.runPolicy?.suspend) return { state: 'PENDING', reason: waitReason(job.metadata), ...none };
      return running(pods);
  }
}

function elapsed(start: K8sTime | null | undefined, end: K8sTime | null | undefined, nowMs: number): number | null {
  const s = timeMs(start);
  if (s === null) return null;
  return Math.max(0, Math.round(((timeMs(end) ?? nowMs) - s) / 1000));
}

function endTime(
  conds: readonly K8sCondition[] | null | undefined,
  completion: K8sTime | null | undefined,
  state: string,
) {
  if (completion) return completion;
  if (!['FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'OUT_OF_MEMORY', 'COMPLETED'].includes(state)) return null;
  const done = (conds ?? []).find(
    (c) => (c.type === 'Failed' || c.type === 'Complete' || c.type === 'Succeeded') && c.status === 'True',
  );
  return done?.lastTransitionTime ?? null;
}

function record(
  meta: K8sJob['metadata'],
  v: Verdict,
  times: { start: K8sTime | null | undefined; end: K8sTime | null | undefined },
  extra: {
    nodeCount: number | null;
    limit: number | null;
    pods: readonly K8sPod[];
    disruptions: readonly PodDisruption[];
    nowMs: number;
  },
): JobStatus {
  const id = meta?.labels?.[LABEL_JOB_ID] ?? '';
  const nodes = podNodes(extra.pods, extra.disruptions);
  return {
    id,
    jobId: id,
    arrayJobId: null,
    arrayTaskId: null,
    name: meta?.annotations?.[ANNOTATION_NAME] ?? meta?.name ?? '',
    state: v.state,
    reason: v.reason,
    nodeList: nodes.length ? nodes.join(',') : null,
    nodes,
    partition: null,
    submitTime: slurmTime(meta?.creationTimestamp),
    startTime: slurmTime(times.start),
    endTime: slurmTime(times.end),
    elapsedSeconds: elapsed(times.start, times.end, extra.nowMs),
    timeLimitSeconds: extra.limit,
    nodeCount: extra.nodeCount,
    exitCode: v.exitCode,
    exitSignal: v.exitSignal,
  };
}

/**
 * When the job began to run: its first pod's start on a node (Slurm's StartTime, the allocation), else the object's
 * startTime. None while it is queued: a Job's startTime is set at the controller's first sync even while every pod
 * is Pending, and again at each resume.
 */
function runStart(v: Verdict, pods: readonly K8sPod[], objectStart: K8sTime | null | undefined): K8sTime | null {
  if (v.state === 'PENDING') return null;
  const starts = pods.map((p) => timeMs(p.status?.startTime)).filter((t): t is number => t !== null);
  return starts.length ? new Date(Math.min(...starts)) : (objectStart ?? null);
}

/**
 * The Job controller's pod names: generateName `<job>-<index>-` (the job name cut so that it fits 58 characters,
 * the index kept) plus 5 random characters (job_controller.go podGenerateNameWithIndex).
 */
export function isIndexedJobPodName(podName: string, jobName: string): boolean {
  const m = /^(.*)-(\d+)-[a-z0-9]{5}$/.exec(podName);
  if (!m) return false;
  const [base, index] = [m[1] as string, m[2] as string];
  const prefix = `${jobName}-${index}-`;
  return base === jobName || (prefix.length > 58 && `${base}-${index}-`.length === 58 && jobName.startsWith(base));
}

/** The training operator's pod names: `<job>-master-0`, `<job>-worker-<n>`. */
export function isPyTorchJobPodName(podName: string, jobName: string): boolean {
  return podName.startsWith(`${jobName}-`) && /^(master|worker)-\d+$/.test(podName.slice(jobName.length + 1));
}

/** The disruptions of this object's pods, by pod name (the pods themselves may be gone). */
function ownDisruptions(
  name: string | null | undefined,
  disruptions: readonly PodDisruption[],
  isPod: (pod: string, job: string) => boolean,
): PodDisruption[] {
  return name ? disruptions.filter((d) => isPod(d.pod, name)) : [];
}

/**
 * One Indexed Job (with the pods that carry its job-name label) as a JobStatus. `disruptions`: pod events of the
 * namespace (any pods: those of this Job are picked by name).
 */
export function jobToStatus(
  job: K8sJob,
  pods: readonly K8sPod[],
  nowMs = Date.now(),
  disruptions: readonly PodDisruption[] = [],
): JobStatus {
  const own = ownDisruptions(job.metadata?.name, disruptions, isIndexedJobPodName);
  const v = jobVerdict(job, pods, own);
  const end = endTime(job.status?.conditions, job.status?.completionTime, v.state);
  return record(
    job.metadata,
    v,
    { start: runStart(v, pods, job.status?.startTime), end },
    {
      nodeCount: job.spec?.completions ?? null,
      limit: job.spec?.template.spec?.activeDeadlineSeconds ?? job.spec?.activeDeadlineSeconds ?? null,
      pods,
      disruptions: own,
      nowMs,
    },
  );
}

/** One PyTorchJob (with its master and worker pods) as a JobStatus. */
export function pyTorchJobToStatus(
  job: K8sPyTorchJob,
  pods: readonly K8sPod[],
  nowMs = Date.now(),
  disruptions: readonly PodDisruption[] = [],
): JobStatus {
  const own = ownDisruptions(job.metadata?.name, disruptions, isPyTorchJobPodName);
  const v = pyTorchVerdict(job, pods, own);
  const r = job.spec?.pytorchReplicaSpecs;
  const nodeCount = r ? (r.Master?.replicas ?? 1) + (r.Worker?.replicas ?? 0) : null;
  const end = endTime(job.status?.conditions, job.status?.completionTime, v.state);
  return record(
    job.metadata,
    v,
    { start: runStart(v, pods, job.status?.startTime), end },
    {
      nodeCount,
      limit: r?.Master?.template.spec?.activeDeadlineSeconds ?? job.spec?.runPolicy?.activeDeadlineSeconds ?? null,
      pods,
      disruptions: own,
      nowMs,
    },
  );
}
