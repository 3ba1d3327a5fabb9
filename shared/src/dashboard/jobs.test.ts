import { describe, expect, it } from 'vitest';
import type { Job } from '../api.js';
import { END_EVENT_GRACE_MS, explainJobEnd, layoutJobTimeline, type JobEndEvent } from './jobs.js';

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
  type: 'failure',
  kind: 'cuda_error',
  message: 'CUDA error: an illegal memory access',
  iteration: 120,
  timeMs: 9_000,
  shutdownNoise: false,
  nodes: [],
  ...over,
});

describe('explainJobEnd', () => {
  it('says nothing while a job is queued or running', () => {
    expect(explainJobEnd(job({ state: 'RUNNING', endedAt: null }), [failure({})])).toBeNull();
    expect(explainJobEnd(job({ state: 'PENDING', startedAt: null, endedAt: null }), [])).toBeNull();
  });

  it("prefers the log's failure, with its iteration and nodes, over Slurm's exit code", () => {
    expect(explainJobEnd(job({}), [failure({ nodes: ['jean-zay-iam07'] })])).toBe(
      'CUDA error after iteration 120 on jean-zay-iam07',
    );
  });

  it("names the incident by its most specific report, not srun's task exit that followed", () => {
    const events = [
      failure({ kind: 'task_exit', timeMs: 9_100, nodes: ['c1'] }),
      failure({ kind: 'cuda_error', timeMs: 9_000 }),
      failure({ kind: 'python_exception', timeMs: 9_050 }),
    ];
    expect(explainJobEnd(job({}), events)).toBe('CUDA error after iteration 120 on c1');
  });

  it('ignores shutdown noise after a clean exit and gives the exit instead', () => {
    const events = [
      { ...failure({}), type: 'exit' as const, kind: 'duration_limit', iteration: 3000, timeMs: 8_000 },
      failure({ timeMs: 8_500, shutdownNoise: true }),
    ];
    expect(explainJobEnd(job({ state: 'COMPLETED', exitCode: 0 }), events)).toBe(
      'saved and exited before the time limit at iteration 3000',
    );
  });

  it("only counts events inside the job's run window (plus a grace for late lines)", () => {
    const earlier = failure({ timeMs: 1_500, kind: 'ecc_error' });
    const late = failure({ timeMs: 10_000 + END_EVENT_GRACE_MS, kind: 'nccl_timeout' });
    const tooLate = failure({ timeMs: 10_001 + END_EVENT_GRACE_MS, kind: 'segfault' });
    expect(explainJobEnd(job({}), [earlier, tooLate])).toBe('failed with exit code 1');
    expect(explainJobEnd(job({}), [earlier, late, tooLate])).toBe('NCCL timeout after iteration 120');
  });

  it("falls back to Slurm's state", () => {
    expect(explainJobEnd(job({ state: 'TIMEOUT', exitCode: 0 }), [])).toBe('wall-clock limit (killed by Slurm)');
    expect(explainJobEnd(job({ state: 'NODE_FAIL' }), [])).toBe('node failure');
    expect(explainJobEnd(job({ state: 'CANCELLED', startedAt: null, submittedAt: null }), [failure({})])).toBe(
      'cancelled',
    );
    expect(explainJobEnd(job({ state: 'FAILED', exitCode: null }), [])).toBe('failed');
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
