// The control plane's store over the repositories (PLAN §3.1): the ControlStore port the controller and the
// services use, mapped onto runControl/jobs/runActions/audit/settings. No SQL here.
import { randomBytes } from 'node:crypto';
import type { ActionRequest } from '@trainboard/shared/control/api';
import { jobNameWithKey, makeIdemKey } from '@trainboard/shared/control/idemKey';
import type { RunSubmitOptions } from '@trainboard/shared/control/commands';
import { shellCommand } from '@trainboard/shared/slurm/quote';
import type { Db } from '../db/client.js';
import type { ControlJobRow } from '../db/jobs.repo.js';
import type { ActionRow } from '../db/runActions.repo.js';
import type { Repositories } from '../db/repositories.js';
import type { RunControlRow } from '../db/runControl.repo.js';
import { registerLogSourcePath } from '../follow/logSourcePaths.js';
import type { ControlAction, ControlJob, ControlRun, ControlStore } from './ports.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 6 random characters of [a-z0-9]: separates two Trainboards on one cluster account. */
export function newInstallId(): string {
  return [...randomBytes(6)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

function toRun(r: RunControlRow): ControlRun {
  return {
    runId: r.runId,
    name: r.name,
    clusterId: r.clusterId ?? 0,
    desired: r.desiredState,
    version: r.version,
    chainLength: r.chainLength,
    maxAutoResubmits: r.maxAutoResubmits,
    excludeNodes: r.excludeNodes,
    script: r.script ?? '',
    submitOptions: (r.submitOptions ?? {}) as RunSubmitOptions,
    runDir: r.runDir,
    logPath: r.logPath,
    killSwitchPath: r.killSwitchPath,
    trainIters: r.trainIters,
  };
}

/** Legacy and imported rows (no key) are not part of any chain. */
function toJob(j: ControlJobRow): ControlJob | null {
  if (j.idemKey === null || j.schedName === null || j.chainSeq === null) return null;
  return {
    id: j.id,
    runId: j.runId,
    chainSeq: j.chainSeq,
    schedulerJobId: j.schedulerJobId,
    idemKey: j.idemKey,
    schedName: j.schedName,
    phase: j.phase,
    state: j.state,
    dependsOn: j.dependsOn,
    exclude: j.exclude,
    reason: j.reason ?? 'chain',
    nodeList: j.nodeList,
    reasonText: j.reasonText,
    exitCode: j.exitCode,
    submitStartedAt: j.submitStartedAt ?? 0,
  };
}

const jobsOf = (rows: ControlJobRow[]) => rows.map(toJob).filter((j): j is ControlJob => j !== null);

export function createControlStore(repos: Repositories, db: Db): ControlStore {
  let installId: string | null = null;
  const store: ControlStore = {
    transaction: (fn) => repos.transaction(fn),
    installId: () => (installId ??= repos.settings.getOrCreate('install_id', newInstallId)),
    createRun(r) {
      // A config without a kill switch has none; the column is nullable, save-and-exit then refuses.
      const row = repos.runControl.create({ ...r, killSwitchPath: r.killSwitchPath as string, state: 'submitted' });
      return { runId: row.runId, version: row.version };
    },
    run: (runId) => {
      const r = repos.runControl.get(runId);
      return r ? toRun(r) : undefined;
    },
    runIdByName: (name) => repos.runs.list().find((r) => r.name === name)?.id,
    followLog: (runName, path, now) => registerLogSourcePath(db, runName, path, now),
    controlledRuns: () => repos.runControl.active().map(toRun),
    setDesired: (runId, patch, expectedVersion) => {
      const r = repos.runControl.setDesired(
        runId,
        {
          ...(patch.desired ? { desiredState: patch.desired } : {}),
          ...(patch.chainLength ? { chainLength: patch.chainLength } : {}),
          ...(patch.excludeNodes !== undefined ? { excludeNodes: patch.excludeNodes } : {}),
        },
        expectedVersion,
      );
      // The run's shown state follows: a stopped run is cancelled, a done one completed (followers then stop); one
      // a person brings back (resubmit) is running again, so its logs are followed again.
      const ended = ENDED_SHOWN_STATES.has(repos.runs.get(runId)?.state ?? '');
      const shown =
        patch.desired === 'stopped'
          ? 'cancelled'
          : patch.desired === 'done'
            ? 'completed'
            : patch.desired === 'active' && ended
              ? 'running'
              : null;
      if (r === 'ok' && shown) repos.runControl.setState(runId, shown);
      return r;
    },
    bumpVersion: (runId) => repos.runControl.bumpVersion(runId),
    lastIteration: (runId) => repos.iterations.latest(runId)?.iteration ?? null,
    jobsOfRun: (runId) => jobsOf(repos.jobs.controlOfRun(runId)),
    submittingJobs: () => jobsOf(repos.jobs.submitting()),
    beginSubmit(j) {
      const install = store.installId();
      const { id } = repos.jobs.beginSubmit({
        ...j,
        keys: (rowId) => {
          const idemKey = makeIdemKey(install, rowId);
          return { idemKey, schedName: jobNameWithKey(j.baseName, idemKey) };
        },
      });
      return toJob(repos.jobs.byId(id)!)!;
    },
    markSubmitted: (id, schedulerJobId, now) => repos.jobs.markSubmitted(id, schedulerJobId, now),
    markLost: (id, now) => repos.jobs.markLost(id, now),
    markDuplicate: (id, schedulerJobId, now) => repos.jobs.markDuplicate(id, schedulerJobId, now),
    recordStatus: (id, s, now) => repos.jobs.recordStatus(id, s, now),
    ...actionMethods(repos),
  };
  return store;
}

/** Shown states of a run whose followers stopped (a cancel, the end): a person bringing it back revives it. */
const ENDED_SHOWN_STATES: ReadonlySet<string> = new Set(['cancelled', 'completed']);

/** How many of a run's newest actions are searched for a cancel on request (the ended job is the newest). */
const RECENT_ACTIONS = 20;

/** Actions and the audit: the rows operators' requests leave. */
function actionMethods(
  repos: Repositories,
): Pick<
  ControlStore,
  'insertAction' | 'pendingActions' | 'cancelledOnRequest' | 'action' | 'startAction' | 'finishAction' | 'audit'
> {
  const actorName = (userId: number | null) =>
    userId === null ? 'system' : (repos.users.byId(userId)?.username ?? `user:${userId}`);
  const toAction = (a: ActionRow): ControlAction => ({
    id: a.id,
    runId: a.runId,
    kind: a.kind,
    request: (a.params ?? { kind: a.kind }) as ActionRequest,
    state: a.state,
    requestedBy: a.requestedBy,
    // The requester's own name (a policy's too); rows from before migration 0004 fall back to the user's name.
    actorName: a.actorName ?? actorName(a.requestedBy),
    commands: (a.commands ?? []).map((c) => c.shell),
    result: a.result,
    createdAt: a.createdAt,
    finishedAt: a.finishedAt,
  });
  return {
    insertAction: (a) =>
      repos.runActions.insert({
        runId: a.runId,
        kind: a.request.kind,
        params: a.request,
        requestedBy: a.actor.userId,
        actorName: a.actor.name,
        commands: a.commands.map((argv, i) => ({ argv, shell: a.texts?.[i] ?? shellCommand(argv) })),
        expectedVersion: a.expectedVersion,
        now: a.now,
      }),
    pendingActions: () => repos.runActions.pending().map(toAction),
    cancelledOnRequest: (runId) =>
      repos.runActions
        .ofRun(runId, RECENT_ACTIONS)
        .filter((a) => a.kind === 'cancel_job' && a.state === 'done' && typeof a.params?.jobId === 'string')
        .map((a) => a.params!.jobId as string),
    action: (id) => {
      const a = repos.runActions.get(id);
      return a ? toAction(a) : undefined;
    },
    startAction: (id) => void repos.runActions.start(id),
    finishAction: (id, state, result, now) =>
      // 'refused' at execution time (the run changed between request and tick) is allowed by the table's CHECK.
      repos.runActions.finish(id, state as 'done' | 'failed', result, now),
    audit: (e, now) =>
      repos.audit.append({
        atMs: now,
        actorKind: e.actor.kind,
        actorName: e.actor.name,
        userId: e.actor.userId,
        tokenId: e.actor.tokenId ?? null,
        requestId: e.actor.requestId ?? null,
        action: e.action,
        targetKind: e.targetKind,
        targetId: e.targetId,
        runId: e.runId,
        clusterId: e.clusterId,
        command: e.command,
        result: e.result,
        errorCode: e.errorCode ?? null,
        message: e.message ?? null,
        details: e.details ?? null,
      }),
  };
}
