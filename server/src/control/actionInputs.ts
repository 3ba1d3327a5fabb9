// The pure planners' view of a stored run and its jobs.
import type { ActionJob, ActionRun } from '@trainboard/shared/control/actions';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import type { ControlJob, ControlRun } from './ports.js';

export function actionRun(run: ControlRun): ActionRun {
  return {
    name: run.name,
    desired: run.desired,
    chainLength: run.chainLength,
    excludeNodes: run.excludeNodes,
    killSwitchPath: run.killSwitchPath,
    submitOptions: run.submitOptions,
  };
}

export function actionJobs(jobs: readonly ControlJob[]): ActionJob[] {
  return jobs.map((j) => ({
    chainSeq: j.chainSeq,
    schedulerJobId: j.schedulerJobId,
    phase: j.phase,
    state: j.state,
    nodes: expandHostlist(j.nodeList),
    reasonText: j.reasonText,
  }));
}
