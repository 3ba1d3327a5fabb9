// Step 5 of the tick for one run: the pure planner decides, this executes its steps (keyed submits chained
// afterany, cancels, desired-state marks, the failure policy).
import { planReconcile, type ReconcileStep } from '@trainboard/shared/control/chain';
import { cancelText } from './commandText.js';
import { leaderTx, type ControlContext } from './context.js';
import { SYSTEM_ACTOR, type ControlCluster, type ControlRun } from './ports.js';
import { submitKeyedJob } from './submitJob.js';
import { auditRun } from './auditRun.js';

export interface FailurePolicy {
  /** Before the run is planned: makes a restart whose backoff has passed; true while one waits. */
  beforePlan?(run: ControlRun): boolean;
  /** A job failed (Slurm state `endedState`) and nothing is queued: decide (and request) what happens next. */
  onFailure(run: ControlRun, why: string, endedState: string): void;
  /** sbatch refused an action's job and the run is now held: tell the run's open incident why. */
  onSubmitRefused?(run: ControlRun, why: string): void;
}

export function planRun(ctx: ControlContext, run: ControlRun): ReconcileStep[] {
  const jobs = ctx.store.jobsOfRun(run.runId);
  return planReconcile({
    desired: run.desired,
    jobs,
    chainLength: run.chainLength,
    exclude: run.excludeNodes,
    lastIteration: ctx.store.lastIteration(run.runId),
    trainIters: run.trainIters,
    pendingActions: ctx.store.pendingActions().filter((a) => a.runId === run.runId).length,
    cancelledOnRequest: ctx.store.cancelledOnRequest(run.runId),
  });
}

export async function reconcileRun(
  ctx: ControlContext,
  cluster: ControlCluster,
  run: ControlRun,
  policy: FailurePolicy,
): Promise<void> {
  let previous: string | null = null;
  policy.beforePlan?.(run);
  for (const step of planRun(ctx, run)) {
    if (step.kind === 'submit') {
      const dependsOn = step.dependsOn === 'previous' ? previous : step.dependsOn;
      if (step.dependsOn === 'previous' && previous === null) return;
      const job = { ...step, dependsOn, reason: step.chainSeq === 1 ? 'initial' : 'chain', actionId: null } as const;
      const r = await submitKeyedJob(ctx, cluster, run, job, SYSTEM_ACTOR);
      if (!r.ok) {
        // sbatch refusing (bad partition, over a limit) would refuse the next job too: hold instead of looping.
        if (!r.uncertain) markRun(ctx, run, 'held', 'sbatch refused the job; fix the cause, then release');
        return;
      }
      previous = r.schedulerJobId;
    } else if (step.kind === 'cancel') {
      await cancel(ctx, cluster, run, step.ids, step.why);
    } else if (step.kind === 'markRun') {
      markRun(ctx, run, step.desired, step.why);
    } else {
      policy.onFailure(ctx.store.run(run.runId) ?? run, step.why, step.endedState);
    }
  }
}

async function cancel(ctx: ControlContext, cluster: ControlCluster, run: ControlRun, ids: string[], why: string) {
  const command = cancelText(cluster.backend, ids);
  await cluster.backend.cancel(ids);
  leaderTx(ctx, () => {
    ctx.store.audit(
      {
        actor: SYSTEM_ACTOR,
        action: 'job.cancel',
        targetKind: 'run',
        targetId: String(run.runId),
        runId: run.runId,
        clusterId: cluster.id,
        command,
        result: 'ok',
        message: why,
      },
      ctx.now(),
    );
  });
}

function markRun(ctx: ControlContext, run: ControlRun, desired: 'active' | 'held' | 'stopped' | 'done', why: string) {
  leaderTx(ctx, () => {
    const current = ctx.store.run(run.runId);
    if (!current || current.desired === desired) return;
    ctx.store.setDesired(run.runId, { desired }, current.version);
    auditRun(ctx.store, run, { actor: SYSTEM_ACTOR, action: `run.${desired}`, result: 'ok', message: why }, ctx.now());
    ctx.events.runUpdated(run.runId, ctx.store.run(run.runId)!.version);
  });
}
