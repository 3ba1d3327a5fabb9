// What the audit trail and the action preview record for each operation on a cluster: the exact Slurm command
// (shell text) on Slurm and the local executor, and the backend's own words where it describes itself (Kubernetes:
// "create Job ml/tb-…", "delete jobs … (propagation Foreground)"), so nothing records an sbatch that never ran.
import { KEY_PLACEHOLDER, stepArgv, type ActionStep } from '@trainboard/shared/control/actions';
import { jobSubmitSpec, sbatchArgv, scancelArgv, type JobSubmit } from '@trainboard/shared/control/commands';
import { shellCommand } from '@trainboard/shared/slurm/quote';
import { actionRun } from './actionInputs.js';
import type { ControlBackend, ControlRun } from './ports.js';

type Describer = Pick<ControlBackend, 'describe' | 'touchInJob'> | null | undefined;

/** What submitting a job is called in results and audit messages: `sbatch` on Slurm, `submit` where the backend describes itself. */
export function submitWord(backend: Describer): 'sbatch' | 'submit' {
  return backend?.describe ? 'submit' : 'sbatch';
}

/** Who refuses a submitted job, in words: sbatch on Slurm, the cluster elsewhere (its API server, its admission). */
export function submitRefuser(backend: Describer): string {
  return submitWord(backend) === 'sbatch' ? 'sbatch' : 'the cluster';
}

/** The text of submitting the keyed job `job` of `run`. */
export function submitText(backend: Describer, run: ControlRun, job: JobSubmit): string {
  if (backend?.describe)
    return backend.describe({ kind: 'submit', spec: jobSubmitSpec(run.script, run.submitOptions, job) });
  return shellCommand(sbatchArgv(run.submitOptions, job));
}

export function cancelText(backend: Describer, ids: readonly string[]): string {
  return backend?.describe ? backend.describe({ kind: 'cancel', ids }) : shellCommand(scancelArgv(ids));
}

/** The text of one planned action step (a submit with `key`, the placeholder in a preview). */
export function stepText(backend: Describer, run: ControlRun, step: ActionStep, key = KEY_PLACEHOLDER): string {
  const d = backend?.describe?.bind(backend);
  if (!d) return shellCommand(stepArgv(actionRun(run), step, key));
  switch (step.kind) {
    case 'submit':
      return submitText(backend, run, { baseName: run.name, key, dependsOn: null, exclude: step.exclude });
    case 'scancel':
      return d({ kind: 'cancel', ids: step.ids });
    case 'hold':
    case 'release':
      return d({ kind: step.kind, ids: step.ids });
    case 'updateExclude':
      return d({ kind: 'updateExclude', id: step.id, hostlist: step.hostlist });
    // A backend that sets the kill switch from inside the job also has its jobs clear it at start (ClusterBackend).
    case 'touch':
      return backend?.touchInJob
        ? d({ kind: 'touchInJob', id: step.jobId, path: step.path })
        : shellCommand(stepArgv(actionRun(run), step, key));
    case 'remove':
      return backend?.touchInJob
        ? d({ kind: 'clearedAtStart', path: step.path })
        : shellCommand(stepArgv(actionRun(run), step, key));
  }
}
