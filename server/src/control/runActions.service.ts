// Operators' (and the failure policy's) actions on a run: a preview with the exact commands, and a request that
// records the action for the controller — checked against the version the user saw, in one transaction with its
// audit row. Refusals are audited too. Nothing here talks to the cluster: the controller executes.
import { planAction, type ActionPlan, type ActionStep } from '@trainboard/shared/control/actions';
import type { ActionPreview, ActionRequest } from '@trainboard/shared/control/api';
import { shellCommand } from '@trainboard/shared/slurm/quote';
import { actionJobs, actionRun } from './actionInputs.js';
import type { ActorRef, ControlRun, ControlStore } from './ports.js';

export class RunNotFoundError extends Error {
  constructor(readonly runId: number) {
    super(`run ${runId} is not controlled by Trainboard`);
    this.name = 'RunNotFoundError';
  }
}

export class RunChangedError extends Error {
  constructor(readonly currentVersion: number) {
    super('the run changed since the preview; review the new preview');
    this.name = 'RunChangedError';
  }
}

export class ActionRefusedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'ActionRefusedError';
  }
}

export interface RunActionsService {
  preview(runId: number, action: ActionRequest): ActionPreview;
  /** @throws RunNotFoundError, RunChangedError (409), ActionRefusedError */
  request(
    runId: number,
    action: ActionRequest,
    expectedVersion: number,
    actor: ActorRef,
    why?: string,
  ): RequestedAction;
}

/** An accepted request: its id, the run's new version and the plan's steps (what it will actually do). */
export interface RequestedAction {
  actionId: number;
  version: number;
  steps: ActionStep[];
}

export interface RunActionsOptions {
  store: ControlStore;
  /** Wakes the controller so the action runs now rather than at the next tick. */
  kick: () => void;
  now?: () => number;
}

type Checked = ({ ok: true } & RequestedAction) | { ok: false; error: Error; message: string };

export function createRunActionsService(o: RunActionsOptions): RunActionsService {
  const now = o.now ?? Date.now;
  const planFor = (run: ControlRun, action: ActionRequest): ActionPlan =>
    planAction(actionRun(run), actionJobs(o.store.jobsOfRun(run.runId)), action);
  const controlled = (runId: number): ControlRun => {
    const run = o.store.run(runId);
    if (!run || run.desired === null) throw new RunNotFoundError(runId);
    return run;
  };
  const audit = (
    runId: number,
    actor: ActorRef,
    action: ActionRequest,
    command: string | null,
    result: 'requested' | 'refused',
    message: string | null,
  ) =>
    o.store.audit(
      {
        actor,
        action: `run.${action.kind}`,
        targetKind: 'run',
        targetId: String(runId),
        runId,
        clusterId: o.store.run(runId)?.clusterId ?? null,
        command,
        result,
        message,
        errorCode: result === 'refused' ? 'refused' : null,
      },
      now(),
    );

  return {
    preview(runId, action) {
      const run = controlled(runId);
      const plan = planFor(run, action);
      return {
        runId,
        version: run.version,
        action,
        commands: plan.commands.map(shellCommand),
        effects: plan.effects,
        refusal: plan.refusal,
      };
    },
    request(runId, action, expectedVersion, actor, why) {
      controlled(runId);
      const checked = o.store.transaction((): Checked => {
        const run = controlled(runId);
        if (run.version !== expectedVersion)
          return {
            ok: false,
            error: new RunChangedError(run.version),
            message: `run_changed: version ${run.version}, not ${expectedVersion}`,
          };
        const plan = planFor(run, action);
        if (plan.refusal) return { ok: false, error: new ActionRefusedError(plan.refusal), message: plan.refusal };
        const commands = plan.commands.map(shellCommand);
        const actionId = o.store.insertAction({
          runId,
          request: action,
          actor,
          commands: plan.commands,
          expectedVersion,
          now: now(),
        });
        const version = o.store.bumpVersion(runId);
        audit(runId, actor, action, commands.join('\n') || null, 'requested', why ?? plan.effects.join('; '));
        return { ok: true, actionId, version, steps: plan.steps };
      });
      if (!checked.ok) {
        o.store.transaction(() => audit(runId, actor, action, null, 'refused', checked.message));
        throw checked.error;
      }
      o.kick();
      return { actionId: checked.actionId, version: checked.version, steps: checked.steps };
    },
  };
}
