import { describe, expect, it } from 'vitest';
import type { ActionRequest } from './api.js';
import { planAction, type ActionJob, type ActionRun } from './actions.js';
import { shellCommand } from '../slurm/quote.js';

const run: ActionRun = {
  name: 'demo',
  desired: 'active',
  chainLength: 2,
  excludeNodes: null,
  killSwitchPath: '/jobs/demo/STOP',
  submitOptions: { partition: 'debug', nodes: 1, output: '/jobs/demo/log.txt' },
};

const job = (seq: number, state: string, nodes: string[] = [], reasonText: string | null = null): ActionJob => ({
  chainSeq: seq,
  schedulerJobId: String(1230 + seq),
  phase: 'submitted',
  state,
  nodes,
  reasonText,
});

const running = [job(1, 'RUNNING', ['c4']), job(2, 'PENDING', [], 'Dependency')];
const sbatch = (extra: string) =>
  `sbatch --parsable --job-name=demo.tb.000000.0 --comment=tb.000000.0 --partition=debug --nodes=1${extra} --output=/jobs/demo/log.txt`;

const cases: [string, Partial<ActionRun>, ActionJob[], ActionRequest, string[], ActionRun['desired'] | undefined][] = [
  ['cancel one job', {}, running, { kind: 'cancel_job', jobId: '1232' }, ['scancel 1232'], undefined],
  ['cancel the run', {}, running, { kind: 'cancel_run' }, ['scancel 1231 1232'], 'stopped'],
  [
    'resubmit: kill switch cleared, live jobs cancelled, one new job',
    {},
    running,
    { kind: 'resubmit' },
    ['rm -f -- /jobs/demo/STOP', 'scancel 1231 1232', sbatch('')],
    'active',
  ],
  [
    'resubmit after a failure keeps the run exclude',
    { excludeNodes: 'c2' },
    [job(1, 'FAILED', ['c4'])],
    { kind: 'resubmit' },
    ['rm -f -- /jobs/demo/STOP', sbatch(' --exclude=c2')],
    'active',
  ],
  [
    'exclude the running job’s node: queued job updated, running one cancelled',
    { excludeNodes: 'c2' },
    running,
    { kind: 'exclude', nodes: 'c4' },
    ['scontrol update JobId=1232 ExcNodeList=c2,c4', 'scancel 1231'],
    undefined,
  ],
  [
    'exclude with nothing queued: a resubmit excluding the node',
    {},
    [job(1, 'FAILED', ['c4'])],
    { kind: 'exclude', nodes: 'c4' },
    ['rm -f -- /jobs/demo/STOP', sbatch(' --exclude=c4')],
    'active',
  ],
  [
    'save and exit: kill switch touched, queued jobs held',
    {},
    running,
    { kind: 'save_exit' },
    ['touch -- /jobs/demo/STOP', 'scontrol hold 1232'],
    'held',
  ],
  ['hold', {}, running, { kind: 'hold' }, ['scontrol hold 1232'], 'held'],
  [
    'release: kill switch cleared, held jobs released',
    { desired: 'held' },
    [job(1, 'COMPLETED'), job(2, 'PENDING', [], 'JobHeldUser')],
    { kind: 'release' },
    ['rm -f -- /jobs/demo/STOP', 'scontrol release 1232'],
    'active',
  ],
  [
    'shorter chain: surplus queued jobs cancelled',
    {},
    [...running, job(3, 'PENDING')],
    { kind: 'set_chain_length', length: 2 },
    ['scancel 1233'],
    undefined,
  ],
];

describe('planAction', () => {
  it.each(cases)('%s', (_name, patch, jobs, action, commands, desired) => {
    const plan = planAction({ ...run, ...patch }, jobs, action);
    expect(plan.refusal).toBeNull();
    expect(plan.commands.map(shellCommand)).toEqual(commands);
    expect(plan.patch.desired).toBe(desired);
    expect(plan.effects.length).toBeGreaterThan(0);
  });

  it('names the running job in the touch step (a backend without the run folder execs into it)', () => {
    const jobs = [job(1, 'COMPLETED'), job(2, 'RUNNING', ['c4']), job(3, 'PENDING', [], 'Dependency')];
    expect(planAction(run, jobs, { kind: 'save_exit' }).steps[0]).toEqual({
      kind: 'touch',
      path: '/jobs/demo/STOP',
      jobId: '1232',
    });
  });

  it('remembers the merged exclude list', () => {
    expect(planAction({ ...run, excludeNodes: 'c[1-2]' }, running, { kind: 'exclude', nodes: 'c4' }).patch).toEqual({
      excludeNodes: 'c1,c2,c4',
    });
  });

  it.each([
    ['a job of another run', running, { kind: 'cancel_job', jobId: '999' }, {}],
    ['release of a run that is not held', running, { kind: 'release' }, {}],
    ['save and exit with nothing running', [job(1, 'PENDING')], { kind: 'save_exit' }, {}],
    ['hold of a held run', running, { kind: 'hold' }, { desired: 'held' }],
  ] as [string, ActionJob[], ActionRequest, Partial<ActionRun>][])('refuses %s', (_n, jobs, action, patch) => {
    const plan = planAction({ ...run, ...patch }, jobs, action);
    expect(plan.refusal).toMatch(/\w/);
    expect(plan.commands).toEqual([]);
  });
});
