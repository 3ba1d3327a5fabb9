// Run control over HTTP (PLAN §3.5): submit (and its dry run), the run's control state, action previews and
// requests. Every route is declared with route(), so roles, CSRF and the authorization matrix apply. Handlers
// only translate: the services validate, decide and audit.
import type { Request, Response } from 'express';
import { roleAtLeast } from '@trainboard/shared/auth/roles';
import { ActionPostSchema, ActionRequestSchema, RunCreateSchema } from '@trainboard/shared/control/api';
import type { ActionAccepted, ActionDto, RunControlDto } from '@trainboard/shared/control/api';
import { route, type RouteDef } from '../http/routeTable.js';
import type { ActorRef, ControlAction, ControlStore, ClusterAccess } from '../control/ports.js';
import {
  ActionRefusedError,
  RunChangedError,
  RunNotFoundError,
  type RunActionsService,
} from '../control/runActions.service.js';
import { SubmitRefusedError, type SubmitRunService } from '../control/submitRun.service.js';
import { HttpError } from './errors.js';
import { canonicalIdParam } from './runParam.js';
import { parseBody } from './users.router.js';

export interface RunControlDeps {
  store: ControlStore;
  clusters: ClusterAccess;
  submit: SubmitRunService;
  actions: RunActionsService;
}

function actorOf(req: Request): ActorRef {
  const a = req.actor!;
  return { kind: a.kind, userId: a.userId, name: a.name, tokenId: a.tokenId ?? null, requestId: req.requestId };
}

/** Domain refusals → HTTP; anything else goes to the generic error handler. */
function refusal(err: unknown, res: Response): boolean {
  if (err instanceof RunChangedError) {
    res.status(409).json({ code: 'run_changed', message: err.message, currentVersion: err.currentVersion });
  } else if (err instanceof RunNotFoundError) {
    res.status(404).json({ code: 'not_found', message: 'no controlled run with this id' });
  } else if (err instanceof ActionRefusedError) {
    res.status(422).json({ code: 'action_refused', message: err.reason });
  } else if (err instanceof SubmitRefusedError) {
    const status = err.code === 'run_exists' ? 409 : 422;
    res.status(status).json({ code: err.code, message: err.message, ...(err.preview ? { preview: err.preview } : {}) });
  } else if (err instanceof Error && err.name === 'UnknownClusterError') {
    res.status(404).json({ code: 'unknown_cluster', message: 'no cluster with this name' });
  } else return false;
  return true;
}

const handle =
  (fn: (req: Request, res: Response) => Promise<void> | void) =>
  async (req: Request, res: Response): Promise<void> => {
    try {
      await fn(req, res);
    } catch (err) {
      if (!refusal(err, res)) throw err;
    }
  };

function actionDto(a: ControlAction): ActionDto {
  return {
    id: a.id,
    kind: a.kind,
    params: a.request as unknown as Record<string, unknown>,
    state: a.state,
    requestedBy: a.actorName,
    commands: a.commands,
    result: a.result,
    createdAt: a.createdAt,
    finishedAt: a.finishedAt,
  };
}

function controlDto(d: RunControlDeps, runId: number, withPaths: boolean): RunControlDto {
  const run = d.store.run(runId);
  if (!run || run.desired === null) throw new RunNotFoundError(runId);
  let cluster: string | null = null;
  try {
    cluster = d.clusters.get(run.clusterId).name;
  } catch {
    cluster = null; // removed or disabled since: the run still shows
  }
  return {
    runId,
    name: run.name,
    cluster,
    desiredState: run.desired,
    version: run.version,
    chainLength: run.chainLength,
    maxAutoResubmits: run.maxAutoResubmits,
    excludeNodes: run.excludeNodes,
    trainIters: run.trainIters,
    jobs: d.store.jobsOfRun(runId).map((j) => ({
      chainSeq: j.chainSeq,
      schedulerJobId: j.schedulerJobId,
      phase: j.phase,
      state: j.state,
      dependsOn: j.dependsOn,
      exclude: j.exclude,
      reason: j.reason,
      nodeList: j.nodeList,
      exitCode: j.exitCode,
    })),
    pendingActions: d.store
      .pendingActions()
      .filter((a) => a.runId === runId)
      .map(actionDto),
    ...(withPaths ? { paths: { runDir: run.runDir, logPath: run.logPath, killSwitchPath: run.killSwitchPath } } : {}),
  };
}

export function runControlRoutes(d: RunControlDeps): RouteDef[] {
  return [
    route(
      'post',
      '/api/runs/preview',
      'operator',
      handle(async (req, res) => {
        res.json(await d.submit.preview(parseBody(RunCreateSchema, req.body)));
      }),
      { summary: 'dry run: the exact script and sbatch argv' },
    ),
    route(
      'post',
      '/api/runs',
      'operator',
      handle(async (req, res) => {
        const input = parseBody(RunCreateSchema, req.body);
        if (input.dryRun) return void res.json(await d.submit.preview(input));
        res.status(201).json(await d.submit.submit(input, actorOf(req)));
      }),
      { summary: 'submit a run (the controller submits its jobs)' },
    ),
    route(
      'get',
      '/api/runs/:id/control',
      'viewer',
      handle((req, res) => {
        const runId = canonicalIdParam(req.params.id, 'run');
        res.json(controlDto(d, runId, roleAtLeast(req.actor!.role, 'operator')));
      }),
    ),
    route(
      'get',
      '/api/runs/:id/actions/:actionId',
      'viewer',
      handle((req, res) => {
        const runId = canonicalIdParam(req.params.id, 'run');
        const a = d.store.action(canonicalIdParam(req.params.actionId, 'action'));
        if (!a || a.runId !== runId) throw new HttpError(404, 'not_found', 'no such action');
        res.json(actionDto(a));
      }),
    ),
    route(
      'post',
      '/api/runs/:id/actions/preview',
      'operator',
      handle((req, res) => {
        const runId = canonicalIdParam(req.params.id, 'run');
        res.json(d.actions.preview(runId, parseBody(ActionRequestSchema, req.body?.action ?? req.body)));
      }),
    ),
    route(
      'post',
      '/api/runs/:id/actions',
      'operator',
      handle((req, res) => {
        const runId = canonicalIdParam(req.params.id, 'run');
        const body = parseBody(ActionPostSchema, req.body);
        const { actionId, version } = d.actions.request(runId, body.action, body.expectedVersion, actorOf(req));
        const accepted: ActionAccepted = { actionId, version }; // the plan's steps stay server-side
        res.status(202).json(accepted);
      }),
    ),
  ];
}
