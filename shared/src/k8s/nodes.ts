// Node + the pods placed on it → the NodeStatus the control plane knows from sinfo (idle/mixed/allocated/down/
// drained/draining), so F7–F13 read a Kubernetes node as they read a Slurm one. Pod events (evictions,
// preemptions) are summarised per pod: on the node's status (what a person sees on the node), and for the job's end
// when its pod is gone and only the Event remains (status.ts).
import type { NodeDisruption, NodeStatus } from '../slurm/types.js';
import { parseQuantity } from './quantity.js';
import type { K8sNode, K8sPod, K8sTime } from './types.js';
import { timeMs } from './types.js';

export const GPU_RESOURCE = 'nvidia.com/gpu';
const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'];
/** Taints every node carries for a reason already reported (cordon → drained) or that only steer placement. */
const QUIET_TAINTS = new Set(['node.kubernetes.io/unschedulable', GPU_RESOURCE]);

function gpusRequested(pod: K8sPod): number {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const limits = c.resources?.limits?.[GPU_RESOURCE] ?? c.resources?.requests?.[GPU_RESOURCE];
    sum += parseQuantity(limits ?? null) ?? 0;
  }
  return sum;
}

const isActive = (p: K8sPod) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

/** Why a node is not plainly usable: a down message, a pressure condition, or a NoSchedule/NoExecute taint. */
function nodeReason(node: K8sNode, ready: string | undefined): string | null {
  const conds = node.status?.conditions ?? [];
  if (ready !== 'True') {
    const c = conds.find((x) => x.type === 'Ready');
    return c?.message || c?.reason || 'NotReady';
  }
  const pressure = conds.find((c) => PRESSURE.includes(c.type) && c.status === 'True');
  if (pressure) return pressure.type;
  const taint = (node.spec?.taints ?? []).find(
    (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !QUIET_TAINTS.has(t.key),
  );
  if (taint) return `taint ${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
  return node.spec?.unschedulable ? 'cordoned' : null;
}

/**
 * One node. `podsOnNode` are the pods bound to it (all namespaces when the API allowed it); without them (null)
 * the GPU use is unknown and a ready node reads `idle`.
 */
export function nodeToStatus(
  node: K8sNode,
  podsOnNode: readonly K8sPod[] | null,
  disruptions: readonly PodDisruption[] = [],
): NodeStatus {
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const gpus = parseQuantity(alloc[GPU_RESOURCE] ?? null);
  const cpu = parseQuantity(alloc.cpu ?? null);
  const memory = parseQuantity(alloc.memory ?? null);
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  const active = (podsOnNode ?? []).filter(isActive);
  const used = active.reduce((n, p) => n + gpusRequested(p), 0);
  let state: string;
  if (ready !== 'True') state = 'down';
  else if (node.spec?.unschedulable) state = active.length ? 'draining' : 'drained';
  else if (used === 0 && active.length === 0) state = 'idle';
  else state = gpus !== null && used >= gpus && gpus > 0 ? 'allocated' : 'mixed';
  const notResponding = ready === 'Unknown' || ready === undefined;
  return {
    name: node.metadata?.name ?? '',
    state,
    rawState: notResponding ? `${state}*` : state,
    notResponding,
    cpus: cpu === null ? null : Math.floor(cpu),
    memoryMb: memory === null ? null : Math.floor(memory / 2 ** 20),
    gpus: gpus === null ? null : Math.floor(gpus),
    reason: nodeReason(node, ready),
    ...(disruptions.length ? { disruptions: disruptions.map(toNodeDisruption) } : {}),
  };
}

const toNodeDisruption = (d: PodDisruption): NodeDisruption => ({
  kind: d.kind,
  pod: d.pod,
  message: d.message,
  atMs: d.atMs,
});

/** A core/v1 Event as the backend reads it (see K8S-NOTES §2.4). */
export interface K8sEvent {
  involvedObject?: {
    kind?: string | null;
    namespace?: string | null;
    name?: string | null;
    uid?: string | null;
    apiVersion?: string | null;
    resourceVersion?: string | null;
    fieldPath?: string | null;
  } | null;
  reason?: string | null;
  message?: string | null;
  type?: string | null;
  /** The kubelet's events name their node here (`host`); the scheduler's leave it empty. */
  source?: { component?: string | null; host?: string | null } | null;
  reportingComponent?: string | null;
  count?: number | null;
  firstTimestamp?: K8sTime | null;
  lastTimestamp?: K8sTime | null;
  eventTime?: K8sTime | null;
  series?: { count?: number | null; lastObservedTime?: K8sTime | null } | null;
  metadata?: { name?: string | null; creationTimestamp?: K8sTime | null } | null;
}

export interface PodDisruption {
  pod: string;
  kind: 'evicted' | 'preempted' | 'oom' | 'node-not-ready';
  message: string;
  atMs: number | null;
  /** The node the event names (the kubelet's source host, the scheduler's "on node X"); null when it names none. */
  node: string | null;
}

/** The scheduler's message on a victim: `Preempted by pod <uid> on node <node>` (preemption.go). */
const ON_NODE = /\bon node ([a-z0-9]([-a-z0-9.]*[a-z0-9])?)\b/i;

const EVENT_KIND: Readonly<Record<string, PodDisruption['kind']>> = {
  Evicted: 'evicted',
  TaintManagerEviction: 'evicted',
  Preempted: 'preempted',
  Preempting: 'preempted',
  OOMKilling: 'oom',
  NodeNotReady: 'node-not-ready',
};

/** Evictions, preemptions and OOM kills among pod events (events expire after ~1 h: record what was seen). */
export function podDisruptions(events: readonly K8sEvent[]): PodDisruption[] {
  const out: PodDisruption[] = [];
  for (const e of events) {
    const kind = EVENT_KIND[e.reason ?? ''];
    if (!kind || !e.involvedObject?.name) continue;
    const at = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
    const node = e.source?.host || ON_NODE.exec(e.message ?? '')?.[1] || null;
    out.push({ pod: e.involvedObject.name, kind, message: e.message ?? '', atMs: timeMs(at), node });
  }
  return out;
}

/**
 * The disruptions per node: the node the event names, else the one the pod was seen on (`podNodes`: a deleted pod's
 * event outlives the pod; the taint manager's names no node). Newest first, at most `perNode` each.
 */
export function disruptionsByNode(
  disruptions: readonly PodDisruption[],
  podNodes: ReadonlyMap<string, string>,
  perNode = 5,
): Map<string, PodDisruption[]> {
  const out = new Map<string, PodDisruption[]>();
  const newest = [...disruptions].sort((a, b) => (b.atMs ?? 0) - (a.atMs ?? 0));
  for (const d of newest) {
    const node = d.node ?? podNodes.get(d.pod);
    if (!node) continue;
    const list = out.get(node) ?? [];
    if (list.length < perNode) list.push(d);
    out.set(node, list);
  }
  return out;
}
