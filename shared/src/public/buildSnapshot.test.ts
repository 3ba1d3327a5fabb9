import { describe, expect, it } from 'vitest';
import type { HealthState } from '../dashboard/runHealth.js';
import { buildPublicSnapshot, publicCurve, publicState, trainedTime, type SnapshotInputs } from './buildSnapshot.js';
import { MAX_PUBLIC_POINTS, PublicSnapshotSchema } from './snapshot.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 10);

function inputs(over: Partial<SnapshotInputs> = {}): SnapshotInputs {
  const n = 5000;
  const xs = Float64Array.from({ length: n }, (_, i) => i + 1);
  const ys = Float64Array.from(xs, (x) => 11 - Math.log(x));
  return {
    nowMs: T0 + 10 * H,
    publication: { slug: 'bloom-demo', title: 'BLOOM demo', description: '', showNodes: false },
    latest: { iteration: 5000, trainIters: 10000, timeMs: T0 + 9 * H, consumedTokens: 5000 * 1_000_000, tflops: 150 },
    recentIterationMs: 2000,
    tokensPerIteration: 1_000_000,
    targetTokens: 10000 * 1_000_000,
    lastCheckpointIteration: 4000,
    health: 'healthy',
    desiredState: 'active',
    jobs: [
      { state: 'FAILED', nodeList: 'n1', startedAt: T0, endedAt: T0 + 4 * H, end: null },
      { state: 'RUNNING', nodeList: 'n2', startedAt: T0 + 5 * H, endedAt: null, end: null },
    ],
    checkpoints: [{ iteration: 4000, timeMs: T0 + 8 * H }],
    train: { xs, ys },
    validation: [
      { iteration: 1000, loss: 4 },
      { iteration: 2000, loss: 3 },
      { iteration: 3000, loss: 3.2 },
      { iteration: 4000, loss: null },
    ],
    ...over,
  };
}

describe('buildPublicSnapshot', () => {
  it('builds a valid snapshot: progress, ETA, throughput, validation, time trained and uptime', () => {
    const s = buildPublicSnapshot(inputs());
    expect(PublicSnapshotSchema.parse(s)).toEqual(s);
    expect(s.state).toBe('training');
    expect(s.description).toBeNull();
    expect(s.progress).toEqual({
      iteration: 5000,
      iterationTarget: 10000,
      tokensSeen: 5e9,
      tokenTarget: 1e10,
      fraction: 0.5,
      etaAt: new Date(T0 + 9 * H + 5000 * 2000).toISOString(),
    });
    expect(s.throughput).toEqual({ tokensPerSecond: 500_000, tflopsPerGpu: 150 });
    expect(s.validation.current).toEqual({ iteration: 3000, loss: 3.2, perplexity: Math.exp(3.2) });
    expect(s.validation.best?.iteration).toBe(2000);
    expect(s.loss.validation).toEqual([
      [1000, 4],
      [2000, 3],
      [3000, 3.2],
    ]);
    // 4 h + 5 h of jobs over 10 h since the first start.
    expect(s.time).toEqual({ startedAt: new Date(T0).toISOString(), trainedSeconds: 9 * 3600, uptime: 0.9 });
    expect(s.updatedAt).toBe(new Date(T0 + 9 * H).toISOString());
    expect(s.timeline.map((e) => e.kind)).toEqual(['started', 'software_failure', 'restarted', 'checkpoint']);
  });

  it('downsamples the train curve to the public cap and keeps the newest point', () => {
    const s = buildPublicSnapshot(inputs());
    expect(s.loss.train.length).toBeLessThanOrEqual(MAX_PUBLIC_POINTS);
    expect(s.loss.train.length).toBeGreaterThan(MAX_PUBLIC_POINTS / 2);
    expect(s.loss.train.at(-1)).toEqual([5000, 11 - Math.log(5000)]);
    expect(s.loss.train[0]).toEqual([1, 11]);
  });

  it('leaves non-finite values out of the curve (JSON has no NaN)', () => {
    expect(publicCurve({ xs: [1, 2, 3], ys: [1, NaN, Infinity] })).toEqual([[1, 1]]);
    const big = publicCurve({
      xs: Array.from({ length: 10_000 }, (_, i) => i),
      ys: Array.from({ length: 10_000 }, (_, i) => (i % 7 === 0 ? NaN : i % 13)),
    });
    expect(big.length).toBeLessThanOrEqual(MAX_PUBLIC_POINTS);
    expect(big.at(-1)?.[0]).toBe(9999);
  });

  it('has no ETA unless training, and nothing but nulls before the first iteration', () => {
    expect(buildPublicSnapshot(inputs({ health: 'stalled' })).progress.etaAt).toBeNull();
    const empty = buildPublicSnapshot(
      inputs({ latest: null, jobs: [], checkpoints: [], train: { xs: [], ys: [] }, validation: [], health: 'unknown' }),
    );
    expect(empty.progress.fraction).toBeNull();
    expect(empty.time).toEqual({ startedAt: null, trainedSeconds: 0, uptime: null });
    expect(empty.updatedAt).toBeNull();
    expect(empty.state).toBe('unknown');
  });

  it('refuses what the allow-list refuses (a bad slug)', () => {
    const bad = inputs({ publication: { slug: 'Bad Slug', title: 't', description: null, showNodes: false } });
    expect(() => buildPublicSnapshot(bad)).toThrow();
  });
});

describe('publicState', () => {
  it('maps the health states to public words', () => {
    const cases: [HealthState, string | null, string][] = [
      ['healthy', 'active', 'training'],
      ['stalled', 'active', 'stalled'],
      ['resubmitted', 'active', 'restarting'],
      ['crashed', 'active', 'restarting'],
      ['crashed', null, 'stopped'],
      ['finished', 'done', 'finished'],
      ['queued', 'active', 'queued'],
      ['stopped', 'stopped', 'stopped'],
      ['stale', null, 'unknown'],
      ['disconnected', null, 'unknown'],
    ];
    for (const [h, d, want] of cases) expect(publicState(h, d)).toBe(want);
  });
});

describe('trainedTime', () => {
  it('counts overlapping jobs once and a running job up to now', () => {
    const jobs = [
      { state: 'COMPLETED', nodeList: null, startedAt: 0, endedAt: 100, end: null },
      { state: 'COMPLETED', nodeList: null, startedAt: 50, endedAt: 150, end: null },
      { state: 'RUNNING', nodeList: null, startedAt: 200, endedAt: null, end: null },
      { state: 'PENDING', nodeList: null, startedAt: null, endedAt: null, end: null },
    ];
    expect(trainedTime(jobs, 300)).toEqual({ trainedMs: 250, firstStartMs: 0 });
  });
});
