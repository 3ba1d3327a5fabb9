import { describe, expect, it } from 'vitest';
import type { JobEnd } from '../api.js';
import {
  MAX_FRESHNESS_MS,
  MIN_FRESHNESS_MS,
  freshnessWindowMs,
  medianLoggedIterationMs,
  runHealth,
  type HealthInputs,
  type JobHealthView,
} from './runHealth.js';

const NOW = 1_000_000_000;
const job = (over: Partial<JobHealthView>): JobHealthView => ({
  jobId: '13',
  state: 'RUNNING',
  nodeList: 'c[1-2]',
  startedAt: NOW - 600_000,
  endedAt: null,
  end: null,
  reason: 'initial',
  ...over,
});
const cudaEnd: JobEnd = {
  kind: 'cuda_error',
  text: 'CUDA error',
  node: 'c3',
  iteration: 119,
  failed: true,
  source: 'log',
};
const inputs = (over: Partial<HealthInputs>): HealthInputs => ({
  nowMs: NOW,
  run: { state: 'running', desiredState: 'active', trainIters: 1000 },
  jobs: [job({})],
  latestIteration: { iteration: 118, timeMs: NOW - 1_000 },
  lastLineMs: NOW - 1_000,
  medianIterationMs: 200,
  lastCheckpointIteration: 100,
  connection: null,
  ...over,
});
const crashedJob = job({ state: 'FAILED', endedAt: NOW - 2_000, end: cudaEnd, nodeList: 'c[3-4]' });

describe('freshnessWindowMs', () => {
  it('is six typical iterations, clamped to 15 s … 30 min', () => {
    expect(freshnessWindowMs(5_000)).toBe(30_000);
    expect(freshnessWindowMs(200)).toBe(MIN_FRESHNESS_MS);
    expect(freshnessWindowMs(null)).toBe(MIN_FRESHNESS_MS);
    expect(freshnessWindowMs(3_600_000)).toBe(MAX_FRESHNESS_MS);
  });
});

describe('medianLoggedIterationMs', () => {
  const row = (iteration: number, timeMs: number | null, overhead = false) => ({ iteration, timeMs, overhead });
  it('is the printed iteration time × the log interval, skipping overhead rows', () => {
    // tr1-13B logged every 10th iteration at ~25 s each: a line every ~250 s, not every 25 s.
    const every10 = [row(43680, 25_600), row(43670, 25_400), row(43660, 90_000, true), row(43650, 25_500)];
    expect(medianLoggedIterationMs(every10)).toBe(255_000);
    expect(medianLoggedIterationMs([row(3, 200), row(2, 210), row(1, 190)])).toBe(205);
    expect(medianLoggedIterationMs([row(7, 300)])).toBe(300);
    expect(medianLoggedIterationMs([])).toBeNull();
  });
});

describe('runHealth', () => {
  it('healthy: a running job with fresh lines, saying what a crash now loses', () => {
    const h = runHealth(inputs({}));
    expect(h).toMatchObject({
      state: 'healthy',
      severity: 'ok',
      node: 'c[1-2]',
      lastIteration: 118,
      lostIterations: 18,
    });
    expect(h.headline).toBe('Healthy: training at iteration 118 of 1000');
    expect(h.lines).toEqual([
      'Job 13 is running on c[1-2].',
      'Last iteration 118 of 1000.',
      'A crash now loses 18 iterations (last checkpoint at iteration 100).',
    ]);
  });

  it('queued: only pending jobs', () => {
    const h = runHealth(
      inputs({ jobs: [job({ state: 'PENDING', startedAt: null })], latestIteration: null, lastLineMs: null }),
    );
    expect(h).toMatchObject({ state: 'queued', severity: 'info', headline: 'Queued: job 13 waits for nodes' });
    expect(h.didWhat).toBe('submitted job 13');
  });

  it('stalled: a running job silent longer than the freshness window (evaluation lines count as activity)', () => {
    const silent = inputs({ latestIteration: { iteration: 118, timeMs: NOW - 45_000 }, lastLineMs: NOW - 45_000 });
    const h = runHealth(silent);
    expect(h).toMatchObject({ state: 'stalled', severity: 'critical', freshnessMs: 15_000, sinceMs: NOW - 45_000 });
    expect(h.headline).toBe('Stalled: no new line for 45s (job 13 on c[1-2], iteration 118)');
    expect(h.lines[0]).toBe(
      "Job 13 is still RUNNING on c[1-2], but the log has been silent for 45s, longer than this run's freshness window of 15s.",
    );
    expect(h.next).toMatch(/cancel the job/);
    // An evaluation printed 5 s ago: not silence.
    expect(runHealth({ ...silent, lastLineMs: NOW - 5_000 }).state).toBe('healthy');
    // A slow run's own window: 45 s of silence is under 6 × 10 s.
    expect(runHealth({ ...silent, medianIterationMs: 10_000 }).state).toBe('healthy');
  });

  it("stalled counts from the job's own start: a fresh job loading its checkpoint is not silent yet", () => {
    const old = { iteration: 118, timeMs: NOW - 3_600_000 };
    const starting = inputs({ jobs: [job({ startedAt: NOW - 5_000 })], latestIteration: old, lastLineMs: old.timeMs });
    expect(runHealth(starting)).toMatchObject({
      state: 'healthy',
      headline: 'Healthy: job 13 started on c[1-2], before its first iteration',
    });
    expect(runHealth({ ...starting, nowMs: NOW + 20_000 }).state).toBe('stalled');
  });

  it('crashed: the newest job failed and nothing follows — what, where, last iteration, work lost, next', () => {
    const h = runHealth(
      inputs({ jobs: [crashedJob], run: { state: 'running', desiredState: null, trainIters: 1000 } }),
    );
    expect(h).toMatchObject({
      state: 'crashed',
      severity: 'critical',
      node: 'c3',
      lastIteration: 119,
      lostIterations: 19,
      didWhat: null,
      sinceMs: NOW - 2_000,
    });
    expect(h.headline).toBe('Crashed: CUDA error on c3 after iteration 119');
    expect(h.lines).toEqual([
      'Job 13 ended with CUDA error on c3 after iteration 119.',
      'Last iteration 118.',
      'Work lost since the last checkpoint (iteration 100): 19 iterations.',
      'No new job is queued.',
    ]);
    expect(h.next).toBe('Check c3 in the nodes tab, then resubmit the run (excluding the node if it is bad).');
  });

  it('crashed with a restart the recovery policy waits to make: says when instead of "no new job is queued"', () => {
    const notBeforeMs = Date.UTC(2026, 11, 7, 0, 31, 5);
    const planned = { notBeforeMs, n: 1, counted: true };
    const run = { state: 'running', desiredState: null, trainIters: 1000 };
    const h = runHealth(inputs({ jobs: [crashedJob], run, plannedRestart: planned }));
    expect(h.state).toBe('crashed');
    expect(h.didWhat).toBe('will resubmit it from the last checkpoint at 00:31:05 UTC (restart 1 in the window)');
    expect(h.lines.at(-1)).toBe(
      'Trainboard will resubmit it from the last checkpoint at 00:31:05 UTC (restart 1 in the window).',
    );
    expect(h.lines).not.toContain('No new job is queued.');
    expect(h.next).toMatch(/^Nothing to do unless/);
    const afterMaintenance = runHealth(
      inputs({ jobs: [crashedJob], run, plannedRestart: { ...planned, counted: false } }),
    );
    expect(afterMaintenance.didWhat).toMatch(/\(after a maintenance: not counted\)$/);
  });

  it('resubmitted: a failed job followed by one Trainboard submitted, until the new job trains past the crash', () => {
    const next = job({ jobId: '14', state: 'PENDING', startedAt: null, reason: 'resubmit' });
    const h = runHealth(inputs({ jobs: [crashedJob, next] }));
    expect(h).toMatchObject({ state: 'resubmitted', severity: 'warning', node: 'c3', lostIterations: 19 });
    expect(h.headline).toBe('Crashed: CUDA error on c3 after iteration 119 — resubmitted as job 14');
    expect(h.didWhat).toBe('submitted job 14 to resume from iteration 100 (queued)');
    expect(h.lines).toContain('Trainboard submitted job 14 to resume from iteration 100 (queued).');
    expect(h.next).toBe('Watch job 14 resume; if c3 fails again, exclude it and resubmit.');
    // Running, still loading, then redoing iterations 101..119: resubmitted; past 119 the run is healthy again.
    const started = { ...next, state: 'RUNNING', startedAt: NOW - 500 };
    expect(runHealth(inputs({ jobs: [crashedJob, started] })).state).toBe('resubmitted');
    const redoing = runHealth(
      inputs({ jobs: [crashedJob, started], latestIteration: { iteration: 110, timeMs: NOW - 100 } }),
    );
    expect(redoing.state).toBe('resubmitted');
    expect(redoing.lines).toContain('Job 14 is redoing the lost iterations: at 110 of 119.');
    const trained = inputs({ jobs: [crashedJob, started], latestIteration: { iteration: 120, timeMs: NOW - 100 } });
    expect(runHealth(trained).state).toBe('healthy');
  });

  it('crashed at once when the log shows it, while srun still holds the job RUNNING; healthy if it trains again', () => {
    const dying = job({ end: { ...cudaEnd, timeMs: NOW - 500 } });
    const h = runHealth(inputs({ jobs: [dying], latestIteration: { iteration: 118, timeMs: NOW - 1_000 } }));
    expect(h).toMatchObject({ state: 'crashed', node: 'c3', lastIteration: 119, sinceMs: NOW - 500 });
    expect(h.lines[0]).toBe(
      'Job 13 hit CUDA error on c3 after iteration 119; Slurm still reports it RUNNING until its other tasks end.',
    );
    const chained = [dying, job({ jobId: '14', state: 'PENDING', startedAt: null, reason: 'chain' })];
    expect(runHealth(inputs({ jobs: chained })).state).toBe('resubmitted');
    // torchelastic restarted the workers in place: an iteration after the failure means it trains again.
    const recovered = inputs({ jobs: [dying], latestIteration: { iteration: 101, timeMs: NOW - 100 } });
    expect(runHealth(recovered).state).toBe('healthy');
  });

  it('a clean end is no crash: the next job queued after a time-limit exit is just queued', () => {
    const exitEnd: JobEnd = { ...cudaEnd, kind: 'duration_limit', text: 'saved and exited', failed: false };
    const ended = job({ state: 'COMPLETED', endedAt: NOW - 2_000, end: exitEnd });
    const h = runHealth(inputs({ jobs: [ended, job({ jobId: '14', state: 'PENDING', reason: 'chain' })] }));
    expect(h.state).toBe('queued');
    expect(h.lines[0]).toBe('Job 13 ended: saved and exited.');
  });

  it('finished: training done by iteration count, by a train_done exit, or by the desired state', () => {
    const doneEnd: JobEnd = {
      kind: 'train_done',
      text: 'training finished',
      node: null,
      iteration: 1000,
      failed: false,
      source: 'log',
    };
    const done = job({ state: 'COMPLETED', endedAt: NOW - 1_000, end: doneEnd });
    const h = runHealth(inputs({ jobs: [done], latestIteration: { iteration: 1000, timeMs: NOW - 2_000 } }));
    expect(h).toMatchObject({ state: 'finished', severity: 'ok', headline: 'Finished at iteration 1000' });
    expect(runHealth(inputs({ jobs: [done], latestIteration: { iteration: 500, timeMs: 0 } })).state).toBe('finished');
    const desired = inputs({ jobs: [], run: { state: 'completed', desiredState: 'done', trainIters: null } });
    expect(runHealth(desired).state).toBe('finished');
  });

  it('stopped: the run was stopped (its job being cancelled), or held with nothing queued', () => {
    const stopped = runHealth(inputs({ run: { state: 'cancelled', desiredState: 'stopped', trainIters: 1000 } }));
    expect(stopped).toMatchObject({ state: 'stopped', headline: 'Stopped at iteration 118' });
    expect(stopped.lines[0]).toBe('The run was stopped; job 13 is being cancelled.');
    const held = inputs({
      run: { state: 'running', desiredState: 'held', trainIters: 1000 },
      jobs: [job({ state: 'CANCELLED', endedAt: NOW - 1 })],
    });
    expect(runHealth(held)).toMatchObject({ state: 'stopped', headline: 'Held at iteration 118' });
  });

  it('disconnected beats everything: the page cannot know', () => {
    const lost = { connected: false, sinceMs: NOW - 10_000 };
    const h = runHealth(inputs({ jobs: [crashedJob], connection: lost }));
    expect(h).toMatchObject({ state: 'disconnected', severity: 'warning', sinceMs: NOW - 10_000 });
    expect(h.next).toMatch(/reconnects by itself/);
    expect(runHealth(inputs({ connection: { connected: true, sinceMs: null } })).state).toBe('healthy');
  });

  it('stale: a log without jobs that stopped growing; healthy while it grows', () => {
    const followed = inputs({ jobs: [], run: { state: 'imported', desiredState: null, trainIters: 1000 } });
    expect(runHealth(followed).state).toBe('healthy');
    const old = {
      ...followed,
      lastLineMs: NOW - 3_600_000,
      latestIteration: { iteration: 118, timeMs: NOW - 3_600_000 },
    };
    const h = runHealth(old);
    expect(h).toMatchObject({ state: 'stale', severity: 'warning', headline: 'Stale: no new line for 1h 00m' });
  });

  it('unknown: no job and no line', () => {
    const empty = inputs({ jobs: [], latestIteration: null, lastLineMs: null, lastCheckpointIteration: null });
    expect(runHealth(empty)).toMatchObject({ state: 'unknown', severity: 'info', lastIteration: null });
  });

  it('without a logged save the work at risk is unknown, not zero', () => {
    const h = runHealth(inputs({ lastCheckpointIteration: null }));
    expect(h.lostIterations).toBeNull();
    expect(h.lines).toContain('No checkpoint save has been logged, so the work at risk is unknown.');
  });

  it('open incidents add their summary and can raise the severity', () => {
    const h = runHealth(
      inputs({ incidents: [{ kind: 'loss_spike', severity: 'warning', summary: 'Loss spike at 117.' }] }),
    );
    expect(h).toMatchObject({ state: 'healthy', severity: 'warning' });
    expect(h.lines.at(-1)).toBe('Loss spike at 117.');
  });
});
