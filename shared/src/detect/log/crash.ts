// F1 crash: one incident per failure group (every rank's traceback and the teardown after it make one), named by
// the first specific failure kind (cuda_error, ecc_error, …): a generic one (task exit, Python exception) only
// until a specific one arrives. Node failures and time limits have their own detectors; shutdown noise after a
// clean exit is not a crash. A group ends at the next iteration or start; the crash is resolved by the next start
// (except the banner of the start the failure was printed in, see observe).
// A hardware error at start-up whose text names no node is blamed on the job's only node, or on the node of srun's
// `task N: Exited` line in its group (culprit.ts): the recovery policy then excludes it (F2's "never loop onto it").
import type { FailureEvent } from '../../log/events.js';
import { failureText } from '../../dashboard/jobs.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident, SuggestedAction } from '../incident.js';
import { GENERIC_KINDS, evidenceOf, newIncident, resumeText } from '../incidentBuilder.js';
import { blamedNodes, srunExitedNode } from './culprit.js';

const NOT_A_CRASH: ReadonlySet<string> = new Set(['node_failure', 'time_limit']);
/** A failing GPU: never resubmit onto its node. */
const BAD_HARDWARE: ReadonlySet<string> = new Set(['ecc_error', 'cuda_error', 'bus_error']);
const MAX_EVIDENCE = 6;

export function createCrashDetector(ctx: DetectContext): Detector {
  const found: Incident[] = [];
  let group: Incident | null = null;
  let crashed: Incident | null = null;
  const start = new StartOrder();

  function action(kind: string, nodes: string[]): SuggestedAction {
    if (BAD_HARDWARE.has(kind) && nodes.length > 0) {
      return {
        kind: 'exclude_and_resubmit',
        nodes,
        text: `Exclude ${nodes.join(', ')} and resubmit ${resumeText(ctx)}`,
      };
    }
    if (BAD_HARDWARE.has(kind)) {
      return {
        kind: 'resubmit',
        text: `Find the job's failed node (its node list in the jobs tab), resubmit without it ${resumeText(ctx)}`,
      };
    }
    return { kind: 'resubmit', text: `Resubmit ${resumeText(ctx)}` };
  }

  function open(e: FailureEvent, t: number): Incident {
    // Blamed on a node only at start-up: a GPU that fails before the first iteration fails every job put on it
    // (F2); mid-run, the text's own nodes (a torchelastic Root Cause) decide, as before.
    const nodes = e.duringStartup ? blamedNodes(e, ctx.run) : e.nodes;
    return newIncident(ctx, {
      kind: 'crash',
      severity: GENERIC_KINDS.has(e.kind) ? 'warning' : 'critical',
      failureKind: e.kind,
      title: `Crash: ${failureText(e.kind)}${e.duringStartup ? ' at start-up' : ''} — ${e.message}`.slice(0, 200),
      evidence: [evidenceOf(e, e.message, nodes.length > 0 ? nodes : e.nodes)],
      openedAtMs: t,
      action: action(e.kind, nodes),
      details: { duringStartup: e.duringStartup, globalRank: e.globalRank, exitCode: e.exitCode },
    });
  }

  function join(g: Incident, e: FailureEvent): void {
    if (g.evidence.length < MAX_EVIDENCE) g.evidence.push(evidenceOf(e, e.message, e.nodes));
    const named = g.suggestedAction?.nodes ?? [];
    if (GENERIC_KINDS.has(g.failureKind ?? '') && !GENERIC_KINDS.has(e.kind) && !NOT_A_CRASH.has(e.kind)) {
      g.failureKind = e.kind;
      g.severity = 'critical';
      g.title = `Crash: ${failureText(e.kind)} — ${e.message}`.slice(0, 200);
      const blamed = e.duringStartup ? blamedNodes(e, ctx.run) : e.nodes;
      g.suggestedAction = action(e.kind, blamed.length > 0 ? blamed : named);
      return;
    }
    // The hardware error named no node: srun's exit line for its task says where it ran.
    const exited = g.details?.duringStartup === true ? srunExitedNode(e) : null;
    if (exited !== null && named.length === 0) g.suggestedAction = action(g.failureKind ?? '', [exited]);
  }

  return {
    observe({ event: e, timeMs: t }: DetectInput) {
      const step = start.observe(e.type, group !== null);
      if (step === 'carried') return;
      // The start whose banner followed the failure trains after all: the failure was not its end.
      if (step === 'trains') {
        if (crashed !== null) crashed.resolvedAtMs = t;
        crashed = null;
      }
      if (e.type === 'iteration') group = null;
      if (e.type === 'run_start' || e.type === 'job_start') {
        group = null;
        if (crashed !== null) crashed.resolvedAtMs = t;
        crashed = null;
      }
      if (e.type !== 'failure' || e.shutdownNoise) return;
      if (group !== null) return join(group, e);
      if (NOT_A_CRASH.has(e.kind) || isOnlyStepAbort(e)) return;
      group = open(e, t);
      start.groupOpened();
      crashed = group;
      found.push(group);
    },
    tick() {},
    incidents: () => found,
  };
}

/**
 * srun's notice alone (`srun: Job step aborted: Waiting up to 7 seconds for job step to finish.`): the step was ended
 * from outside — a scancel (Trainboard's own, e.g. after a hang), the time limit or a node failure — whose own line or
 * the job's state tells which. A crashing task makes srun print `srun: error: cN: task N: Exited` first, which opens
 * the crash; the notice alone would page a crash after every cancel.
 */
function isOnlyStepAbort(e: FailureEvent): boolean {
  return (
    e.kind === 'task_exit' && e.exitCode === null && e.nodes.length === 0 && /^srun: Job step aborted/.test(e.message)
  );
}

/**
 * Whether a run start is the banner of the start the open failure group was printed in. On a multi-node job a peer
 * can fail at start-up before rank 0 prints the banner (every node writes `[default0]:`): that banner starts the
 * same processes, not new ones, so it must not end the failure's group; the job's srun exit lines that follow then
 * join it (one crash, not a second one). Any later start, or one after an iteration, ends the group as before.
 */
class StartOrder {
  /** The current start (from its job start marker, or the log's beginning) printed its banner or an iteration. */
  private shown = false;
  /** The open group opened before its start showed. */
  private early = false;
  /** …and that start's banner came since (the group was carried over it). */
  private carried = false;

  /** @returns 'carried' for a banner that continues the open group, 'trains' at the first iteration after it. */
  observe(type: string, groupOpen: boolean): 'carried' | 'trains' | null {
    let step: 'carried' | 'trains' | null = null;
    if (type === 'run_start' && groupOpen && this.early && !this.shown) {
      this.carried = true;
      step = 'carried';
    } else if (type === 'iteration' && this.carried) {
      step = 'trains';
    }
    if (type === 'job_start') this.shown = false;
    if (type === 'run_start' || type === 'iteration') this.shown = true;
    if (step !== 'carried' && (type === 'run_start' || type === 'job_start' || type === 'iteration')) {
      this.early = false;
      this.carried = false;
    }
    return step;
  }

  groupOpened(): void {
    this.early = !this.shown;
  }
}
