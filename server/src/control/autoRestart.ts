// The one place that counts a run's automatic restarts and makes them (issue 15): the incident policy (a hang, a
// suspect node, nothing running) and the failure policy (a job ended, nothing queued) both ask here, under the same
// per-run RecoveryPolicy, the same window and the same backoff. A restart whose backoff has not passed is stored as
// the run's pending restart (recoveryStore: "not before" survives a server restart) and made by the controller's tick
// once due (`runDue`, called before each run is planned). Every restart is a runActions.request — previewed,
// versioned and audited as a person's click — with the policy as actor, plus a `recovery.restart` ledger row.
// A restart whose exclusion leaves the partition fewer nodes than one job needs (the list may have grown since it
// was decided: a waiting restart joined by another, the run's own list changed) holds the run instead, with the
// reason on the incident: sbatch would refuse that job.
import type { ActionStep } from '@trainboard/shared/control/actions';
import type { ActionRequest } from '@trainboard/shared/control/api';
import { isLive } from '@trainboard/shared/control/chain';
import type { RecoveryPolicyDto } from '@trainboard/shared/control/recoveryPolicy';
import {
  exclusionShortfall,
  restartsInWindow,
  slotFreesAtMs,
  type RecoveryContext,
  type RestartPlan,
  type RunCapacity,
} from '@trainboard/shared/detect/recovery';
import type { Logger } from 'pino';
import { auditRun } from './auditRun.js';
import type { ActorRef, ControlRun, ControlStore } from './ports.js';
import { RESTART_LEDGER_ACTION, type PendingRestart, type RecoveryStore } from './recoveryStore.js';
import { RunChangedError, type RunActionsService } from './runActions.service.js';

const HOUR_MS = 3_600_000;
/** How much earlier than a decision a maintenance may have begun and still be its cause (a few incident ticks). */
const MAINTENANCE_SLACK_MS = 60_000;

/** A step that ends or starts a job: what makes an automatic action a restart (a ledger row). */
const restarts = (s: ActionStep) => s.kind === 'submit' || s.kind === 'scancel';

export const policyActor = (name: string): ActorRef => ({ kind: 'system', userId: null, name });

export interface AutoRestartDeps {
  store: Pick<ControlStore, 'run' | 'jobsOfRun' | 'audit' | 'transaction'>;
  actions: Pick<RunActionsService, 'request'>;
  recovery: RecoveryStore;
  logger: Logger;
  now?: () => number;
}

/**
 * When the restart happens: now, or later (joined to the restart already waiting, whose time it keeps) — or never:
 * `held` when its exclusion leaves too few nodes (the run is held and the incident noted, with `why`).
 */
export type Scheduled = { when: 'now' | 'later'; notBeforeMs: number } | { when: 'held'; why: string };

/** Where a run's jobs may run (the cluster facts' last partition read), or null when unknown. */
export type CapacitySource = (runId: number) => RunCapacity | null;

export interface AutoRestarts {
  /** The run's policy, its counted restarts in the window and whether a maintenance holds restarts now. */
  context(runId: number, afterMaintenance?: boolean): RecoveryContext;
  /** Tells the run's open failure incident what the failure policy decided. */
  noteOpenFailure(runId: number, note: string): void;
  /** A maintenance incident opened since `sinceMs` (the failed job's submit): its restart is not counted. */
  maintenanceSince(runId: number, sinceMs: number): boolean;
  /** Restarts now when due, else stores it as the run's pending restart (merged into one already waiting). */
  schedule(run: ControlRun, plan: RestartPlan, actor: ActorRef, incidentId: number | null): Scheduled;
  /** Holds the run (a person decides), audited with why. */
  hold(run: ControlRun, why: string, actor: ActorRef): void;
  /** Makes the run's pending restart once due; true while one is pending (the failure policy then waits). */
  runDue(run: ControlRun): boolean;
  dto(runId: number): RecoveryPolicyDto;
  /** Where runs' jobs may run (set by the composition root once the cluster facts exist; unknown until then). */
  useCapacity(source: CapacitySource): void;
}

const fmtTime = (ms: number) => new Date(ms).toISOString().slice(11, 19) + ' UTC';

/** The pieces every operation shares: the clock, the context, an audit row, a request as the policy, a restart. */
function partsOf(deps: AutoRestartDeps) {
  const now = deps.now ?? Date.now;
  const { store, recovery } = deps;
  const capacity = { of: (() => null) as CapacitySource };

  const context = (runId: number, afterMaintenance = false): RecoveryContext => {
    const { policy } = recovery.policy(runId);
    const t = now();
    return {
      policy,
      restartTimesMs: recovery.countedRestarts(runId, t - policy.windowHours * HOUR_MS),
      nowMs: t,
      maintenanceOpen: recovery.maintenanceOpen(runId),
      afterMaintenance,
      capacity: capacity.of(runId),
    };
  };

  const audit = (run: ControlRun, actor: ActorRef, action: string, message: string, details?: object) =>
    auditRun(store, run, { actor, action, result: 'ok', message, details: details ? { ...details } : null }, now());

  /** The accepted plan's steps, or null when refused. */
  const request = (run: ControlRun, action: ActionRequest, actor: ActorRef, why: string): ActionStep[] | null => {
    const fresh = store.run(run.runId);
    if (!fresh || fresh.desired !== 'active') return null;
    try {
      return deps.actions.request(run.runId, action, fresh.version, actor, why.slice(0, 500)).steps;
    } catch (err) {
      // Refusals are audited by runActions; a run that moved on is decided again at its next tick or incident.
      if (!(err instanceof RunChangedError)) deps.logger.warn({ err, runId: run.runId }, 'automatic action refused');
      return null;
    }
  };

  /** Holds the run instead of a restart sbatch would refuse; the reason goes to the audit and the incident. */
  const holdShort = (run: ControlRun, p: PendingRestart): string | null => {
    const short = exclusionShortfall(capacity.of(run.runId), p.exclude);
    if (!short) return null;
    const why = `${short} (${p.why})`;
    store.transaction(() => {
      recovery.setPending(run.runId, null);
      request(
        run,
        { kind: 'hold' },
        policyActor(p.actor),
        p.incidentId === null ? why : `incident ${p.incidentId}: ${why}`,
      );
    });
    if (p.incidentId === null) recovery.noteOpenFailure(run.runId, `Held: ${why}`);
    else recovery.noteIncident(p.incidentId, `Held: ${why}`);
    return why;
  };

  /** The restart itself: exclude (which resubmits when nothing else is live) or resubmit, and its ledger row. */
  const restart = (run: ControlRun, p: PendingRestart) => {
    const restarted = store.transaction(() => {
      recovery.setPending(run.runId, null);
      const action: ActionRequest = p.exclude.length
        ? { kind: 'exclude', nodes: p.exclude.join(',') }
        : { kind: 'resubmit' };
      const actor = policyActor(p.actor);
      const what = p.incidentId === null ? p.why : `incident ${p.incidentId}: ${p.why}`;
      const steps = request(run, action, actor, what);
      // An exclusion that only patches the list (the live job is elsewhere, or its nodes are unknown) restarts
      // nothing: when that job fails, the failure policy's restart is the one counted — never both.
      if (!steps?.some(restarts)) return false;
      const { policy } = recovery.policy(run.runId);
      const used = p.counted ? `restart ${p.n} of ${policy.maxRestartsPerWindow} in ${policy.windowHours} h` : '';
      audit(run, actor, RESTART_LEDGER_ACTION, `${used || 'restart after a maintenance (not counted)'}: ${what}`, {
        cause: p.cause,
        counted: p.counted,
        n: p.n,
        exclude: p.exclude,
        incidentId: p.incidentId,
      });
      return true;
    });
    // The incident said "will resubmit it after its backoff": now it says it did.
    if (restarted) noteRestarted(recovery, run.runId, p);
  };
  return { now, store, recovery, capacity, context, audit, request, restart, holdShort };
}

type Parts = ReturnType<typeof partsOf>;

/** Which restart it is, in the words of the incident's note ("(restart 2 in the window)"). */
export const restartCountWords = (r: { counted: boolean; n: number }): string =>
  r.counted ? `(restart ${r.n} in the window)` : '(after the maintenance: not counted)';

function noteRestarted(recovery: RecoveryStore, runId: number, p: PendingRestart): void {
  const excluding = p.exclude.length ? ` excluding ${p.exclude.join(', ')}` : '';
  const note = `Trainboard resubmitted it from the last checkpoint${excluding} ${restartCountWords(p)}`;
  if (p.incidentId === null) recovery.noteOpenFailure(runId, note);
  else recovery.noteIncident(p.incidentId, note);
}

/** Restarts now when due, else stores (or joins) the run's pending restart. */
function schedule(x: Parts, run: ControlRun, plan: RestartPlan, actor: ActorRef, incidentId: number | null): Scheduled {
  const { now, store, recovery, audit, restart } = x;
  const waiting = recovery.pending(run.runId);
  const p: PendingRestart = waiting
    ? { ...waiting, exclude: [...new Set([...waiting.exclude, ...plan.exclude])] }
    : {
        cause: plan.cause,
        exclude: plan.exclude,
        counted: plan.counted,
        n: plan.n,
        notBeforeMs: plan.notBeforeMs,
        why: plan.why,
        incidentId,
        actor: actor.name,
        decidedAtMs: now(),
      };
  // Checked now, on the joined list too: waiting a backoff for a job sbatch will refuse helps nobody.
  const held = x.holdShort(run, p);
  if (held) return { when: 'held', why: held };
  if ((!waiting && p.notBeforeMs <= now()) || queuedBehind(x, run, p)) {
    restart(run, p);
    return { when: 'now', notBeforeMs: now() };
  }
  store.transaction(() => {
    recovery.setPending(run.runId, p);
    if (!waiting)
      audit(
        run,
        actor,
        'recovery.wait',
        `restart ${p.n} waits ${Math.round(plan.delayMs / 1000)} s (backoff), ` +
          `not before ${fmtTime(p.notBeforeMs)}: ${p.why}`,
        { notBeforeMs: p.notBeforeMs, n: p.n },
      );
  });
  return { when: 'later', notBeforeMs: p.notBeforeMs };
}

/**
 * With a job queued behind the failed one, Slurm starts it at once whatever we wait: an exclusion must apply now.
 * Also true later in the wait: Slurm requeues the job of a failed node (JobRequeue=1) ~SlurmdTimeout after the
 * incident opened, and that job may start on the node again as soon as it is back.
 */
function queuedBehind(x: Parts, run: ControlRun, p: PendingRestart): boolean {
  return p.exclude.length > 0 && x.store.jobsOfRun(run.runId).some((j) => isLive(j) && j.state !== 'RUNNING');
}

/** Makes the run's pending restart once due; drops it when the run or the policy changed meanwhile. */
function runDue(x: Parts, run: ControlRun): boolean {
  const { now, store, recovery, audit, restart } = x;
  const p = recovery.pending(run.runId);
  if (!p) return false;
  const { policy } = recovery.policy(run.runId);
  if (run.desired !== 'active' || !policy.enabled) {
    // A person held or stopped the run, or turned automatic recovery off, while the restart waited.
    store.transaction(() => {
      recovery.setPending(run.runId, null);
      audit(run, policyActor(p.actor), 'recovery.dropped', `the waiting restart is dropped: ${p.why}`);
    });
    return false;
  }
  if (recovery.maintenanceOpen(run.runId) || (p.notBeforeMs > now() && !queuedBehind(x, run, p))) return true;
  // A maintenance seen after the decision (the incident tick is slower than the controller's) ended the job: the
  // restart after it is not counted.
  const afterMaintenance = p.counted && recovery.maintenanceSince(run.runId, p.decidedAtMs - MAINTENANCE_SLACK_MS);
  // The run's exclusions or the partition may have changed during the wait. Held: the hold action is queued, so
  // the failure policy must not decide again this tick (true, as while a restart waits).
  if (x.holdShort(run, p)) return true;
  restart(run, afterMaintenance ? { ...p, counted: false } : p);
  return true;
}

export function createAutoRestarts(deps: AutoRestartDeps): AutoRestarts {
  const x = partsOf(deps);
  const { now, store, recovery, context, request } = x;
  return {
    context,
    maintenanceSince: (runId, sinceMs) => recovery.maintenanceSince(runId, sinceMs),
    noteOpenFailure: (runId, note) => recovery.noteOpenFailure(runId, note),
    schedule: (run, plan, actor, incidentId) => schedule(x, run, plan, actor, incidentId),
    hold(run, why, actor) {
      store.transaction(() => {
        recovery.setPending(run.runId, null);
        request(run, { kind: 'hold' }, actor, why);
      });
    },
    runDue: (run) => runDue(x, run),
    dto: (runId) => recoveryDto(recovery, runId, now()),
    useCapacity: (source) => void (x.capacity.of = source),
  };
}

/** GET /api/runs/:id/recovery-policy: the policy, the window's count and when the next restart may happen. */
export function recoveryDto(
  recovery: Pick<RecoveryStore, 'policy' | 'countedRestarts' | 'pending'>,
  runId: number,
  nowMs: number,
): RecoveryPolicyDto {
  const stored = recovery.policy(runId);
  const times = recovery.countedRestarts(runId, nowMs - stored.policy.windowHours * HOUR_MS);
  const pending = recovery.pending(runId);
  return {
    runId,
    policy: stored.policy,
    restartsInWindow: restartsInWindow(stored.policy, times, nowMs).length,
    // A restart waiting for its backoff; else, with the window used up, when its oldest restart leaves it.
    nextRestartNotBeforeMs: pending?.notBeforeMs ?? slotFreesAtMs(stored.policy, times, nowMs),
    updatedAt: stored.updatedAt,
    updatedBy: stored.updatedBy,
  };
}
