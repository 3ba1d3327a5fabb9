import { describe, expect, it } from 'vitest';
import { computeEttr, createEttrAccumulator, ettrWindow, type EttrIteration } from './ettr.js';

/** Iterations `from..to` of one segment, one every `stepMs`, the first logged at `t0`. */
function segment(seg: number, from: number, to: number, t0: number, stepMs: number): EttrIteration[] {
  return Array.from({ length: to - from + 1 }, (_, k) => ({
    iteration: from + k,
    segment: seg,
    timeMs: t0 + k * stepMs,
    elapsedMs: stepMs,
  }));
}

describe('computeEttr', () => {
  it('a clean run: the time spent iterating over the whole window', () => {
    // Submitted at 0, start-up until 10 s, 100 iterations of 1 s (logged at 11 s … 110 s), measured until 120 s.
    const r = computeEttr(segment(1, 1, 100, 11_000, 1_000), { startMs: 0, endMs: 120_000 });
    expect(r.productiveMs).toBe(100_000);
    expect(r.totalMs).toBe(120_000);
    expect(r.ettr).toBeCloseTo(100 / 120, 10);
    expect(r.keptIterations).toBe(100);
    expect(r.lostIterations).toBe(0);
  });

  it('a crash at 150 with a checkpoint at 100: iterations 101–150 of the first segment are lost work', () => {
    const first = segment(1, 1, 150, 1_000, 1_000); // 1 … 150 s
    const second = segment(2, 101, 200, 200_000, 1_000); // resumed at 101: 200 … 299 s
    const r = computeEttr([...first, ...second], { startMs: 0, endMs: 300_000 });
    expect(r.keptIterations).toBe(200);
    expect(r.lostIterations).toBe(50);
    // Kept: 1–100 of the first segment (100 s) and 101–200 of the second (100 s).
    expect(r.productiveMs).toBe(200_000);
    expect(r.lostMs).toBe(50_000);
    expect(r.ettr).toBeCloseTo(200 / 300, 10);
  });

  it('idle time while nothing runs counts in the denominator only', () => {
    const busy = segment(1, 1, 60, 1_000, 1_000);
    const short = computeEttr(busy, { startMs: 0, endMs: 60_000 });
    const idle = computeEttr(busy, { startMs: 0, endMs: 600_000 }); // nothing ran for the last 9 minutes
    expect(short.productiveMs).toBe(idle.productiveMs);
    expect(short.ettr).toBeCloseTo(1, 10);
    expect(idle.ettr).toBeCloseTo(0.1, 10);
  });

  it('the gap before a segment’s first iteration (start-up, queueing) is not productive', () => {
    const rows = [...segment(1, 1, 10, 1_000, 1_000), ...segment(2, 11, 20, 100_000, 1_000)];
    const r = computeEttr(rows, { startMs: 0, endMs: 110_000 });
    expect(r.productiveMs).toBe(20_000);
  });

  it('an eval round between two iterations belongs to the iteration after it', () => {
    const rows = segment(1, 1, 10, 1_000, 1_000);
    rows[5] = { ...rows[5]!, timeMs: rows[5]!.timeMs! + 30_000 };
    for (let i = 6; i < 10; i++) rows[i] = { ...rows[i]!, timeMs: rows[i]!.timeMs! + 30_000 };
    expect(computeEttr(rows, { startMs: 0, endMs: 100_000 }).productiveMs).toBe(40_000);
  });

  it('clips durations to the window and skips rows without a time', () => {
    const rows: EttrIteration[] = [...segment(1, 1, 10, 1_000, 1_000), { iteration: 11, segment: 1, timeMs: null }];
    const r = computeEttr(rows, { startMs: 5_500, endMs: 8_000 });
    expect(r.productiveMs).toBe(2_500);
    expect(r.keptIterations).toBe(10);
    expect(computeEttr(rows, { startMs: 5, endMs: 5 }).ettr).toBe(0);
  });

  it('takes rows in logged order even when given out of order; the last segment wins', () => {
    const rows = [...segment(2, 5, 8, 50_000, 1_000), ...segment(1, 1, 8, 1_000, 1_000)];
    const r = computeEttr(rows, { startMs: 0, endMs: 60_000 });
    expect(r.keptIterations).toBe(8);
    expect(r.lostIterations).toBe(4);
    expect(r.productiveMs).toBe(8_000); // 1–4 of segment 1 (4 s) + 5–8 of segment 2 (4 s)
  });
});

describe('createEttrAccumulator', () => {
  it('gives computeEttr’s sums when fed the rows in logged order with their kept flags', () => {
    const rows = [...segment(1, 1, 150, 1_000, 1_000), ...segment(2, 101, 200, 200_000, 1_000)];
    const window = { startMs: 0, endMs: 300_000 };
    const acc = createEttrAccumulator(window);
    for (const r of rows) acc.add({ ...r, kept: !(r.segment === 1 && r.iteration > 100) });
    expect(acc.result()).toEqual(computeEttr(rows, window));
  });
});

describe('ettrWindow', () => {
  const base = { submittedAtMs: null, active: false, jobs: [], first: null, lastTimeMs: null, nowMs: 1_000_000 };
  it('a controlled run: from its submit to now while active', () => {
    expect(ettrWindow({ ...base, submittedAtMs: 100, active: true, lastTimeMs: 500 })).toEqual({
      startMs: 100,
      endMs: 1_000_000,
    });
  });
  it('a finished run: to its last record, a job end included; a live job keeps it open', () => {
    const jobs = [{ state: 'FAILED', submittedAt: 50, startedAt: 60, endedAt: 900 }];
    expect(ettrWindow({ ...base, jobs, lastTimeMs: 800 })).toEqual({ startMs: 50, endMs: 900 });
    const live = [...jobs, { state: 'PENDING', submittedAt: 950, startedAt: null, endedAt: null }];
    expect(ettrWindow({ ...base, jobs: live, lastTimeMs: 800 })?.endMs).toBe(1_000_000);
  });
  it('an imported log: from its first iteration’s start to its last; nothing yet: null', () => {
    expect(ettrWindow({ ...base, first: { timeMs: 10_000, elapsedMs: 2_000 }, lastTimeMs: 50_000 })).toEqual({
      startMs: 8_000,
      endMs: 50_000,
    });
    expect(ettrWindow(base)).toBeNull();
  });
});
