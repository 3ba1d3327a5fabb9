// The recovery policy's hook on live incidents (issue 15): an incident that just opened on an active controlled run
// is decided under the run's RecoveryPolicy (shared/src/detect/recovery.ts: per-kind toggles, suspect nodes, window,
// backoff, maintenance) and acted on through autoRestart — the place the failure policy restarts through too, so
// both share one count — as the actor `incident policy`. A hang's stack dump is attempted (and audited) first, then
// the restart cancels and resubmits. A start-up OOM or configuration error, or a used-up window, holds the run: a
// person decides, and the incident says so. A plain crash is the failure policy's (once Slurm reports the job ended).
import type { Logger } from 'pino';
import { isLive } from '@trainboard/shared/control/chain';
import type { IncidentChange, StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { decideRecovery, stragglerSuspects, type RestartPlan } from '@trainboard/shared/detect/recovery';
import { auditRun } from '../control/auditRun.js';
import { policyActor, type AutoRestarts } from '../control/autoRestart.js';
import type { AuditRecord, ControlRun, ControlStore } from '../control/ports.js';
import type { RecoveryStore } from '../control/recoveryStore.js';

/** `userId: null` makes the controller file the jobs it submits as `policy`; the name is the audit's actor. */
export const INCIDENT_POLICY_ACTOR = policyActor('incident policy');

/** A stack dump of the run's live job (py-spy through srun --overlap, or the template's signal trap). */
export type StackDumper = (runId: number) => Promise<{ ok: boolean; detail: string; method?: string }>;

export interface RecoveryPolicyDeps {
  store: Pick<ControlStore, 'run' | 'jobsOfRun' | 'audit' | 'transaction'>;
  auto: AutoRestarts;
  recovery: Pick<RecoveryStore, 'noteIncident'>;
  logger: Logger;
  /** True while the run's stored rows are being replayed (after a restart): those incidents are old news. */
  isReplaying(runId: number): boolean;
  stackDump?: StackDumper;
  now?: () => number;
}

const NO_STACK_DUMP = 'failed: not supported (this cluster backend cannot dump a job’s stacks)';

const when = (ms: number) => new Date(ms).toISOString().slice(11, 16) + ' UTC';

export function createRecoveryPolicy(deps: RecoveryPolicyDeps): (c: IncidentChange) => void {
  const now = deps.now ?? Date.now;
  const audit = (i: StoredIncident, action: string, result: AuditRecord['result'], message: string) =>
    deps.store.transaction(() =>
      auditRun(
        deps.store,
        { runId: i.runId, clusterId: deps.store.run(i.runId)?.clusterId ?? null },
        { actor: INCIDENT_POLICY_ACTOR, action, result, message: `incident ${i.id} (${i.kind}): ${message}` },
        now(),
      ),
    );
  const note = (i: StoredIncident, text: string) => deps.recovery.noteIncident(i.id, text);

  const dump = async (i: StoredIncident) => {
    const r = deps.stackDump ? await deps.stackDump(i.runId) : { ok: false, detail: NO_STACK_DUMP };
    const method = 'method' in r && r.method ? `${r.method}: ` : '';
    audit(i, 'run.stack_dump', r.ok ? 'ok' : 'failed', `${method}${r.detail}`);
  };

  const restart = async (i: StoredIncident, run: ControlRun, d: RestartPlan) => {
    if (d.stackDump) {
      // The incident's time comes from the log's clock: never later than now on ours, whatever the skew.
      const since = Math.min(i.openedAtMs, now());
      // The dump may take minutes; whatever happens to it, the restart is still decided.
      try {
        await dump(i);
      } catch (err) {
        deps.logger.warn({ err, runId: i.runId }, 'stack dump failed');
      }
      // Meanwhile the failure policy (or a person) may have submitted the run's next job: that was the restart.
      if (deps.store.jobsOfRun(run.runId).some((j) => j.submitStartedAt > since))
        return note(i, 'No automatic restart: the run’s next job was submitted while the stacks were dumped');
    }
    const fresh = deps.store.run(run.runId) ?? run;
    const r = deps.auto.schedule(fresh, d, INCIDENT_POLICY_ACTOR, i.id);
    if (r.when === 'held') return; // autoRestart held the run and noted why on the incident
    const what = d.exclude.length ? `excluding ${d.exclude.join(', ')}, restarting` : 'restarting';
    note(
      i,
      r.when === 'now'
        ? `Trainboard is ${what} (${d.why})`
        : `Trainboard is ${what} at ${when(r.notBeforeMs)} (backoff)`,
    );
  };

  return (c) => {
    const i = c.incident;
    if (!isNews(c) || deps.isReplaying(i.runId)) return;
    const run = deps.store.run(i.runId);
    if (!run || run.desired !== 'active') return; // not controlled by Trainboard, or a person holds or stopped it
    // The controller already keeps a job for this run: "nothing running" was a moment between two jobs.
    if (i.kind === 'nothing_running' && deps.store.jobsOfRun(run.runId).some(isLive)) return;
    const d = decideRecovery(i, deps.auto.context(run.runId));
    if (d.act === 'none') return;
    if (d.act === 'wait') return note(i, `No automatic restart: ${d.why}`);
    if (d.act === 'hold') {
      deps.auto.hold(run, `incident ${i.id}: ${d.why}`, INCIDENT_POLICY_ACTOR);
      return note(i, `Held: ${d.why}`);
    }
    restart(i, run, d).catch((err: unknown) => deps.logger.error({ err, runId: i.runId }, 'incident policy failed'));
  };
}

/**
 * What the policy acts on: an incident that just opened, and a throughput regression that has just named its
 * straggler (the GPUs are probed only once the regression is open, so the suspects come in a later update). The
 * stored recovery note says the policy already acted, across restarts too. Never what the log held before.
 */
function isNews(c: IncidentChange): boolean {
  if (c.historical) return false;
  if (c.change === 'opened') return true;
  const i = c.incident;
  return (
    c.change === 'updated' && i.kind === 'throughput_regression' && !i.recoveryNote && stragglerSuspects(i).length > 0
  );
}
