// What an operator's action does, exactly: the steps the controller will execute, their commands as argv (shown in
// the confirmation dialog and written to the audit), the plain-language effects and the desired-state change.
// Pure; the preview and the execution both come from here, so the dialog cannot promise something else.
import { expandHostlist } from '../slurm/hostlist.js';
import type { ActionRequest, DesiredState } from './api.js';
import { isLive, type ChainJob } from './chain.js';
import {
  mergeHostlists,
  removeArgv,
  sbatchArgv,
  scancelArgv,
  scontrolExcludeArgv,
  scontrolHoldArgv,
  scontrolReleaseArgv,
  touchArgv,
  type RunSubmitOptions,
} from './commands.js';

export interface ActionRun {
  name: string;
  desired: DesiredState | null;
  chainLength: number;
  excludeNodes: string | null;
  killSwitchPath: string | null;
  submitOptions: RunSubmitOptions;
}

export interface ActionJob extends ChainJob {
  nodes: string[];
  /** Slurm's reason (`JobHeldUser`, `Dependency`, …). */
  reasonText: string | null;
}

export type ActionStep =
  | { kind: 'scancel'; ids: string[] }
  | { kind: 'hold'; ids: string[] }
  | { kind: 'release'; ids: string[] }
  | { kind: 'updateExclude'; id: string; hostlist: string }
  /** `jobId`: the running job whose trainer reads the switch (a backend without run-folder access execs into it). */
  | { kind: 'touch'; path: string; jobId: string }
  | { kind: 'remove'; path: string }
  | { kind: 'submit'; exclude: string | null };

export interface DesiredPatch {
  desired?: DesiredState;
  chainLength?: number;
  excludeNodes?: string | null;
}

export interface ActionPlan {
  steps: ActionStep[];
  /** One argv per command, in order. A new job's key is `tb.<install>.<id>`, assigned when it is submitted. */
  commands: string[][];
  effects: string[];
  patch: DesiredPatch;
  /** Why it cannot be done now; null when it can. */
  refusal: string | null;
}

/** Shown where a new job's key goes in a preview: the real key exists once the job row does. */
export const KEY_PLACEHOLDER = 'tb.000000.0';

export function stepArgv(run: ActionRun, step: ActionStep, key = KEY_PLACEHOLDER): string[] {
  switch (step.kind) {
    case 'scancel':
      return scancelArgv(step.ids);
    case 'hold':
      return scontrolHoldArgv(step.ids);
    case 'release':
      return scontrolReleaseArgv(step.ids);
    case 'updateExclude':
      return scontrolExcludeArgv(step.id, step.hostlist);
    case 'touch':
      return touchArgv(step.path);
    case 'remove':
      return removeArgv(step.path);
    case 'submit':
      return sbatchArgv(run.submitOptions, { baseName: run.name, key, dependsOn: null, exclude: step.exclude });
  }
}

const refuse = (why: string): ActionPlan => ({ steps: [], commands: [], effects: [], patch: {}, refusal: why });

export function planAction(run: ActionRun, jobs: readonly ActionJob[], action: ActionRequest): ActionPlan {
  const r = planSteps(run, jobs, action);
  if ('refusal' in r) return refuse(r.refusal);
  return { ...r, commands: r.steps.map((s) => stepArgv(run, s)), refusal: null };
}

type Planned = { steps: ActionStep[]; effects: string[]; patch: DesiredPatch } | { refusal: string };

const ids = (jobs: readonly ActionJob[]) => jobs.map((j) => j.schedulerJobId!);
const isPending = (j: ActionJob) => j.state === 'PENDING' || j.state === 'SUBMITTING';

function planSteps(run: ActionRun, jobs: readonly ActionJob[], action: ActionRequest): Planned {
  const live = [...jobs].filter(isLive).sort((a, b) => a.chainSeq - b.chainSeq);
  switch (action.kind) {
    case 'cancel_job':
      return cancelJob(run, live, action.jobId);
    case 'cancel_run':
      return cancelRun(run, live);
    case 'resubmit':
      return resubmit(run, live, run.excludeNodes, 'resubmit');
    case 'exclude':
      return exclude(run, live, action.nodes);
    case 'save_exit':
      return saveExit(run, live);
    case 'hold':
      return hold(run, live);
    case 'release':
      return release(run, live);
    case 'set_chain_length':
      return setChainLength(run, live, action.length);
  }
}

function cancelJob(run: ActionRun, live: ActionJob[], jobId: string): Planned {
  if (!live.some((j) => j.schedulerJobId === jobId))
    return { refusal: `job ${jobId} is not a queued or running job of this run` };
  const next = run.desired === 'active' ? 'the chain submits a replacement at its end' : 'the run stays ' + run.desired;
  return { steps: [{ kind: 'scancel', ids: [jobId] }], effects: [`job ${jobId} is cancelled`, next], patch: {} };
}

function cancelRun(run: ActionRun, live: ActionJob[]): Planned {
  if (run.desired === 'stopped' && live.length === 0) return { refusal: 'the run is already stopped' };
  const steps: ActionStep[] = live.length ? [{ kind: 'scancel', ids: ids(live) }] : [];
  const effects = live.length ? [`jobs ${ids(live).join(', ')} are cancelled`] : ['no job is queued or running'];
  return {
    steps,
    effects: [...effects, 'the run is stopped: nothing is submitted again'],
    patch: { desired: 'stopped' },
  };
}

/** Clears a forgotten kill switch first: it would end every new job at its first check. */
function clearKillSwitch(run: ActionRun): ActionStep[] {
  return run.killSwitchPath ? [{ kind: 'remove', path: run.killSwitchPath }] : [];
}

function resubmit(run: ActionRun, live: ActionJob[], excludeNodes: string | null, what: string): Planned {
  const steps: ActionStep[] = [...clearKillSwitch(run)];
  const effects: string[] = [];
  if (live.length) {
    steps.push({ kind: 'scancel', ids: ids(live) });
    effects.push(`jobs ${ids(live).join(', ')} are cancelled`);
  }
  steps.push({ kind: 'submit', exclude: excludeNodes });
  effects.push(
    `a new job is submitted from the run's script${excludeNodes ? `, excluding ${excludeNodes}` : ''}; it resumes from the last checkpoint`,
  );
  if (run.chainLength > 1) effects.push(`the chain is refilled to ${run.chainLength} jobs, each afterany the previous`);
  return { steps, effects, patch: { desired: 'active', ...(what === 'exclude' ? { excludeNodes } : {}) } };
}

function exclude(run: ActionRun, live: ActionJob[], nodes: string): Planned {
  const merged = mergeHostlists(run.excludeNodes, nodes);
  const bad = new Set(expandHostlist(nodes));
  const onBadNode = live.filter((j) => j.nodes.some((n) => bad.has(n)));
  const pending = live.filter(isPending);
  const remaining = live.filter((j) => !onBadNode.includes(j));
  if (remaining.length === 0) return resubmit(run, live, merged, 'exclude');
  const steps: ActionStep[] = pending.map((j) => ({ kind: 'updateExclude', id: j.schedulerJobId!, hostlist: merged! }));
  const effects = pending.map((j) => `queued job ${j.schedulerJobId} will not start on ${merged}`);
  if (onBadNode.length) {
    steps.push({ kind: 'scancel', ids: ids(onBadNode) });
    effects.push(`job ${ids(onBadNode).join(', ')} runs on an excluded node and is cancelled; the next job takes over`);
  }
  effects.push(`every new job of this run excludes ${merged}`);
  return { steps, effects, patch: { excludeNodes: merged } };
}

function saveExit(run: ActionRun, live: ActionJob[]): Planned {
  if (!run.killSwitchPath) return { refusal: 'the run has no kill switch' };
  const running = live.filter((j) => j.state === 'RUNNING').at(-1);
  if (!running) return { refusal: 'no job of this run is running' };
  const queued = live.filter(isPending);
  const steps: ActionStep[] = [{ kind: 'touch', path: run.killSwitchPath, jobId: running.schedulerJobId! }];
  if (queued.length) steps.push({ kind: 'hold', ids: ids(queued) });
  return {
    steps,
    effects: [
      'the running job saves a checkpoint at its next check and exits',
      queued.length ? `queued jobs ${ids(queued).join(', ')} are held` : 'no queued job',
      'the chain is held: release (or resubmit) continues it',
    ],
    patch: { desired: 'held' },
  };
}

function hold(run: ActionRun, live: ActionJob[]): Planned {
  if (run.desired === 'held') return { refusal: 'the run is already held' };
  const queued = live.filter(isPending);
  const steps: ActionStep[] = queued.length ? [{ kind: 'hold', ids: ids(queued) }] : [];
  const effects = queued.length ? [`queued jobs ${ids(queued).join(', ')} are held`] : [];
  return { steps, effects: [...effects, 'no new job is submitted until release'], patch: { desired: 'held' } };
}

function release(run: ActionRun, live: ActionJob[]): Planned {
  if (run.desired !== 'held') return { refusal: 'the run is not held' };
  const held = live.filter((j) => isPending(j) && (j.reasonText ?? '').includes('Held'));
  const steps: ActionStep[] = [...clearKillSwitch(run)];
  if (held.length) steps.push({ kind: 'release', ids: ids(held) });
  const effects = held.length ? [`held jobs ${ids(held).join(', ')} are released`] : [];
  return {
    steps,
    effects: [...effects, `the chain continues: ${run.chainLength} jobs kept queued`],
    patch: { desired: 'active' },
  };
}

function setChainLength(run: ActionRun, live: ActionJob[], length: number): Planned {
  const surplus = live.filter(isPending).slice(Math.max(0, length - (live.length - live.filter(isPending).length)));
  const steps: ActionStep[] = surplus.length ? [{ kind: 'scancel', ids: ids(surplus) }] : [];
  const effects = surplus.length ? [`queued jobs ${ids(surplus).join(', ')} are cancelled`] : [];
  return { steps, effects: [...effects, `the chain keeps ${length} jobs`], patch: { chainLength: length } };
}
