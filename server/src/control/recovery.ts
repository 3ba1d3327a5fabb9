// Recovery of `submitting` rows after a crash (or a transport failure during sbatch): the scheduler is asked for
// each row's keyed name. One job → adopted. Several (the same key submitted twice) → the lowest id is kept and
// the others are cancelled. None → the row waits out SUBMIT_GRACE (an sbatch may still land after its channel
// died), then it is lost and the planner submits a fresh row with a fresh key.
import { cancelText } from './commandText.js';
import type { JobStatus } from '@trainboard/shared/slurm/types';
import { leaderTx, runChanged, type ControlContext } from './context.js';
import { SYSTEM_ACTOR, type ControlCluster, type ControlJob } from './ports.js';

/** 3 × the command timeout: an sbatch that outlived its SSH channel has landed by then. */
export const SUBMIT_GRACE_MS = 90_000;

export async function recoverSubmitting(
  ctx: ControlContext,
  cluster: ControlCluster,
  rows: readonly ControlJob[],
  graceMs = SUBMIT_GRACE_MS,
): Promise<void> {
  if (!rows.length) return;
  const found = await cluster.backend.lookupByNames(rows.map((r) => r.schedName));
  for (const row of rows) {
    const ids = uniqueJobIds(found.get(row.schedName) ?? []);
    if (ids.length) await adopt(ctx, cluster, row, ids);
    else if (ctx.now() - row.submitStartedAt >= graceMs) markLost(ctx, cluster, row);
  }
}

function uniqueJobIds(jobs: readonly JobStatus[]): string[] {
  return [...new Set(jobs.map((j) => j.jobId))].sort((a, b) => Number(a) - Number(b));
}

async function adopt(ctx: ControlContext, cluster: ControlCluster, row: ControlJob, ids: string[]): Promise<void> {
  const [keep, ...duplicates] = ids as [string, ...string[]];
  const base = {
    actor: SYSTEM_ACTOR,
    targetKind: 'job',
    targetId: row.idemKey,
    runId: row.runId,
    clusterId: cluster.id,
  };
  if (duplicates.length) {
    const command = cancelText(cluster.backend, duplicates);
    await cluster.backend.cancel(duplicates);
    leaderTx(ctx, () =>
      ctx.store.audit(
        {
          ...base,
          action: 'job.cancel_duplicate',
          command,
          result: 'ok',
          message: `key submitted ${ids.length} times; kept ${keep}`,
        },
        ctx.now(),
      ),
    );
  }
  leaderTx(ctx, () => {
    ctx.store.markSubmitted(row.id, keep, ctx.now());
    ctx.store.audit(
      { ...base, action: 'job.recover', command: null, result: 'ok', message: `adopted job ${keep}` },
      ctx.now(),
    );
    runChanged(ctx, row.runId);
  });
}

function markLost(ctx: ControlContext, cluster: ControlCluster, row: ControlJob): void {
  leaderTx(ctx, () => {
    ctx.store.markLost(row.id, ctx.now());
    ctx.store.audit(
      {
        actor: SYSTEM_ACTOR,
        action: 'job.lost',
        targetKind: 'job',
        targetId: row.idemKey,
        runId: row.runId,
        clusterId: cluster.id,
        command: null,
        result: 'ok',
        message: 'sbatch never answered and the scheduler has no job with this key; a new job replaces it',
      },
      ctx.now(),
    );
    runChanged(ctx, row.runId);
  });
}
