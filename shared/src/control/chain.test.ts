import { describe, expect, it } from 'vitest';
import { planReconcile, type ChainJob, type ReconcileInput, type ReconcileStep } from './chain.js';

const job = (chainSeq: number, state: string, phase: ChainJob['phase'] = 'submitted'): ChainJob => ({
  chainSeq,
  schedulerJobId: phase === 'submitting' ? null : String(100 + chainSeq),
  phase,
  state,
});

const base: ReconcileInput = {
  desired: 'active',
  jobs: [],
  chainLength: 3,
  exclude: null,
  lastIteration: null,
  trainIters: 1000,
  pendingActions: 0,
};

const cases: [string, Partial<ReconcileInput>, ReconcileStep[]][] = [
  [
    'a new run gets a chain of 3, each afterany the previous',
    {},
    [
      { kind: 'submit', chainSeq: 1, dependsOn: null, exclude: null },
      { kind: 'submit', chainSeq: 2, dependsOn: 'previous', exclude: null },
      { kind: 'submit', chainSeq: 3, dependsOn: 'previous', exclude: null },
    ],
  ],
  ['a full chain is left alone', { jobs: [job(1, 'RUNNING'), job(2, 'PENDING'), job(3, 'PENDING')] }, []],
  [
    'a job that ended is replaced at the end of the chain, with the run exclude',
    { jobs: [job(1, 'COMPLETED'), job(2, 'RUNNING'), job(3, 'PENDING')], exclude: 'c4', lastIteration: 400 },
    [{ kind: 'submit', chainSeq: 4, dependsOn: '103', exclude: 'c4' }],
  ],
  [
    'a failed job with the next one queued is chain behaviour, not a failure',
    { jobs: [job(1, 'FAILED'), job(2, 'RUNNING'), job(3, 'PENDING')] },
    [{ kind: 'submit', chainSeq: 4, dependsOn: '103', exclude: null }],
  ],
  [
    'done at train_iters: queued jobs cancelled, the running one ends by itself',
    { jobs: [job(1, 'RUNNING'), job(2, 'PENDING'), job(3, 'PENDING')], lastIteration: 1000 },
    [
      { kind: 'cancel', ids: ['102', '103'], why: 'the run reached train_iters' },
      { kind: 'markRun', desired: 'done', why: 'the run reached train_iters' },
    ],
  ],
  [
    'failure with nothing queued: the failure policy decides under the run recovery policy',
    { chainLength: 1, jobs: [job(1, 'FAILED')] },
    [{ kind: 'autoResubmit', why: 'job 101 ended FAILED and nothing is queued', endedState: 'FAILED' }],
  ],
  [
    'a node failure with nothing queued carries its Slurm state (the policy has a toggle per kind)',
    { chainLength: 1, jobs: [job(1, 'NODE_FAIL')] },
    [{ kind: 'autoResubmit', why: 'job 101 ended NODE_FAIL and nothing is queued', endedState: 'NODE_FAIL' }],
  ],
  [
    'a job cancelled on request (cancel_job) is replaced at once by the chain: no failure, no backoff, not counted',
    { chainLength: 1, jobs: [job(1, 'CANCELLED')], cancelledOnRequest: ['101'] },
    [{ kind: 'submit', chainSeq: 2, dependsOn: null, exclude: null }],
  ],
  [
    'a job cancelled outside Trainboard is still a failure for the policy',
    { chainLength: 1, jobs: [job(1, 'CANCELLED')], cancelledOnRequest: ['999'] },
    [{ kind: 'autoResubmit', why: 'job 101 ended CANCELLED and nothing is queued', endedState: 'CANCELLED' }],
  ],
  ['held: nothing is submitted', { desired: 'held', jobs: [job(1, 'COMPLETED')] }, []],
  [
    'stopped: live jobs are cancelled',
    { desired: 'stopped', jobs: [job(1, 'RUNNING'), job(2, 'PENDING'), job(3, 'CANCELLED')] },
    [{ kind: 'cancel', ids: ['101', '102'], why: 'the run is stopped' }],
  ],
  ['stopped with nothing live: nothing to do', { desired: 'stopped', jobs: [job(1, 'CANCELLED')] }, []],
  ['a row still submitting blocks planning (recovery first)', { jobs: [job(1, 'SUBMITTING', 'submitting')] }, []],
  ['pending actions run before planning', { pendingActions: 1 }, []],
  ['a followed-only run (no desired state) is never planned', { desired: null }, []],
  [
    'lost rows are re-planned with a new sequence number',
    { chainLength: 2, jobs: [job(1, 'RUNNING'), job(2, 'SUBMITTING', 'lost')] },
    [{ kind: 'submit', chainSeq: 3, dependsOn: '101', exclude: null }],
  ],
  [
    'a cancelled duplicate is not part of the chain',
    { chainLength: 1, jobs: [job(1, 'RUNNING'), job(2, 'CANCELLED', 'duplicate_cancelled')] },
    [],
  ],
  [
    'a completed job short of train_iters continues the chain',
    { chainLength: 1, jobs: [job(1, 'COMPLETED')], lastIteration: 500 },
    [{ kind: 'submit', chainSeq: 2, dependsOn: null, exclude: null }],
  ],
  [
    'a completed job without an iteration target ends the run',
    { chainLength: 1, jobs: [job(1, 'COMPLETED')], trainIters: null },
    [{ kind: 'markRun', desired: 'done', why: 'the last job completed and the run has no iteration target' }],
  ],
];

describe('planReconcile', () => {
  it.each(cases)('%s', (_name, patch, expected) => {
    expect(planReconcile({ ...base, ...patch })).toEqual(expected);
  });
});
