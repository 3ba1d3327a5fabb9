// Executes one pending operator (or policy) action: plans it again against the run as it is now, runs each
// command on the cluster, applies the desired-state change and audits every command with its result.
// A submit that the scheduler refuses (not a lost answer) holds the run: the action may already have cancelled the
// live job, and the chain or the failure policy would otherwise resubmit with the old exclusions, or be refused again.
import { planAction, type ActionStep } from '@trainboard/shared/control/actions';
import { isExcludeNeedsResubmit } from '../adapters/clusterBackend.js';
import { stepText, submitRefuser, submitWord } from './commandText.js';
import { actionJobs, actionRun } from './actionInputs.js';
import { errorCode, leaderTx, runChanged, type ControlContext } from './context.js';
import type { ActorRef, ControlAction, ControlCluster, ControlRun, JobReason } from './ports.js';
import type { FailurePolicy } from './reconcileRun.js';
import { submitKeyedJob } from './submitJob.js';
import { auditRun } from './auditRun.js';

export function actorOf(a: ControlAction): ActorRef {
  return a.requestedBy === null
    ? { kind: 'system', userId: null, name: a.actorName }
    : { kind: 'user', userId: a.requestedBy, name: a.actorName };
}

export async function executeAction(
  ctx: ControlContext,
  cluster: ControlCluster,
  action: ControlAction,
  policy?: Pick<FailurePolicy, 'onSubmitRefused'>,
): Promise<void> {
  const run = ctx.store.run(action.runId);
  if (!run) return finish(ctx, action, 'failed', { error: 'run not found' });
  const plan = planAction(actionRun(run), actionJobs(ctx.store.jobsOfRun(run.runId)), action.request);
  leaderTx(ctx, () => ctx.store.startAction(action.id));
  if (plan.refusal) {
    audit(ctx, cluster, action, null, 'refused', plan.refusal);
    return finish(ctx, action, 'refused', { refusal: plan.refusal });
  }
  const done: string[] = [];
  const skip = new Set<string>();
  for (const [i, step] of plan.steps.entries()) {
    if (step.kind === 'updateExclude' && skip.has(step.id)) continue;
    const r = await runStep(ctx, cluster, run, action, step).then(
      (command) => ({ command }),
      (err: unknown) => ({ err }),
    );
    if ('command' in r) {
      done.push(r.command);
      continue;
    }
    if (step.kind !== 'updateExclude' || !needsResubmit(r.err))
      return stepFailed(ctx, cluster, run, action, step, r.err, done, policy);
    // This job and the queued ones behind it in the chain are replaced: their own steps are skipped.
    const later = plan.steps.slice(i + 1).flatMap((s) => (s.kind === 'updateExclude' ? [s.id] : []));
    later.forEach((id) => skip.add(id));
    if (!(await excludeByResubmit(ctx, cluster, run, action, step, later, { done, policy }))) return;
  }
  leaderTx(ctx, () => {
    if (Object.keys(plan.patch).length) ctx.store.setDesired(run.runId, plan.patch, ctx.store.run(run.runId)!.version);
  });
  finish(ctx, action, 'done', { commands: done, effects: plan.effects });
}

/**
 * A step failed: audited with its command (a submit audits itself, as job.submit), the action finished as failed;
 * a refused submit holds the run (keeping an exclusion's new list).
 */
function stepFailed(
  ctx: ControlContext,
  cluster: ControlCluster,
  run: ControlRun,
  action: ControlAction,
  step: ActionStep,
  err: unknown,
  done: readonly string[],
  policy?: Pick<FailurePolicy, 'onSubmitRefused'>,
): void {
  const command = step.kind === 'submit' ? null : stepText(cluster.backend, run, step);
  ctx.logger.warn({ err, actionId: action.id, runId: run.runId }, 'action step failed');
  if (command) audit(ctx, cluster, action, command, 'failed', 'the command failed', errorCode(err));
  finish(ctx, action, 'failed', { done, failed: command ?? submitWord(cluster.backend), error: errorCode(err) });
  if (step.kind !== 'submit') return;
  // An exclusion's jobs are cancelled by now: the exclusion is kept, or the chain would refill with the old one.
  if (action.kind === 'exclude' && step.exclude) saveExclusion(ctx, run, step.exclude);
  holdRefused(ctx, run, action, { ...step, by: submitRefuser(cluster.backend) }, policy);
}

/** The backend's answer when it cannot change a queued job's exclusions in place (ClusterBackend's marker). */
const needsResubmit = isExcludeNeedsResubmit;

/**
 * Exclusion by replacement, as scontrol's refusal of a started job would call for: the job and the queued jobs
 * behind it are cancelled, one job is submitted with the new exclusions, and the chain refills behind it as after
 * a resubmit. Such a job is the head of the queued part of its chain (its predecessor has ended), so the
 * replacement needs no dependency.
 */
async function excludeByResubmit(
  ctx: ControlContext,
  cluster: ControlCluster,
  run: ControlRun,
  action: ControlAction,
  step: Extract<ActionStep, { kind: 'updateExclude' }>,
  later: readonly string[],
  { done, policy }: { done: string[]; policy: Pick<FailurePolicy, 'onSubmitRefused'> | undefined },
): Promise<boolean> {
  const refused = stepText(cluster.backend, run, step);
  audit(ctx, cluster, action, refused, 'refused', 'the job cannot change in place: it is replaced');
  const replacement: ActionStep[] = [
    { kind: 'scancel', ids: [step.id, ...later] },
    { kind: 'submit', exclude: step.hostlist },
  ];
  for (const s of replacement) {
    try {
      done.push(await runStep(ctx, cluster, run, action, s));
    } catch (err) {
      stepFailed(ctx, cluster, run, action, s, err, done, policy);
      return false;
    }
  }
  return true;
}

function saveExclusion(ctx: ControlContext, run: ControlRun, hostlist: string): void {
  leaderTx(ctx, () => {
    const current = ctx.store.run(run.runId);
    if (current) ctx.store.setDesired(run.runId, { excludeNodes: hostlist }, current.version);
  });
}

async function runStep(
  ctx: ControlContext,
  cluster: ControlCluster,
  run: ControlRun,
  action: ControlAction,
  step: ActionStep,
): Promise<string> {
  if (step.kind === 'submit') {
    const reason: JobReason =
      action.requestedBy === null ? 'policy' : action.kind === 'exclude' ? 'exclude' : 'resubmit';
    const seq = Math.max(0, ...ctx.store.jobsOfRun(run.runId).map((j) => j.chainSeq)) + 1;
    const job = { chainSeq: seq, dependsOn: null, exclude: step.exclude, reason, actionId: action.id };
    const r = await submitKeyedJob(ctx, cluster, run, job, actorOf(action));
    if (!r.ok && !r.uncertain) throw r.error;
    const what = submitWord(cluster.backend);
    return r.ok ? `${what} → ${r.schedulerJobId}` : `${what} (answer lost; recovery looks the key up)`;
  }
  const command = stepText(cluster.backend, run, step);
  if (step.kind === 'scancel') await cluster.backend.cancel(step.ids);
  else if (step.kind === 'hold') await cluster.backend.hold(step.ids);
  else if (step.kind === 'release') await cluster.backend.release(step.ids);
  else if (step.kind === 'updateExclude') await cluster.backend.updateExclude([step.id], step.hostlist);
  else if (step.kind === 'touch')
    await (cluster.backend.touchInJob
      ? cluster.backend.touchInJob(step.jobId, step.path)
      : cluster.files.touch(step.path));
  else if (cluster.backend.touchInJob) {
    // Its jobs remove the switch when they start (ClusterBackend.touchInJob): with no pod running there is nothing
    // to exec into, and nothing needs to be.
    audit(ctx, cluster, action, command, 'ok', "skipped: the next job's start removes the kill switch");
    return command;
  } else await cluster.files.remove(step.path);
  audit(ctx, cluster, action, command, 'ok', null);
  return command;
}

/** The scheduler refused the action's job: hold the run (a person decides), audited and told on the open incident. */
function holdRefused(
  ctx: ControlContext,
  run: ControlRun,
  action: ControlAction,
  { exclude, by }: { exclude: string | null; by: string },
  policy?: Pick<FailurePolicy, 'onSubmitRefused'>,
): void {
  const why =
    `${by} refused the new job of this ${action.kind}${exclude ? ` (excluding ${exclude})` : ''}: a person ` +
    'decides — fix the cause (free a node, shorten the exclusions or lower the node count), then release';
  const held = leaderTx(ctx, () => {
    const current = ctx.store.run(run.runId);
    if (!current || current.desired !== 'active') return false;
    ctx.store.setDesired(run.runId, { desired: 'held' }, current.version);
    auditRun(ctx.store, run, { actor: actorOf(action), action: 'run.held', result: 'ok', message: why }, ctx.now());
    ctx.events.runUpdated(run.runId, ctx.store.run(run.runId)!.version);
    return true;
  });
  if (held) policy?.onSubmitRefused?.(ctx.store.run(run.runId) ?? run, why);
}

function audit(
  ctx: ControlContext,
  cluster: ControlCluster,
  action: ControlAction,
  command: string | null,
  result: 'ok' | 'failed' | 'refused',
  message: string | null,
  code: string | null = null,
): void {
  leaderTx(ctx, () =>
    ctx.store.audit(
      {
        actor: actorOf(action),
        action: `run.${action.kind}`,
        targetKind: 'run',
        targetId: String(action.runId),
        runId: action.runId,
        clusterId: cluster.id,
        command,
        result,
        errorCode: code,
        message,
      },
      ctx.now(),
    ),
  );
}

function finish(
  ctx: ControlContext,
  action: ControlAction,
  state: 'done' | 'failed' | 'refused',
  result: Record<string, unknown>,
): void {
  leaderTx(ctx, () => {
    ctx.store.finishAction(action.id, state, result, ctx.now());
    runChanged(ctx, action.runId);
  });
  ctx.events.actionFinished(action.runId, action.id, state);
}
