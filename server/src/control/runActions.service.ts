// Operators' (and the failure policy's) actions on a run: a preview with the exact commands, and a request that
// records the action for the controller — checked against the version the user saw, in one transaction with its
// audit row. Refusals are audited too. Nothing here talks to the cluster: the controller executes.
import { KEY_PLACEHOLDER, planAction, type ActionPlan, type ActionStep } from '@trainboard/shared/control/actions';
import { jobSubmitSpec } from '@trainboard/shared/control/commands';
import type { ActionPreview, ActionRequest } from '@trainboard/shared/control/api';
import { actionJobs, actionRun } from './actionInputs.js';
import { stepText } from './commandText.js';
import type { ActorRef, ControlBackend, ControlRun, ControlStore } from './ports.js';

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
  /** The run's cluster backend, which may describe its own operations (absent or null: Slurm command text). */
  backendOf?: (run: ControlRun) => Pick<ControlBackend, 'describe' | 'runFolderAccess' | 'touchInJob'> | null;
}

/**
 * Why save-and-exit is refused where the server can neither reach the run folder nor set the switch from inside
 * the job (a backend with no shell and no touchInJob).
 */
export const NO_KILL_SWITCH =
  'save-and-exit needs the kill-switch file in the run folder, which this server cannot reach on this cluster: ' +
  'cancel the run instead, its last checkpoint is kept';

type Checked = ({ ok: true } & RequestedAction) | { ok: false; error: Error; message: string };

type Described = Pick<ControlBackend, 'describe' | 'runFolderAccess' | 'touchInJob' | 'checkSubmit'>;

function backendOfRun(o: RunActionsOptions, run: ControlRun): Described | null {
  try {
    return o.backendOf?.(run) ?? null;
  } catch {
    return null; // a cluster removed since: the plan's Slurm text is still what was planned
  }
}

/** The pure plan, except save-and-exit where the server cannot reach the run folder by any means. */
function planOf(o: RunActionsOptions, run: ControlRun, action: ActionRequest): ActionPlan {
  const refuse = (refusal: string): ActionPlan => ({ steps: [], commands: [], effects: [], patch: {}, refusal });
  const backend = backendOfRun(o, run);
  if (action.kind === 'save_exit' && backend?.runFolderAccess === false && !backend.touchInJob)
    return refuse(NO_KILL_SWITCH);
  if (action.kind === 'exclude' && backend?.checkSubmit) {
    const job = { baseName: run.name, key: KEY_PLACEHOLDER, dependsOn: null, exclude: action.nodes };
    try {
      backend.checkSubmit(jobSubmitSpec(run.script, run.submitOptions, job));
    } catch (e) {
      return refuse(`this cluster cannot exclude these nodes: ${(e as Error).message}`);
    }
  }
  return planAction(actionRun(run), actionJobs(o.store.jobsOfRun(run.runId)), action);
}

export function createRunActionsService(o: RunActionsOptions): RunActionsService {
  const now = o.now ?? Date.now;
  const textsOf = (run: ControlRun, plan: ActionPlan): string[] =>
    plan.steps.map((s) => stepText(backendOfRun(o, run), run, s));
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
      const plan = planOf(o, run, action);
      return {
        runId,
        version: run.version,
        action,
        commands: textsOf(run, plan),
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
        const plan = planOf(o, run, action);
        if (plan.refusal) return { ok: false, error: new ActionRefusedError(plan.refusal), message: plan.refusal };
        const commands = textsOf(run, plan);
        const actionId = o.store.insertAction({
          runId,
          request: action,
          actor,
          commands: plan.commands,
          texts: commands,
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
