import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Job } from '../api.js';
import type { LogEvent } from '../log/events.js';
import { parseText } from '../testing/parseAll.js';
import type { JobStartPoint } from './jobBinding.js';
import { describeJobEnd, explainJobEnd, explainJobEnds, layoutJobTimeline, type JobEndEvent } from './jobs.js';

// The real logs (see log/fixtures.test.ts): ../shared/fixtures from the repository's parent.
const FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/megatron-logs');

const job = (over: Partial<Job>): Job => ({
  jobId: '1',
  state: 'FAILED',
  nodeList: 'n[1-2]',
  exitCode: 1,
  submittedAt: 1_000,
  startedAt: 2_000,
  endedAt: 10_000,
  exitReason: null,
  end: null,
  ...over,
});
const failure = (over: Partial<JobEndEvent>): JobEndEvent => ({
  sourceId: 1,
  offset: 500,
  type: 'failure',
  kind: 'cuda_error',
  message: 'CUDA error: an illegal memory access',
  iteration: 120,
  timeMs: 9_000,
  shutdownNoise: false,
  nodes: [],
  ...over,
});
const exit = (over: Partial<JobEndEvent>): JobEndEvent =>
  failure({ type: 'exit', kind: 'duration_limit', message: 'exiting', iteration: 3000, ...over });
const explain = (j: Job, events: JobEndEvent[]) => describeJobEnd(explainJobEnd(j, events));

describe('explainJobEnd', () => {
  it('says nothing while a job is queued, nor while it runs unless its log already shows its crash', () => {
    expect(explainJobEnd(job({ state: 'PENDING', startedAt: null, endedAt: null }), [failure({})])).toBeNull();
    expect(explainJobEnd(job({ state: 'RUNNING', endedAt: null }), [])).toBeNull();
    expect(explainJobEnd(job({ state: 'RUNNING', endedAt: null }), [exit({})])).toBeNull();
    // srun --wait can hold a crashed job RUNNING for a minute: the crash is known now.
    expect(explainJobEnd(job({ state: 'RUNNING', endedAt: null }), [failure({})])).toMatchObject({
      text: 'CUDA error',
      failed: true,
      timeMs: 9_000,
    });
  });

  it("prefers the log's failure, with its iteration and nodes, over Slurm's exit code", () => {
    expect(explainJobEnd(job({}), [failure({ nodes: ['jean-zay-iam07'] })])).toEqual({
      kind: 'cuda_error',
      text: 'CUDA error',
      node: 'jean-zay-iam07',
      iteration: 120,
      failed: true,
      source: 'log',
      timeMs: 9_000,
    });
    expect(explain(job({}), [failure({ nodes: ['jean-zay-iam07'] })])).toBe(
      'CUDA error after iteration 120 on jean-zay-iam07',
    );
  });

  it("names the incident by its most specific report, not srun's task exit that followed", () => {
    const events = [
      failure({ kind: 'cuda_error', offset: 100 }),
      failure({ kind: 'python_exception', offset: 200 }),
      failure({ kind: 'task_exit', offset: 300, nodes: ['c1'] }),
    ];
    expect(explain(job({}), events)).toBe('CUDA error after iteration 120 on c1');
  });

  it('ignores shutdown noise after a clean exit and gives the exit instead', () => {
    const events = [exit({ offset: 100 }), failure({ offset: 200, shutdownNoise: true })];
    const end = explainJobEnd(job({ state: 'COMPLETED', exitCode: 0 }), events);
    expect(end).toMatchObject({ kind: 'duration_limit', failed: false, source: 'log' });
    expect(describeJobEnd(end)).toBe('saved and exited before the time limit at iteration 3000');
  });

  it("falls back to Slurm's state: a failure when work was lost, not when a person cancelled", () => {
    expect(explainJobEnd(job({ state: 'TIMEOUT', exitCode: 0 }), [])).toMatchObject({
      text: 'wall-clock limit (killed by Slurm)',
      failed: true,
      source: 'slurm',
    });
    expect(explainJobEnd(job({ state: 'NODE_FAIL' }), [])).toMatchObject({ text: 'node failure', failed: true });
    expect(explainJobEnd(job({ state: 'CANCELLED' }), [])).toMatchObject({ text: 'cancelled', failed: false });
    expect(explainJobEnd(job({ state: 'COMPLETED', exitCode: 0 }), [])).toMatchObject({ failed: false });
    expect(explain(job({ state: 'FAILED', exitCode: 1 }), [])).toBe('failed with exit code 1');
    expect(explain(job({ state: 'FAILED', exitCode: null }), [])).toBe('failed');
  });
});

describe('explainJobEnds: failures belong to the job whose log segment holds them', () => {
  // Job 1 crashed; the follower flushed its failure group only after a quiet period, by which time job 2 (resubmitted
  // at once) had started: by time, the failure falls in job 2's window. Job 2 then COMPLETED with exit 0.
  const jobs = [
    job({ jobId: '1', state: 'FAILED', exitCode: 1, startedAt: 1_000, endedAt: 5_000 }),
    job({ jobId: '2', state: 'COMPLETED', exitCode: 0, startedAt: 5_500, endedAt: 20_000 }),
  ];
  const crash = [
    failure({ offset: 400, kind: 'cuda_error', iteration: 119, timeMs: 6_000 }),
    failure({ offset: 450, kind: 'task_exit', iteration: 119, timeMs: 6_000, nodes: ['c3'] }),
  ];
  const reasons = (starts: JobStartPoint[], events: JobEndEvent[]) =>
    [...explainJobEnds(jobs, starts, events).values()].map(describeJobEnd);

  it("with the start markers: the completed second job does not take the first one's CUDA error", () => {
    const starts = [
      { sourceId: 1, offset: 0, jobId: '1' },
      { sourceId: 1, offset: 10, jobId: null }, // job 1's banner: part of its segment
      { sourceId: 1, offset: 1_000, jobId: '2' },
      { sourceId: 1, offset: 1_010, jobId: null },
    ];
    expect(reasons(starts, crash)).toEqual(['CUDA error after iteration 119 on c3', 'completed']);
    const doneExit = exit({ offset: 1_500, kind: 'train_done', iteration: 200, timeMs: 19_000 });
    expect(reasons(starts, [...crash, doneExit])).toEqual([
      'CUDA error after iteration 119 on c3',
      'training finished at iteration 200',
    ]);
  });

  it('without markers: the N-th banner is the N-th job by start time (the first reaching back to byte 0)', () => {
    const starts = [
      { sourceId: 1, offset: 50, jobId: null },
      { sourceId: 1, offset: 1_000, jobId: null },
    ];
    const early = failure({ offset: 20, kind: 'out_of_memory', iteration: null }); // before job 1's banner
    expect(reasons(starts, crash)).toEqual(['CUDA error after iteration 119 on c3', 'completed']);
    expect(reasons(starts.slice(0, 1), [early])).toEqual(['out of memory', 'completed']);
    // A second job that has not started owns nothing yet; a failure of job 2 is job 2's.
    const second = failure({ offset: 1_200, kind: 'nccl_timeout', iteration: 150 });
    expect(reasons(starts, [...crash, second])).toEqual([
      'CUDA error after iteration 119 on c3',
      'NCCL timeout after iteration 150',
    ]);
  });

  it('binds by marker id whatever the order, and leaves history before the first marker unbound', () => {
    const starts = [
      { sourceId: 1, offset: 100, jobId: null }, // an older run's banner, before Trainboard's jobs
      { sourceId: 1, offset: 300, jobId: '2' },
      { sourceId: 1, offset: 350, jobId: '1' },
    ];
    const history = failure({ offset: 200, kind: 'ecc_error' });
    const inOne = failure({ offset: 400, kind: 'segfault', iteration: 7 });
    // Job 1's marker comes last here; the old banner takes no job, since both jobs have markers.
    expect(reasons(starts, [history, inOne])).toEqual(['segmentation fault after iteration 7', 'completed']);
  });
});

/** What the server reads back from the stored events: job starts and the end events, with their positions. */
function pointsOf(events: readonly LogEvent[]): { starts: JobStartPoint[]; ends: JobEndEvent[] } {
  const starts: JobStartPoint[] = [];
  const ends: JobEndEvent[] = [];
  for (const e of events) {
    if (e.type === 'job_start') starts.push({ sourceId: 1, offset: e.offset, jobId: e.jobId });
    else if (e.type === 'run_start') starts.push({ sourceId: 1, offset: e.offset, jobId: null });
    else if (e.type === 'failure' || e.type === 'exit')
      ends.push({
        sourceId: 1,
        offset: e.offset,
        type: e.type,
        kind: e.type === 'failure' ? e.kind : e.reason,
        message: e.message,
        iteration: e.type === 'failure' ? e.lastIteration : e.iteration,
        timeMs: null,
        shutdownNoise: e.type === 'failure' && e.shutdownNoise,
        nodes: e.type === 'failure' ? e.nodes : [],
      });
  }
  return { starts, ends };
}

describe('end reasons from real logs with two jobs appending to one log', () => {
  const fixture = (name: string) => readFileSync(join(FIXTURES, 'bigscience-earlier', name), 'utf8');
  const ecc = fixture('tr1-13B-2021-ecc-uncorrectable-crash.log');
  const save20h = fixture('tr1-13B-2021-08-08-checkpoint-save-exit-20h-and-watchdog-alerts.log');
  const nextOnBadNode = fixture('tr1-13B-2021-08-12-restart-on-bad-node-cuda-oom.log');
  const marker = (id: string) => `TRAINBOARD JOB START id=${id} nodes=jean-zay-iam[01-08] time=1628400000\n`;
  const ends = (text: string, jobs: Job[]) => {
    const { starts, ends: events } = pointsOf(parseText(text).events);
    return [...explainJobEnds(jobs, starts, events).values()].map(describeJobEnd);
  };

  it('as the templates write it (markers): an ECC crash, then a job that saved and exited at its time limit', () => {
    const jobs = [
      job({ jobId: '682841', state: 'FAILED', exitCode: 1, startedAt: 1_000, endedAt: 2_000 }),
      job({ jobId: '682842', state: 'COMPLETED', exitCode: 0, startedAt: 3_000, endedAt: 9_000 }),
    ];
    const log = marker('682841') + ecc + marker('682842') + save20h;
    expect(ends(log, jobs)).toEqual([
      'GPU ECC error after iteration 43680',
      'saved and exited before the time limit at iteration 33240',
    ]);
    // Without the second marker both jobs' lines are one segment: the ECC error would be the only reason.
    expect(ends(marker('682841') + ecc + save20h, jobs)[1]).toBe('completed');
  });

  it('an older log without markers: the next array job on the same bad node does not inherit the ECC crash', () => {
    const jobs = [
      job({ jobId: '682841', state: 'FAILED', exitCode: 1, startedAt: 1_000, endedAt: 2_000 }),
      job({ jobId: '682842', state: 'FAILED', exitCode: 1, startedAt: 3_000, endedAt: 4_000 }),
    ];
    // Neither excerpt has a banner: the file is one segment, its first job's. Job 2's own OOM at the init barrier
    // (most specific after ECC) cannot be told apart, so job 2 says what Slurm says rather than job 1's ECC error.
    expect(ends(ecc + nextOnBadNode, jobs)).toEqual(['GPU ECC error after iteration 43680', 'failed with exit code 1']);
    // With the markers each job keeps its own failure.
    expect(ends(marker('682841') + ecc + marker('682842') + nextOnBadNode, jobs)).toEqual([
      'GPU ECC error after iteration 43680',
      'out of memory',
    ]);
  });
});

describe('layoutJobTimeline', () => {
  it('places queued and running spans of every job on one axis ending now while a job runs', () => {
    const t = layoutJobTimeline(
      [
        job({ submittedAt: 0, startedAt: 100, endedAt: 500 }),
        job({ jobId: '2', state: 'RUNNING', submittedAt: 500, startedAt: 600, endedAt: null }),
      ],
      1_000,
    );
    expect(t).toEqual({
      startMs: 0,
      endMs: 1_000,
      bars: [
        { jobId: '1', state: 'FAILED', queued: [0, 0.1], running: [0.1, 0.5] },
        { jobId: '2', state: 'RUNNING', queued: [0.5, 0.6], running: [0.6, 1] },
      ],
    });
  });

  it('draws a pending job as queued until now, and returns null with no times at all', () => {
    const t = layoutJobTimeline([job({ state: 'PENDING', submittedAt: 0, startedAt: null, endedAt: null })], 400);
    expect(t?.bars[0]).toEqual({ jobId: '1', state: 'PENDING', queued: [0, 1], running: null });
    expect(layoutJobTimeline([job({ submittedAt: null, startedAt: null, endedAt: null })], 400)).toBeNull();
    expect(layoutJobTimeline([], 400)).toBeNull();
  });
});
