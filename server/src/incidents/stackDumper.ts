// A hang's stack dump for the recovery policy: the run's cluster backend dumps the run's running job
// (`ClusterBackend.stackDump`, optional: py-spy through srun --overlap, or the template's signal trap). Without one,
// without a running job, or when the backend throws, the attempt is reported as failed with the reason in words
// (the error's name only: its text may carry paths or hosts).
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import type { ControlStore } from '../control/ports.js';
import type { StackDumper } from './recoveryPolicy.js';

export interface StackDumperDeps {
  store: Pick<ControlStore, 'run' | 'jobsOfRun'>;
  /** The backend of a cluster by id (the control plane's registry). */
  backendOf(clusterId: number): Pick<ClusterBackend, 'stackDump'>;
}

export function stackDumperOf(deps: StackDumperDeps): StackDumper {
  return async (runId) => {
    const run = deps.store.run(runId);
    const job = run && deps.store.jobsOfRun(runId).find((j) => j.state === 'RUNNING' && j.schedulerJobId !== null);
    if (!run || !job?.schedulerJobId) return { ok: false, detail: 'failed: no running job to dump' };
    const id = job.schedulerJobId;
    try {
      // The registry lookup can throw (a cluster row gone or broken): a failed dump, never a lost restart.
      const backend = deps.backendOf(run.clusterId);
      if (!backend.stackDump) return { ok: false, detail: 'failed: not supported by this cluster backend' };
      const r = await backend.stackDump(id);
      return { ok: r.ok, method: r.method, detail: `job ${id}: ${r.detail}` };
    } catch (err) {
      return { ok: false, detail: `failed: job ${id}: ${err instanceof Error ? err.name : 'error'}` };
    }
  };
}
