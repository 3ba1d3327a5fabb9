// The failure policy: when a job failed and nothing of the run is queued, restart it under the run's recovery
// policy (per-kind toggles, the window's budget, the backoff, a maintenance hold) — through autoRestart, the same
// place the incident policy restarts through, so both share one count — as the actor `failure policy`. Past the
// window's budget, or with recovery off for that kind, the run is held: a person decides.
import { decideFailureRestart } from '@trainboard/shared/detect/recovery';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import type { AutoRestarts } from './autoRestart.js';
import { policyActor, restartCountWords } from './autoRestart.js';
import type { FailurePolicy } from './reconcileRun.js';
import type { ControlStore } from './ports.js';

export const FAILURE_POLICY_ACTOR = policyActor('failure policy');

export function createFailurePolicy(store: Pick<ControlStore, 'jobsOfRun'>, auto: AutoRestarts): FailurePolicy {
  return {
    beforePlan: (run) => auto.runDue(run),
    onFailure(run, why, endedState) {
      // A restart already waits for its backoff (an incident asked first, e.g. to exclude a failed node).
      if (auto.runDue(run)) return;
      const ended = store.jobsOfRun(run.runId).reduce((a, j) => (j.chainSeq > a.chainSeq ? j : a));
      // A maintenance that opened while the job lived ended it: that restart is not counted (F13).
      const afterMaintenance = auto.maintenanceSince(run.runId, ended.submitStartedAt);
      // The ended job's nodes from the jobs table (Slurm's NodeList); unknown (null) excludes nothing.
      const nodes = expandHostlist(ended.nodeList);
      const d = decideFailureRestart(endedState, why, auto.context(run.runId, afterMaintenance), nodes);
      if (d.act === 'restart') {
        const { when } = auto.schedule(run, d, FAILURE_POLICY_ACTOR, null);
        if (when === 'held') return; // autoRestart held the run and noted why
        const verb = when === 'later' ? 'will resubmit it after its backoff' : 'resubmitted it';
        auto.noteOpenFailure(run.runId, `Trainboard ${verb} from the last checkpoint ${restartCountWords(d)}`);
      } else if (d.act === 'hold') {
        auto.hold(run, d.why, FAILURE_POLICY_ACTOR);
        auto.noteOpenFailure(run.runId, `Held: ${d.why}`);
      }
      // 'wait': a maintenance holds restarts; this is asked again every tick until it ends.
    },
    onSubmitRefused: (run, why) => auto.noteOpenFailure(run.runId, `Held: ${why}`),
  };
}
