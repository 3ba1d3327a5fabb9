import { describe, expect, it } from 'vitest';
import type { IterationEvent, LogEvent, ValidationEvent } from '../../log/events.js';
import { checkpointSaved, iteration, replay } from '../../testing/metricEvents.js';
import { seededRandom } from '../../testing/parseAll.js';
import { DivergenceDetector } from './divergence.js';

const detect = (events: LogEvent[]) => replay((ctx) => new DivergenceDetector(ctx), events);

function steady(from: number, count: number, level = 2.11, step = 1, random = seededRandom(5)): IterationEvent[] {
  return Array.from({ length: count }, (_, i) =>
    iteration(from + i * step, {
      lmLoss: level * (1 + (random() - 0.5) * 0.01),
      gradNorm: 0.15,
      skippedIterations: 0,
      nanIterations: 0,
    }),
  );
}

describe('divergence (F6)', () => {
  it('opens on a missing lm loss (a NaN in Megatron) and proposes a stop and a rollback to the last save', () => {
    const events = [...steady(890, 11), checkpointSaved(900), ...steady(901, 5)];
    const bad = iteration(906, { lmLoss: null, gradNorm: 0.2, skippedIterations: 0, nanIterations: 0 });
    const [incident, ...rest] = detect([...events, bad]);
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({
      key: `divergence:${bad.offset}`,
      kind: 'divergence',
      severity: 'critical',
      iteration: 906,
      offset: bad.offset,
      workLostIterations: 6,
      resolvedAtMs: null,
      suggestedAction: { kind: 'stop' },
      details: { signal: 'loss_missing', lastGoodCheckpoint: 900 },
    });
    expect(incident!.suggestedAction!.text).toContain('global_step900');
  });

  it('never reads a doc-wrapped fragment without a loss as a NaN', () => {
    expect(detect([...steady(1, 5), iteration(6, { lmLoss: null, truncated: true })])).toEqual([]);
  });

  it.each([
    ['loss_non_finite', { lmLoss: Number.NaN }],
    ['loss_non_finite', { lmLoss: Number.POSITIVE_INFINITY }],
    ['grad_norm_non_finite', { lmLoss: 2.1, gradNorm: Number.NaN }],
    ['nan_iterations', { lmLoss: 2.1, nanIterations: 3 }],
  ] as const)('opens on %s', (signal, fields) => {
    const [incident] = detect([...steady(1, 5), iteration(6, fields)]);
    expect(incident).toMatchObject({ iteration: 6, details: { signal, lastGoodCheckpoint: null } });
    expect(incident!.suggestedAction!.text).toContain('No checkpoint save before iteration 6');
  });

  it('opens on a NaN validation loss', () => {
    const validation: ValidationEvent = {
      type: 'validation',
      offset: 1e9,
      line: 1e6,
      rank: null,
      iteration: 7000,
      group: 'valid',
      split: null,
      lmLoss: Number.NaN,
      ppl: null,
      extra: {},
      afterIteration: 7000,
    };
    expect(detect([...steady(6996, 5), validation])).toMatchObject([{ details: { signal: 'validation_non_finite' } }]);
  });

  it('opens on skipped iterations that keep coming, not on one overflow or the start-up calibration', () => {
    const skip = (n: number) => iteration(n, { lmLoss: 2.1, skippedIterations: 1, nanIterations: 0 });
    const startup = [1, 2, 3, 4, 5, 6, 7].map(skip);
    const once = [...steady(500, 10), skip(510), ...steady(511, 10, 2.11, 1, seededRandom(9))];
    expect(detect([...startup, ...steady(8, 10), ...once])).toEqual([]);
    const streak = [600, 601, 602, 603, 604].map(skip);
    expect(detect([...steady(590, 10), ...streak])).toMatchObject([
      { iteration: 600, offset: streak[0]!.offset, details: { signal: 'skipped_iterations' } },
    ]);
  });

  it('opens when the loss stays far above its baseline past the spike window, with the save before the rise', () => {
    const before = steady(0, 100, 2.11, 10);
    const save = checkpointSaved(1000);
    const high = steady(1010, 120, 7.5, 10);
    const [incident] = detect([...before, save, ...high]);
    expect(incident).toMatchObject({
      iteration: 1010,
      offset: high[0]!.offset,
      details: { signal: 'loss_high', lastGoodCheckpoint: 1000 },
    });
    // 1000 iterations after the rise is when it becomes a divergence; a spike that recovers before never does.
    const recovered = [...steady(0, 100, 2.11, 10), ...steady(1010, 90, 7.5, 10), ...steady(1910, 20, 2.11, 10)];
    expect(detect(recovered)).toEqual([]);
  });

  it('keeps one incident per episode, adds evidence for new signals, and resolves after healthy lines', () => {
    const before = steady(100, 6);
    const nan = iteration(106, { lmLoss: Number.NaN, skippedIterations: 0, nanIterations: 0 });
    const nanAgain = iteration(107, { lmLoss: Number.NaN, skippedIterations: 0, nanIterations: 0 });
    const counted = iteration(108, { lmLoss: Number.NaN, skippedIterations: 0, nanIterations: 2 });
    const [incident, ...rest] = detect([...before, nan, nanAgain, counted, ...steady(109, 5)]);
    expect(rest).toEqual([]);
    expect(incident!.evidence.map((e) => e.offset)).toEqual([nan.offset, counted.offset]);
    expect(incident!.details).toMatchObject({ signals: 'loss_non_finite,nan_iterations', resolvedIteration: 113 });
    expect(incident!.resolvedAtMs).not.toBeNull();
  });
});
