import { describe, expect, it } from 'vitest';
import type { Job, RunNodes } from '../api.js';
import { excludeHostlist, nodeChoices } from './nodeChoices.js';
import { jobRowActions } from './dialogRequest.js';

const job = (jobId: string, state: string, nodeList: string | null, submittedAt: number): Job => ({
  jobId,
  state,
  nodeList,
  exitCode: null,
  submittedAt,
  startedAt: null,
  endedAt: null,
  exitReason: null,
});
const suspect = (name: string, kind: string) =>
  ({
    name,
    inJob: false,
    slurm: null,
    gpus: [],
    suspect: { kind, text: kind === 'ecc_error' ? 'GPU ECC error' : kind, timeMs: 1, message: 'm', count: 2 },
  }) as const;

describe('nodes an operator can exclude', () => {
  it('lists the jobs’ nodes and the suspects, suspects first, saying why', () => {
    const jobs = [job('40', 'FAILED', 'c[1-2]', 1), job('41', 'FAILED', 'c2,c10', 2)];
    const nodes = { nodes: [suspect('c10', 'ecc_error')] } as unknown as RunNodes;
    const choices = nodeChoices(jobs, nodes, 'c1');
    expect(choices.map((c) => c.name)).toEqual(['c10', 'c1', 'c2']);
    expect(choices[0]).toMatchObject({ suspect: true, why: 'ran job 41; named by GPU ECC error (2×)' });
    expect(choices[1]).toMatchObject({ excluded: true, why: 'ran job 40' });
    expect(choices[2]?.why).toBe('ran job 40; ran job 41');
  });

  it('makes one sorted hostlist and refuses names Slurm would not accept', () => {
    expect(excludeHostlist(['c10', 'c2', 'c2'])).toEqual({ ok: true, nodes: 'c2,c10' });
    expect(excludeHostlist([])).toMatchObject({ ok: false });
    expect(excludeHostlist(['c1;touch /tmp/x'])).toMatchObject({ ok: false });
    expect(excludeHostlist(['--exclude=c1'])).toMatchObject({ ok: false });
  });
});

describe('a job row’s actions', () => {
  it('cancels an active job; resubmits only the latest failed job when nothing is queued', () => {
    const failed = job('40', 'FAILED', 'c[3-4]', 1);
    const running = job('41', 'RUNNING', 'c1', 2);
    expect(jobRowActions(running, [failed, running]).map((a) => a.request)).toEqual([
      { kind: 'cancel_job', jobId: '41' },
    ]);
    expect(jobRowActions(failed, [failed, running])).toEqual([]);
    expect(jobRowActions(failed, [failed]).map((a) => a.request)).toEqual([
      { kind: 'resubmit' },
      { kind: 'exclude', preselected: ['c3', 'c4'] },
    ]);
    expect(jobRowActions(job('42', 'COMPLETED', 'c1', 3), [failed, job('42', 'COMPLETED', 'c1', 3)])).toEqual([]);
    expect(jobRowActions(running, [running])[0]?.ariaLabel).toBe('Cancel job 41');
  });
});
