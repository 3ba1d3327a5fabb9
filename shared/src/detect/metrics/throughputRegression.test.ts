import { describe, expect, it } from 'vitest';
import type { IterationEvent, LogEvent } from '../../log/events.js';
import { checkpointSaved, iteration, replay, runStart } from '../../testing/metricEvents.js';
import type { NodeGpuFacts } from '../clusterFacts.js';
import { RunTracker } from '../runState.js';
import { seededRandom } from '../../testing/parseAll.js';
import { throughputOf } from './throughputMetric.js';
import { ThroughputRegressionDetector } from './throughputRegression.js';

const detect = (events: LogEvent[]) => replay((ctx) => new ThroughputRegressionDetector(ctx), events);

/** tr11-like lines: ~105 s per iteration and ~149 TFLOPs with ±0.8% noise, scaled by `slow` (1 = normal). */
function lines(from: number, count: number, slow = 1, random = seededRandom(11)): IterationEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const noise = 1 + (random() - 0.5) * 0.016;
    return iteration(from + i, { iterationTimeMs: 105_000 * slow * noise, tflops: 149 / slow / noise });
  });
}

describe('throughputOf: one figure per line, per GPU where it can be', () => {
  it('prefers TFLOPs, then samples/s per GPU, then the global batch over the time, then the iteration rate', () => {
    const e = (f: Partial<IterationEvent>) => iteration(1, { iterationTimeMs: 100_000, ...f });
    expect(throughputOf(e({ tflops: 149 }), 384)).toMatchObject({ metric: 'tflops_per_gpu', value: 149 });
    expect(throughputOf(e({ samplesPerSecond: 19.2 }), 384)).toMatchObject({
      metric: 'samples_per_second_per_gpu',
      value: 19.2 / 384,
    });
    expect(throughputOf(e({ globalBatchSize: 2048 }), null)).toMatchObject({
      metric: 'samples_per_second',
      value: 20.48,
    });
    expect(throughputOf(e({}), null)).toEqual({ metric: 'iterations_per_hour', value: 36, secondsPerIteration: 100 });
    expect(throughputOf(iteration(1, {}), null)).toBeNull();
  });
});

describe('throughput regression (F7, F16)', () => {
  it('opens on a sustained 5% drop, names no node offline and says so, and resolves on recovery', () => {
    const start = runStart(384);
    const before = lines(1, 30);
    const slow = lines(31, 10, 1.055, seededRandom(2));
    const after = lines(41, 5, 1, seededRandom(3));
    const [incident, ...rest] = detect([start, ...before, ...slow, ...after]);
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({
      key: `throughput_regression:${slow[0]!.offset}`,
      kind: 'throughput_regression',
      severity: 'warning',
      iteration: 31,
      offset: slow[0]!.offset,
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: [] },
      details: { metric: 'tflops_per_gpu', worldSize: 384, resolution: 'recovered' },
    });
    expect(incident!.suggestedAction!.text).toMatch(/no suspect is named/i);
    expect(incident!.evidence.map((e) => e.offset)).toEqual([slow[0]!.offset, slow[1]!.offset]);
    expect(incident!.details!.baseline).toBeCloseTo(149, 0);
    expect(incident!.details!.dropPercent).toBeGreaterThan(4);
    expect(incident!.details!.dropPercent).toBeLessThan(7);
    expect(incident!.details!.baselineSecondsPerIteration).toBeCloseTo(105, 0);
    expect(incident!.resolvedAtMs).not.toBeNull();
  });

  it('raises nothing on one slow line, nor on the lines after an eval or a save (overhead)', () => {
    const start = runStart(384);
    const events: IterationEvent[] = lines(1, 20);
    events.push(iteration(21, { iterationTimeMs: 840_000, tflops: 18.6, overhead: true }));
    events.push(...lines(22, 10, 1, seededRandom(4)));
    events.push(iteration(32, { iterationTimeMs: 147_000, tflops: 106, overhead: true }));
    events.push(...lines(33, 3, 1.06, seededRandom(5)).slice(0, 1), ...lines(34, 10, 1, seededRandom(6)));
    expect(detect([start, ...events])).toEqual([]);
  });

  it('skips the first line of a segment even when the parser did not flag it (an excerpt after a start)', () => {
    const first = iteration(1, { iterationTimeMs: 261_000, tflops: 120 });
    expect(detect([first, ...lines(2, 10)])).toEqual([]);
    // …and a slow first line does not drag the baseline: a later real drop is still found.
    expect(
      detect([iteration(1, { iterationTimeMs: 261_000, tflops: 120 }), ...lines(2, 10), ...lines(12, 3, 1.06)]),
    ).toHaveLength(1);
  });

  it('starts a new baseline on a reshape (48 → 24 nodes): slower iterations are not a regression', () => {
    const start48 = runStart(384);
    const big = lines(1, 20).map((e) => ({ ...e, samplesPerSecond: 19.47, tflops: null }));
    const start24 = runStart(192);
    const reshaped = lines(21, 20, 2.05, seededRandom(8)).map((e) => ({ ...e, samplesPerSecond: 9.49, tflops: null }));
    expect(detect([start48, ...big, start24, ...reshaped])).toEqual([]);
    // Without the new banner the same halving of samples/s is a regression.
    const sameSegment = [...lines(1, 20), ...lines(21, 5, 2.05)].map((e) =>
      e.type === 'iteration' ? { ...e, tflops: null, samplesPerSecond: 19.47 * (e.iteration > 20 ? 0.49 : 1) } : e,
    );
    expect(detect(sameSegment)).toHaveLength(1);
  });

  it('resolves an open regression when a new segment starts, and restarts the baseline after iterations go back', () => {
    const first = [runStart(384), ...lines(1, 10), ...lines(11, 4, 1.06)];
    const [incident] = detect([...first, runStart(384), ...lines(9, 10)]);
    expect(incident).toMatchObject({ details: { resolution: 'a new baseline (restart or topology change)' } });
    expect(incident!.resolvedAtMs).not.toBeNull();
    const resumed = [...lines(1, 10, 1.06), checkpointSaved(10), ...lines(5, 10, 1)];
    expect(detect(resumed)).toEqual([]);
  });

  it('stays quiet on a noisy run (±2.5%, tr8-like) and still finds a 10% drop there', () => {
    const random = seededRandom(99);
    const noisy = Array.from({ length: 200 }, (_, i) =>
      iteration(i + 1, { iterationTimeMs: 60_000 * (1 + (random() - 0.5) * 0.05), globalBatchSize: 176 }),
    );
    expect(detect(noisy)).toEqual([]);
    const dropped = Array.from({ length: 3 }, (_, i) =>
      iteration(201 + i, { iterationTimeMs: 67_000, globalBatchSize: 176 }),
    );
    expect(detect([...noisy, ...dropped])).toMatchObject([
      { iteration: 201, details: { metric: 'samples_per_second' } },
    ]);
  });
});

describe('throughput regression: the suspect node from nvidia-smi (F7 live)', () => {
  const gpu = (index: number, smClockMhz = 1410, temperatureC = 61) => ({
    index,
    smClockMhz,
    maxSmClockMhz: 1410,
    temperatureC,
    utilizationPct: 98,
  });
  const facts = (nodeName: string, slow: boolean, jobId = '77', timeMs = 1): NodeGpuFacts => ({
    timeMs,
    jobId,
    node: nodeName,
    gpus: [gpu(0, slow ? 600 : 1410, slow ? 89 : 61), gpu(1), gpu(2), gpu(3)],
  });
  function live() {
    const run = new RunTracker();
    const d = new ThroughputRegressionDetector({ run });
    let t = 0;
    const feed = (events: LogEvent[]) => {
      for (const event of events) {
        if (event.type === 'iteration') t += event.iterationTimeMs ?? 1000;
        run.update(event);
        d.observe({ event, timeMs: t });
      }
    };
    return { d, feed };
  }

  it('names c1 when its GPU report arrives while the regression is open', () => {
    const { d, feed } = live();
    feed([runStart(16), ...lines(1, 20), ...lines(21, 4, 1.5, seededRandom(4))]);
    expect(d.incidents()[0]!.details!.suspectNodes).toMatch(/^unknown/);
    d.observeGpus(facts('c1', true));
    d.observeGpus(facts('c2', false));
    const [incident] = d.incidents();
    expect(incident!.details!.suspectNodes).toBe('c1');
    expect(incident!.suggestedAction).toMatchObject({ kind: 'exclude_and_resubmit', nodes: ['c1'] });
    expect(incident!.suggestedAction!.text).toContain('Exclude c1');
    expect(incident!.evidence.map((e) => e.text)).toContain('GPU 0 on c1: SM clock 600 of 1410 MHz, 89 °C');
    expect(incident!.evidence.find((e) => e.nodes)).toMatchObject({ jobId: '77', nodes: ['c1'], offset: null });
    // A later, healthy-looking report keeps what was found; the evidence is not duplicated.
    d.observeGpus(facts('c1', true, '77', 2));
    expect(d.incidents()[0]!.evidence.filter((e) => e.nodes)).toHaveLength(1);
  });

  it('names the suspect at opening from reports that came before, and only nodes of the newest job', () => {
    const { d, feed } = live();
    d.observeGpus(facts('c3', true, '76'));
    d.observeGpus(facts('c1', true, '77'));
    d.observeGpus(facts('c2', false, '77'));
    feed([runStart(16), ...lines(1, 20)]);
    expect(d.incidents()).toEqual([]);
    feed(lines(21, 4, 1.5, seededRandom(4)));
    expect(d.incidents()[0]!.details!.suspectNodes).toBe('c1');
  });

  it('names nobody when no GPU stands out, and never opens anything from GPU reports alone', () => {
    const { d } = live();
    d.observeGpus(facts('c1', true));
    d.observeGpus(facts('c2', false));
    expect(d.incidents()).toEqual([]);
    const quiet = live();
    quiet.feed([runStart(16), ...lines(1, 20), ...lines(21, 4, 1.5, seededRandom(4))]);
    quiet.d.observeGpus(facts('c1', false));
    quiet.d.observeGpus(facts('c2', false));
    expect(quiet.d.incidents()[0]!.suggestedAction).toMatchObject({ nodes: [] });
    expect(quiet.d.incidents()[0]!.details!.suspectNodes).toMatch(/^unknown/);
  });
});
