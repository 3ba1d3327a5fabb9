// The chain planner: from a run's desired state and what the scheduler reports about its jobs, the steps that
// bring the cluster to the desired state. Pure, so every case is a table row in chain.test.ts; the controller
// executes the steps (submit through the key-before-sbatch protocol, scancel, …) and calls this again next tick.
import { isTerminalState } from '../slurm/types.js';
import type { DesiredState, JobPhase } from './api.js';

export interface ChainJob {
  chainSeq: number;
  schedulerJobId: string | null;
  phase: JobPhase;
  /** Slurm's state as last observed (`SUBMITTING` until the first observation). */
  state: string;
}

export interface ReconcileInput {
  desired: DesiredState | null;
  jobs: readonly ChainJob[];
  /** Jobs kept in the scheduler at once, the running one included. */
  chainLength: number;
  exclude: string | null;
  /** Highest iteration the log reported; null before the first. */
  lastIteration: number | null;
  trainIters: number | null;
  /** Actions waiting for the controller: planning waits for them (they may change everything). */
  pendingActions: number;
  /** Scheduler ids of jobs a person cancelled through Trainboard (`cancel_job`): their end is no failure. */
  cancelledOnRequest?: readonly string[];
}

/** `dependsOn: 'previous'`: the scheduler id of the job the preceding submit step created. */
export type ReconcileStep =
  | { kind: 'submit'; chainSeq: number; dependsOn: string | 'previous' | null; exclude: string | null }
  | { kind: 'cancel'; ids: string[]; why: string }
  | { kind: 'markRun'; desired: DesiredState; why: string }
  /** A job failed and nothing is queued: the failure policy decides under the run's recovery policy (restart now,
   * after its backoff, wait for a maintenance, or hold the run). */
  | { kind: 'autoResubmit'; why: string; endedState: string };

const NOT_LIVE: ReadonlySet<JobPhase> = new Set(['lost', 'duplicate_cancelled']);

/** A job that is (or will be) in the scheduler: submitted and not ended. */
export function isLive(j: ChainJob): boolean {
  return j.phase === 'submitted' && !isTerminalState(j.state);
}

function bySeq(jobs: readonly ChainJob[]): ChainJob[] {
  return [...jobs].sort((a, b) => a.chainSeq - b.chainSeq);
}

export function planReconcile(input: ReconcileInput): ReconcileStep[] {
  // A row whose sbatch may or may not have happened is resolved by recovery first; planning before would duplicate.
  if (input.jobs.some((j) => j.phase === 'submitting')) return [];
  if (input.pendingActions > 0 || input.desired === null) return [];
  const jobs = bySeq(input.jobs.filter((j) => !NOT_LIVE.has(j.phase)));
  const live = jobs.filter(isLive);
  const liveIds = live.map((j) => j.schedulerJobId!);
  if (input.desired === 'stopped' || input.desired === 'done') {
    return liveIds.length ? [{ kind: 'cancel', ids: liveIds, why: `the run is ${input.desired}` }] : [];
  }
  if (finished(input)) return finishSteps(live);
  if (input.desired === 'held') return [];
  if (live.length === 0) {
    const ended = jobs.at(-1);
    // A job cancelled on request is replaced at once by the chain, as the action said: not a failure for the policy
    // to back off from and count against the run's restart budget.
    const onRequest = ended?.schedulerJobId != null && !!input.cancelledOnRequest?.includes(ended.schedulerJobId);
    if (ended && ended.state !== 'COMPLETED' && !onRequest) return failureSteps(ended);
    if (ended && ended.state === 'COMPLETED' && input.trainIters === null) {
      return [{ kind: 'markRun', desired: 'done', why: 'the last job completed and the run has no iteration target' }];
    }
  }
  return topUp(input, live);
}

function finished(input: ReconcileInput): boolean {
  return input.trainIters !== null && input.lastIteration !== null && input.lastIteration >= input.trainIters;
}

/** The run reached its last iteration: queued jobs are no longer needed; a running one ends by itself. */
function finishSteps(live: ChainJob[]): ReconcileStep[] {
  const queued = live.filter((j) => j.state !== 'RUNNING' && j.state !== 'COMPLETING').map((j) => j.schedulerJobId!);
  const steps: ReconcileStep[] = [{ kind: 'markRun', desired: 'done', why: 'the run reached train_iters' }];
  if (queued.length) steps.unshift({ kind: 'cancel', ids: queued, why: 'the run reached train_iters' });
  return steps;
}

function failureSteps(ended: ChainJob): ReconcileStep[] {
  const what = `job ${ended.schedulerJobId ?? `#${ended.chainSeq}`} ended ${ended.state} and nothing is queued`;
  return [{ kind: 'autoResubmit', why: what, endedState: ended.state }];
}

/** Keeps `chainLength` live jobs, each `afterany` the one before it. */
function topUp(input: ReconcileInput, live: ChainJob[]): ReconcileStep[] {
  const steps: ReconcileStep[] = [];
  let seq = Math.max(0, ...input.jobs.map((j) => j.chainSeq));
  let previous: string | 'previous' | null = live.at(-1)?.schedulerJobId ?? null;
  for (let n = live.length; n < input.chainLength; n++) {
    seq += 1;
    steps.push({ kind: 'submit', chainSeq: seq, dependsOn: previous, exclude: input.exclude });
    previous = 'previous';
  }
  return steps;
}
