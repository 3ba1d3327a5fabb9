// Which dialog an operator opened, and from where: the run's toolbar, or a job's row (which names the job, and for
// an exclusion the nodes that job ran on, ticked in advance).
import { isTerminalState } from '@trainboard/shared/slurm/types';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import type { ActionRequest } from '@trainboard/shared/control/api';
import type { Job } from '../api.js';

export type DialogRequest =
  | { kind: 'cancel_job'; jobId: string }
  | { kind: 'exclude'; preselected: string[] }
  | { kind: Exclude<ActionRequest['kind'], 'cancel_job' | 'exclude'> };

export type JobRowAction = { label: string; ariaLabel: string; request: DialogRequest };

/**
 * A job row's actions: an active job can be cancelled; the run's latest job, once it ended in failure with nothing
 * else queued, can be resubmitted, with or without the nodes it ran on.
 */
export function jobRowActions(job: Job, jobs: readonly Job[]): JobRowAction[] {
  if (!isTerminalState(job.state))
    return [
      { label: 'Cancel', ariaLabel: `Cancel job ${job.jobId}`, request: { kind: 'cancel_job', jobId: job.jobId } },
    ];
  const latest = jobs.reduce<Job | null>((a, j) => (a === null || jobOrder(j) > jobOrder(a) ? j : a), null);
  const anyActive = jobs.some((j) => !isTerminalState(j.state));
  if (job !== latest || anyActive || job.state === 'COMPLETED') return [];
  return [
    { label: 'Resubmit', ariaLabel: `Resubmit job ${job.jobId}`, request: { kind: 'resubmit' } },
    {
      label: 'Exclude nodes…',
      ariaLabel: `Resubmit job ${job.jobId} excluding nodes`,
      request: { kind: 'exclude', preselected: expandHostlist(job.nodeList) },
    },
  ];
}

const jobOrder = (j: Job) => j.submittedAt ?? Number(j.jobId);
