// What the recovery policy does about a freshly opened incident (issue 15), under the run's RecoveryPolicy
// (shared/src/control/recoveryPolicy.ts) and its recent automatic restarts. Pure: the server adds the run's state,
// executes the decision (now, or once its backoff has passed) and audits it.
//
// - A crash is left to the failure policy, which restarts once Slurm reports the job ended and nothing is queued
//   (acting on the log's text would race the job's own exit and the chain's next job) — unless it names a suspect
//   node (ECC / XID / CUDA text on a named node): then the node is excluded and the run restarts without it.
// - A node failure excludes the failed nodes (F9, and F2 when the same node fails again); a throughput regression
//   whose straggler helper named nodes (`details.suspectNodes`) excludes them and restarts from the checkpoint (F7).
// - A hang gets a stack dump (when asked for), then cancel and resubmit (F3). Nothing running (F10) resubmits.
// - A failure followed by silence while the job still runs (F4) is a crash whose job is dead: cancel and resubmit.
// - An OOM or a Python error at start-up holds the run: the same job would fail the same way until a person
//   changes something, then releases it.
// - An open maintenance incident (F13) holds every automatic restart until it ends; the restart after it is not
//   counted. Past `maxRestartsPerWindow` counted restarts in `windowHours`, the run is held: a person decides.
// - The n-th restart in the window waits min(backoffMaxSeconds, backoffBaseSeconds × 2^(n−1)) after the failure.
// - A restart whose exclusion would leave the run's partition fewer nodes than one job needs holds the run instead:
//   sbatch refuses such a job ("Requested node configuration is not available"), and a person must free a node or
//   lower the node count. Unknown partition nodes (no partition read yet) keep the restart.
import type { RecoveryPolicy } from '../control/recoveryPolicy.js';
import { NAME } from '../slurm/submit.js';
import type { PartitionNodeFact } from './clusterFacts.js';
import { countUsableNodes } from './cluster/tooFewNodes.js';
import type { Incident } from './incident.js';

/** Why an automatic restart happens: the incident kind that asked, or `failure` (a job ended, nothing queued). */
export type RestartCause = 'crash' | 'node_failure' | 'hang' | 'straggler' | 'nothing_running' | 'failure';

export interface RestartPlan {
  act: 'restart';
  cause: RestartCause;
  /** Nodes the restart must avoid (added to the run's exclusion list); empty for a plain resubmit. */
  exclude: string[];
  /** Dump the live job's stacks first (a hang with stackDumpOnHang). */
  stackDump: boolean;
  /** False for the restart after maintenance: it does not use the window's budget. */
  counted: boolean;
  /** This restart's number in the window (1 = the first); the backoff grows with it. */
  n: number;
  delayMs: number;
  notBeforeMs: number;
  why: string;
}

export type RecoveryDecision =
  | { act: 'none'; why: string }
  /** Hold the run: a person decides (start-up config error, or the window's budget is used up). */
  | { act: 'hold'; why: string; limit: boolean }
  /** Nothing now: an open maintenance holds automatic restarts; decided again when it ends. */
  | { act: 'wait'; why: string }
  | RestartPlan;

export interface RecoveryContext {
  policy: RecoveryPolicy;
  /** Epoch ms of the run's counted automatic restarts (any order; older than the window is ignored). */
  restartTimesMs: readonly number[];
  nowMs: number;
  /** An open maintenance incident that holds automatic restarts (details.holdAutomaticRestarts not false). */
  maintenanceOpen: boolean;
  /** A maintenance ended the failed job: its restart is not counted (F13). */
  afterMaintenance?: boolean;
  /** Where the run's jobs may run; absent or null when unknown (the restart then goes ahead as asked). */
  capacity?: RunCapacity | null;
}

/** What the run's jobs may run on: the ClusterFacts fields of the same names (clusterFacts.ts). */
export interface RunCapacity {
  /** The partition's nodes (any state); null when the partition could not be read. */
  partitionNodes: PartitionNodeFact[] | null;
  /** The run's exclusion list now: its config's `cluster.exclude` and every exclusion since. */
  excludedNodes: readonly string[];
  /** Nodes one job of the run needs (the config's `cluster.nodes`); null when unknown. */
  nodesRequired: number | null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Why excluding `exclude` on top of the run's exclusions leaves fewer nodes than one job needs, or null when enough
 * remain (or the partition is unknown). The count is too_few_nodes' (countUsableNodes) without the health filter: a
 * down or drained node may come back, an excluded one never does for this run — so "too few" here means no job of
 * the run could ever start, and sbatch refuses it outright.
 */
export function exclusionShortfall(
  capacity: RunCapacity | null | undefined,
  exclude: readonly string[],
): string | null {
  const required = capacity?.nodesRequired ?? null;
  if (!capacity || capacity.partitionNodes === null || required === null || exclude.length === 0) return null;
  const count = countUsableNodes({
    partitionNodes: capacity.partitionNodes,
    excludedNodes: [...capacity.excludedNodes, ...exclude],
  });
  const left = [...count.usable, ...count.unhealthy.map((n) => n.name)].sort();
  if (left.length >= required) return null;
  const which = left.length ? ` (${left.join(', ')})` : '';
  return (
    `excluding ${exclude.join(', ')} leaves ${plural(left.length, 'usable node')}${which} of the ${required} this ` +
    `job needs — free a node or lower the node count`
  );
}

/** Failure kinds that resubmitting unchanged would only repeat when they happen before the first iteration. */
const NEEDS_A_CHANGE_AT_STARTUP: ReadonlySet<string> = new Set(['out_of_memory', 'python_exception']);

/** Failures that are not a fault of the job (the scheduler ended it): other kinds and policies own them. */
const NOT_A_CRASH: ReadonlySet<string> = new Set(['time_limit', 'preempted', 'requeued', 'cancelled']);

/** A failing GPU: never restart onto its node. */
const BAD_HARDWARE_KINDS: ReadonlySet<string> = new Set(['ecc_error', 'cuda_error', 'bus_error']);
const BAD_HARDWARE_TEXT = /\bECC\b|\bXid\b|CUDA error|cudaErrorECC/i;

const HOUR_MS = 3_600_000;

/** The wait before the n-th automatic restart in the window (n ≥ 1), in ms. */
export function backoffDelayMs(policy: RecoveryPolicy, n: number): number {
  const seconds = Math.min(policy.backoffMaxSeconds, policy.backoffBaseSeconds * 2 ** Math.max(0, n - 1));
  return seconds * 1000;
}

/** Counted restarts inside the window ending at `nowMs`, oldest first. */
export function restartsInWindow(policy: RecoveryPolicy, timesMs: readonly number[], nowMs: number): number[] {
  const from = nowMs - policy.windowHours * HOUR_MS;
  return timesMs.filter((t) => t > from && t <= nowMs).sort((a, b) => a - b);
}

/** When the window frees a slot again (the oldest restart in it leaves), or null when one is free now. */
export function slotFreesAtMs(policy: RecoveryPolicy, timesMs: readonly number[], nowMs: number): number | null {
  const inWindow = restartsInWindow(policy, timesMs, nowMs);
  if (inWindow.length < policy.maxRestartsPerWindow) return null;
  const oldestThatMustLeave = inWindow[inWindow.length - policy.maxRestartsPerWindow];
  return oldestThatMustLeave === undefined ? null : oldestThatMustLeave + policy.windowHours * HOUR_MS;
}

function atStartup(i: Incident): boolean {
  return i.details?.duringStartup === true || i.iteration === null;
}

const validNodes = (nodes: readonly string[]) => [...new Set(nodes.filter((n) => NAME.test(n)))];

/** The nodes a crash names as failing hardware: ECC / XID / CUDA text on a named node. */
export function crashSuspects(i: Incident): string[] {
  const named = i.suggestedAction?.kind === 'exclude_and_resubmit' ? (i.suggestedAction.nodes ?? []) : [];
  const hardware = BAD_HARDWARE_KINDS.has(i.failureKind ?? '') ? named : [];
  const fromText = i.evidence.filter((e) => BAD_HARDWARE_TEXT.test(e.text)).flatMap((e) => e.nodes ?? []);
  return validNodes([...hardware, ...fromText]);
}

/** The stragglers a throughput regression names (a comma list in details.suspectNodes); words are not names. */
export function stragglerSuspects(i: Incident): string[] {
  const raw = i.details?.suspectNodes;
  if (typeof raw !== 'string') return [];
  const parts = raw.split(',').map((s) => s.trim());
  return parts.every((p) => NAME.test(p)) ? validNodes(parts) : [];
}

type Wanted = { act: 'restart'; cause: RestartCause; exclude: string[]; stackDump: boolean; why: string };
type Verdict = Exclude<RecoveryDecision, RestartPlan> | Wanted;

/** What the incident asks for under the policy's toggles, before the window, backoff and maintenance. */
function wanted(i: Incident, p: RecoveryPolicy): Verdict {
  const restart = (cause: RestartCause, exclude: string[], why: string, stackDump = false): Wanted => ({
    act: 'restart',
    cause,
    exclude,
    stackDump,
    why,
  });
  switch (i.kind) {
    case 'hang':
      if (!p.resubmitOnHang) return { act: 'none', why: 'restarting after a hang is off for this run' };
      return restart('hang', [], `hang: ${i.title}`, p.stackDumpOnHang);
    case 'node_failure':
      return nodeFailure(i, p, restart);
    case 'crash':
      return crash(i, p, restart);
    case 'failure_silence':
      // F4: the failure text came, then silence, yet Slurm still runs the job: it is dead. A crash whose job must be
      // cancelled, like a hang: the resubmit cancels the live job first. No exclusion here: an exclusion restarts
      // only a job on the excluded nodes, and this one must end whatever its nodes.
      if (!p.resubmitOnCrash) return { act: 'none', why: 'restarting after a crash is off for this run' };
      return restart('crash', [], `dead job still running after its failure: ${i.title}`);
    case 'throughput_regression': {
      const nodes = p.excludeSuspectNodes ? stragglerSuspects(i) : [];
      if (!nodes.length) return { act: 'none', why: 'no straggler named to exclude' };
      return restart('straggler', nodes, `slow node ${nodes.join(', ')}: ${i.title}`);
    }
    case 'nothing_running':
      return restart('nothing_running', [], `nothing running or queued: ${i.title}`);
    default:
      return { act: 'none', why: `${i.kind} is not recovered automatically` };
  }
}

function nodeFailure(i: Incident, p: RecoveryPolicy, restart: (...a: [RestartCause, string[], string]) => Wanted) {
  if (!p.resubmitOnNodeFailure)
    return { act: 'none', why: 'restarting after a node failure is off for this run' } as const;
  const nodes = p.excludeSuspectNodes ? validNodes(i.suggestedAction?.nodes ?? []) : [];
  // Excluding the node is the change a start-up OOM on a node that failed before (F2) needs.
  if (nodes.length) return restart('node_failure', nodes, `node failure on ${nodes.join(', ')}: ${i.title}`);
  if (i.details?.repeat === true)
    return {
      act: 'hold',
      why: 'the same node failed again and excluding suspects is off: a person decides',
      limit: false,
    } as const;
  return { act: 'none', why: 'the failure policy restarts once the job has ended and nothing is queued' } as const;
}

function crash(i: Incident, p: RecoveryPolicy, restart: (...a: [RestartCause, string[], string]) => Wanted): Verdict {
  const failure = i.failureKind ?? null;
  if (failure !== null && NOT_A_CRASH.has(failure)) return { act: 'none', why: `${failure} is not a crash` };
  if (!p.resubmitOnCrash) return { act: 'none', why: 'restarting after a crash is off for this run' };
  const suspects = p.excludeSuspectNodes ? crashSuspects(i) : [];
  if (suspects.length) return restart('crash', suspects, `failing hardware on ${suspects.join(', ')}: ${i.title}`);
  if (failure !== null && NEEDS_A_CHANGE_AT_STARTUP.has(failure) && atStartup(i))
    return {
      act: 'hold',
      why: `${failure} at start-up: resubmitting unchanged would fail again; change the run, then release it`,
      limit: false,
    };
  return { act: 'none', why: 'the failure policy restarts once the job has ended and nothing is queued' };
}

/** The window, backoff and maintenance rules on a restart the incident (or the failure policy) asks for. */
export function scheduleRestart(w: Omit<Wanted, 'act'>, ctx: RecoveryContext): RecoveryDecision {
  const p = ctx.policy;
  if (!p.enabled) return { act: 'none', why: 'automatic recovery is off for this run' };
  if (ctx.maintenanceOpen)
    return { act: 'wait', why: 'a maintenance is in progress: no automatic restart until it ends' };
  const short = exclusionShortfall(ctx.capacity, w.exclude);
  if (short) return { act: 'hold', limit: false, why: `${short} (${w.why})` };
  const counted = ctx.afterMaintenance !== true;
  const used = restartsInWindow(p, ctx.restartTimesMs, ctx.nowMs).length;
  if (counted && used >= p.maxRestartsPerWindow)
    return {
      act: 'hold',
      limit: true,
      why: `${used} of ${p.maxRestartsPerWindow} automatic restarts used in the last ${p.windowHours} h: a person decides (${w.why})`,
    };
  const n = counted ? used + 1 : 1;
  const delayMs = counted ? backoffDelayMs(p, n) : 0;
  return { ...w, act: 'restart', counted, n, delayMs, notBeforeMs: ctx.nowMs + delayMs };
}

export function decideRecovery(i: Incident, ctx: RecoveryContext): RecoveryDecision {
  if (!ctx.policy.enabled) return { act: 'none', why: 'automatic recovery is off for this run' };
  const w = wanted(i, ctx.policy);
  if (w.act !== 'restart') return w;
  return scheduleRestart(w, ctx);
}

/**
 * The failure policy's question: a job ended (Slurm state) and nothing is queued. `jobNodes` are the ended job's
 * nodes: after a NODE_FAIL (even one with no failure text in the log) they are excluded when the policy excludes
 * suspects — never resubmit onto a node that just failed, even once Slurm returns it to service.
 */
export function decideFailureRestart(
  endedState: string,
  why: string,
  ctx: RecoveryContext,
  jobNodes: readonly string[] = [],
): RecoveryDecision {
  const p = ctx.policy;
  if (!p.enabled) return { act: 'hold', why: `${why}; automatic recovery is off: a person decides`, limit: false };
  const nodeFail = endedState === 'NODE_FAIL';
  if (nodeFail ? !p.resubmitOnNodeFailure : !p.resubmitOnCrash)
    return {
      act: 'hold',
      why: `${why}; restarting after a ${nodeFail ? 'node failure' : 'crash'} is off: a person decides`,
      limit: false,
    };
  const exclude = nodeFail && p.excludeSuspectNodes ? [...new Set(jobNodes)] : [];
  return scheduleRestart({ cause: 'failure', exclude, stackDump: false, why }, ctx);
}
