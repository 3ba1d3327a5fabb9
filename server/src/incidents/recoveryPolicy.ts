// The recovery policy's hook on live incidents (issue 15): a node failure or hang that just opened on an active
// controlled run acts the failure policy's way — runActions.request, previewed, versioned and audited exactly as a
// person's click, with this policy as the actor — while the run's automatic-resubmission budget lasts; a start-up
// OOM or configuration error holds the run (never resubmitted unchanged). A plain crash is the failure policy's own
// (server/src/control/policy.ts, once Slurm reports the job ended). The decision is pure (shared/src/detect/recovery.ts).
import type { Logger } from 'pino';
import type { ActionRequest } from '@trainboard/shared/control/api';
import type { IncidentChange, StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { decideRecovery, type RecoveryDecision } from '@trainboard/shared/detect/recovery';
import type { ActorRef, AuditRecord, ControlRun, ControlStore } from '../control/ports.js';
import { RunChangedError, type RunActionsService } from '../control/runActions.service.js';

/** `userId: null` makes the controller file the jobs it submits as `policy` (the budget counts them). */
export const INCIDENT_POLICY_ACTOR: ActorRef = { kind: 'system', userId: null, name: 'incident policy' };

/** A stack dump of the run's live job (py-spy through srun --overlap); no backend offers one yet. */
export type StackDumper = (runId: number) => Promise<{ ok: true; detail: string } | { ok: false; detail: string }>;

export interface RecoveryPolicyDeps {
  store: Pick<ControlStore, 'run' | 'jobsOfRun' | 'audit' | 'transaction'>;
  actions: Pick<RunActionsService, 'request'>;
  logger: Logger;
  /** True while the run's stored rows are being replayed (after a restart): those incidents are old news. */
  isReplaying(runId: number): boolean;
  stackDump?: StackDumper;
  now?: () => number;
}

const NO_STACK_DUMP = 'no stack dump: the cluster backend cannot dump a job’s stacks yet (py-spy is not wired)';

export function createRecoveryPolicy(deps: RecoveryPolicyDeps): (c: IncidentChange) => void {
  const now = deps.now ?? Date.now;
  const audit = (i: StoredIncident, action: string, result: AuditRecord['result'], message: string) =>
    deps.store.transaction(() =>
      deps.store.audit(
        {
          actor: INCIDENT_POLICY_ACTOR,
          action,
          targetKind: 'run',
          targetId: String(i.runId),
          runId: i.runId,
          clusterId: deps.store.run(i.runId)?.clusterId ?? null,
          command: null,
          result,
          message: `incident ${i.id} (${i.kind}): ${message}`.slice(0, 500),
        },
        now(),
      ),
    );

  const request = (i: StoredIncident, action: ActionRequest, why: string) => {
    const run = deps.store.run(i.runId);
    if (!run) return;
    try {
      deps.actions.request(i.runId, action, run.version, INCIDENT_POLICY_ACTOR, `incident ${i.id}: ${why}`);
    } catch (err) {
      // Refusals are audited by runActions; a run that moved on is decided again by its next incident or tick.
      if (!(err instanceof RunChangedError)) deps.logger.warn({ err, runId: i.runId }, 'incident policy refused');
    }
  };

  const act = async (i: StoredIncident, d: Exclude<RecoveryDecision, { act: 'none' | 'hold' }>) => {
    if (d.act === 'exclude') return request(i, { kind: 'exclude', nodes: d.nodes.join(',') }, d.why);
    if (d.act === 'stack_dump_then_resubmit') {
      const dump = deps.stackDump ? await deps.stackDump(i.runId) : { ok: false, detail: NO_STACK_DUMP };
      audit(i, 'run.stack_dump', dump.ok ? 'ok' : 'failed', dump.detail);
    }
    request(i, { kind: 'resubmit' }, d.why);
  };

  return (c) => {
    const i = c.incident;
    if (c.change !== 'opened' || c.historical || deps.isReplaying(i.runId)) return;
    const d = decideRecovery(i);
    if (d.act === 'none') return;
    const run = deps.store.run(i.runId);
    if (!run || run.desired !== 'active') return; // not controlled by Trainboard, or a person holds or stopped it
    // Holding resubmits nothing: no budget; the queued jobs wait and the failure policy stops until release.
    if (d.act === 'hold') return request(i, { kind: 'hold' }, d.why);
    const spent = budgetSpent(deps.store, run);
    if (spent) return void audit(i, 'incident.recovery', 'refused', spent);
    act(i, d).catch((err: unknown) => deps.logger.error({ err, runId: i.runId }, 'incident policy failed'));
  };
}

function budgetSpent(store: RecoveryPolicyDeps['store'], run: ControlRun): string | null {
  const used = store.jobsOfRun(run.runId).filter((j) => j.reason === 'policy').length;
  return used >= run.maxAutoResubmits
    ? `the automatic resubmission budget is spent (${used} of ${run.maxAutoResubmits}); a person decides`
    : null;
}
