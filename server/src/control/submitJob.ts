// The submit protocol: the job row and its idempotency key are committed before sbatch runs, the key travels in
// the job's name and comment, and the row is marked submitted only after sbatch answered. A crash anywhere in
// between leaves a `submitting` row that recovery resolves by asking the scheduler for the key.
import { jobSubmitSpec, type JobSubmit } from '@trainboard/shared/control/commands';
import { submitRefuser, submitText, submitWord } from './commandText.js';
import { ShellError } from '../adapters/shell.js';
import { errorCode, leaderTx, runChanged, type ControlContext } from './context.js';
import type { ActorRef, ControlCluster, ControlRun, JobReason } from './ports.js';

export interface JobToSubmit {
  chainSeq: number;
  dependsOn: string | null;
  exclude: string | null;
  reason: JobReason;
  actionId: number | null;
}

export type SubmitOutcome =
  | { ok: true; schedulerJobId: string }
  /** `uncertain`: the transport failed, the job may exist; recovery decides. Otherwise sbatch refused it. */
  | { ok: false; uncertain: boolean; error: unknown };

export async function submitKeyedJob(
  ctx: ControlContext,
  cluster: ControlCluster,
  run: ControlRun,
  job: JobToSubmit,
  actor: ActorRef,
): Promise<SubmitOutcome> {
  const row = leaderTx(ctx, () =>
    ctx.store.beginSubmit({ ...job, runId: run.runId, clusterId: cluster.id, baseName: run.name, now: ctx.now() }),
  );
  ctx.logger.info({ runId: run.runId, key: row.idemKey, holder: ctx.lease.holder }, 'submitting');
  const keyed = { baseName: run.name, key: row.idemKey, dependsOn: job.dependsOn, exclude: job.exclude };
  const spec = jobSubmitSpec(run.script, run.submitOptions, keyed);
  const audit = { actor, action: 'job.submit', targetKind: 'job', targetId: row.idemKey, runId: run.runId };
  // Inside the try: a backend's describe() may throw, and the row must not stay `submitting` with nothing audited.
  let command: string | null = null;
  try {
    command = submitText(cluster.backend, run, keyed);
    const submitted = await cluster.backend.submit(spec);
    ctx.logger.info(
      { runId: run.runId, key: row.idemKey, jobId: submitted.jobId, holder: ctx.lease.holder },
      'submitted',
    );
    leaderTx(ctx, () => {
      ctx.store.markSubmitted(row.id, submitted.jobId, ctx.now());
      ctx.store.audit(
        { ...audit, clusterId: cluster.id, command, result: 'ok', message: `job ${submitted.jobId}` },
        ctx.now(),
      );
      runChanged(ctx, run.runId);
    });
    return { ok: true, schedulerJobId: submitted.jobId };
  } catch (error) {
    const uncertain = error instanceof ShellError;
    ctx.logger.warn(
      { err: error, runId: run.runId, key: row.idemKey, uncertain },
      `${submitWord(cluster.backend)} failed`,
    );
    leaderTx(ctx, () => {
      if (!uncertain) ctx.store.markLost(row.id, ctx.now());
      const message = uncertain
        ? 'the cluster did not answer; recovery looks the key up'
        : command === null
          ? 'the job could not be described: nothing was submitted'
          : `${submitRefuser(cluster.backend)} refused the job`;
      ctx.store.audit(
        { ...audit, clusterId: cluster.id, command, result: 'failed', errorCode: errorCode(error), message },
        ctx.now(),
      );
      runChanged(ctx, run.runId);
    });
    return { ok: false, uncertain, error };
  }
}

/**
 * A backend whose jobs each have their own log (Kubernetes: the leader pod's) names it; registered when the job is
 * first seen started (observe.ts), not at submit: a chain's next job waits queued, and the follower takes the newest
 * registered log as the run's live one, reading the previous one to its end. Others write the run's main log file,
 * registered once at submit. Called inside a leader transaction.
 */
export function followJobLog(ctx: ControlContext, cluster: ControlCluster, run: ControlRun, keyed: JobSubmit): void {
  const source = cluster.backend.jobLogSource?.(jobSubmitSpec(run.script, run.submitOptions, keyed));
  if (source) ctx.store.followLog(run.name, source, ctx.now());
}
