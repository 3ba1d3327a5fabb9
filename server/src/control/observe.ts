// Observation: one lookup per cluster per tick for every job the controller still watches; what changed is
// written to the jobs table and bumps the run's version (browsers refresh, stale confirmations get 409).
import { isTerminalState, type JobStatus } from '@trainboard/shared/slurm/types';
import { leaderTx, runChanged, type ControlContext } from './context.js';
import type { ControlCluster, ControlJob, JobStatusPatch } from './ports.js';
import { followJobLog } from './submitJob.js';

/** Submitted jobs not known to have ended. */
export function watched(jobs: readonly ControlJob[]): ControlJob[] {
  return jobs.filter((j) => j.phase === 'submitted' && j.schedulerJobId !== null && !isTerminalState(j.state));
}

export async function observeJobs(
  ctx: ControlContext,
  cluster: ControlCluster,
  jobs: readonly ControlJob[],
): Promise<void> {
  if (!jobs.length) return;
  const found = await cluster.backend.lookupByNames(jobs.map((j) => j.schedName));
  const now = ctx.now();
  leaderTx(ctx, () => {
    const changedRuns = new Set<number>();
    for (const job of jobs) {
      const status = (found.get(job.schedName) ?? []).find((s) => s.jobId === job.schedulerJobId);
      if (!status) continue;
      // Every tick, not once on the transition: a registration that failed is tried again (it is idempotent).
      if (ran(job, status)) followStartedJob(ctx, cluster, job);
      if (ctx.store.recordStatus(job.id, statusPatch(status, now), now)) changedRuns.add(job.runId);
    }
    for (const runId of changedRuns) runChanged(ctx, runId);
  });
}

/**
 * The job ran: it runs now, or it had (or has) nodes. An ended state alone is not enough: a queued job cancelled
 * before it ran has no log, and registering one would make it the run's newest source in place of the running job's.
 */
const ran = (job: ControlJob, s: JobStatus) =>
  s.state === 'RUNNING' || s.state === 'COMPLETING' || s.nodeList !== null || job.nodeList !== null;

/** A job that ran (even if it ended unseen) gets its own log followed, where the backend names one per job. */
function followStartedJob(ctx: ControlContext, cluster: ControlCluster, job: ControlJob): void {
  if (!cluster.backend.jobLogSource) return;
  const run = ctx.store.run(job.runId);
  // A stopped or finished run is not brought back to life by a job seen running while it is being cancelled.
  if (!run || run.desired === 'stopped' || run.desired === 'done') return;
  try {
    followJobLog(ctx, cluster, run, { baseName: run.name, key: job.idemKey, dependsOn: null, exclude: job.exclude });
  } catch (err) {
    // Never the whole observation for one log: the job's state is still recorded, its log is said to be unread.
    ctx.logger.warn({ err, runId: job.runId, key: job.idemKey }, 'the job’s log cannot be followed');
  }
}

export function statusPatch(s: JobStatus, now: number): JobStatusPatch {
  const running = s.state === 'RUNNING' || s.state === 'COMPLETING' || isTerminalState(s.state);
  return {
    state: s.state,
    // A requeued job is PENDING with no node list: keep its last allocation, which is what a node failure names.
    nodeList: s.nodeList ?? undefined,
    reasonText: s.reason,
    exitCode: s.exitCode,
    // The repository keeps the first value: the tick that first saw it running / ended.
    startedAt: running && s.nodeList ? now : null,
    endedAt: isTerminalState(s.state) ? now : null,
  };
}
