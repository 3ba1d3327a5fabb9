import { describe, expect, it } from 'vitest';
import type { IterationEvent } from '../../log/events.js';
import { checkpointSaved, iteration, replay, runStart } from '../../testing/metricEvents.js';
import { seededRandom } from '../../testing/parseAll.js';
import { LossSpikeDetector } from './lossSpike.js';

const detect = (events: Parameters<typeof replay>[1]) => replay((ctx) => new LossSpikeDetector(ctx), events);

/** A steady loss around `level` with ~0.5% noise and a grad norm around 0.15 with ~15% noise. */
function steady(from: number, count: number, level: number, random = seededRandom(7)): IterationEvent[] {
  return Array.from({ length: count }, (_, i) =>
    iteration(from + i, {
      lmLoss: level * (1 + (random() - 0.5) * 0.01),
      gradNorm: 0.15 * (1 + (random() - 0.5) * 0.3),
    }),
  );
}

describe('loss spike (F5)', () => {
  it('opens on a jump against a full robust baseline, keeps the peak and resolves when the loss is back', () => {
    const save = checkpointSaved(200);
    const before = steady(1, 200, 2.11);
    const spike = [
      iteration(201, { lmLoss: 2.6, gradNorm: 40 }),
      iteration(202, { lmLoss: 3.4, gradNorm: 90 }),
      iteration(203, { lmLoss: 2.9, gradNorm: 20 }),
      iteration(204, { lmLoss: 2.3, gradNorm: 2 }),
    ];
    const back = iteration(205, { lmLoss: 2.12, gradNorm: 0.2 });
    const [incident, ...rest] = detect([save, ...before, ...spike, back]);
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({
      key: `loss_spike:${spike[0]!.offset}`,
      kind: 'loss_spike',
      severity: 'warning',
      iteration: 201,
      offset: spike[0]!.offset,
      suggestedAction: { kind: 'none' },
      workLostIterations: null,
      details: { mode: 'robust', peakIteration: 202, peakLoss: 3.4, peakGradNorm: 90, resolvedIteration: 205 },
    });
    expect(incident!.suggestedAction!.text).toContain('global_step200');
    expect(incident!.evidence.map((e) => e.offset)).toEqual([spike[0]!.offset, spike[1]!.offset]);
    expect(incident!.details!.score).toBeGreaterThan(6);
    expect(incident!.details!.baselineLoss).toBeCloseTo(2.11, 1);
    expect(incident!.resolvedAtMs).not.toBeNull();
  });

  it('finds an order-of-magnitude jump with only a few iterations before it', () => {
    const [incident] = detect([
      iteration(10, { lmLoss: 2.1, gradNorm: 0.15 }),
      iteration(11, { lmLoss: 2.12, gradNorm: 0.14 }),
      iteration(12, { lmLoss: 21, gradNorm: 300 }),
    ]);
    expect(incident).toMatchObject({ iteration: 12, resolvedAtMs: null, details: { mode: 'few_points' } });
  });

  it('needs the loss, not the grad norm alone: grad-norm spikes with a flat loss open nothing', () => {
    const events = steady(1, 100, 2.11);
    events.push(iteration(101, { lmLoss: 2.11, gradNorm: 50 }), iteration(102, { lmLoss: 2.115, gradNorm: 80 }));
    events.push(...steady(103, 50, 2.11));
    expect(detect(events)).toEqual([]);
  });

  it('lets a grad-norm jump lower the bar for a moderate loss rise', () => {
    const events = steady(1, 100, 2.11);
    const rise = iteration(101, { lmLoss: 2.11 * 1.08, gradNorm: 15 });
    expect(detect([...events, rise])).toMatchObject([{ iteration: 101 }]);
    // The same rise without the grad norm is below the spike ratio (1.1×).
    expect(detect([...steady(1, 100, 2.11), iteration(101, { lmLoss: 2.11 * 1.08, gradNorm: 0.15 })])).toEqual([]);
  });

  it('gives the first line after a restart no grad-norm help (a reshape shifts the loss and the grad norm)', () => {
    const before = steady(1, 100, 2.11);
    const start = runStart(192);
    const restarted = iteration(101, { lmLoss: 2.11 * 1.08, gradNorm: 15 });
    expect(detect([...before, start, restarted, ...steady(102, 5, 2.11)])).toEqual([]);
    // Iterations going back (a resume from a checkpoint without a banner in the excerpt) count as a restart too.
    expect(detect([...steady(1, 100, 2.11), iteration(90, { lmLoss: 2.11 * 1.08, gradNorm: 15 })])).toEqual([]);
    // …but a real jump on that first line is still a spike.
    expect(detect([...steady(1, 100, 2.11), iteration(90, { lmLoss: 2.11 * 3, gradNorm: 15 })])).toHaveLength(1);
  });

  it('raises nothing on long noisy decreasing loss with occasional 3× grad-norm bumps', () => {
    const random = seededRandom(42);
    const events = Array.from({ length: 3000 }, (_, i) =>
      iteration(i + 1, {
        lmLoss: (2.5 - i / 6000) * (1 + (random() - 0.5) * 0.04),
        gradNorm: 0.15 * (random() < 0.01 ? 3 : 1) * (1 + (random() - 0.5) * 0.4),
      }),
    );
    expect(detect(events)).toEqual([]);
  });

  it('ignores lines without a usable loss (missing, NaN, a doc-wrapped fragment)', () => {
    const events = [
      ...steady(1, 20, 2.11),
      iteration(21, { lmLoss: null, truncated: true }),
      iteration(22, { lmLoss: Number.NaN }),
      iteration(23, { lmLoss: Number.POSITIVE_INFINITY }),
      ...steady(24, 5, 2.11),
    ];
    expect(detect(events)).toEqual([]);
  });

  it('opens a second incident for a second spike after the first resolved', () => {
    const events = [
      ...steady(1, 50, 2.11),
      iteration(51, { lmLoss: 5 }),
      ...steady(52, 50, 2.11, seededRandom(3)),
      iteration(102, { lmLoss: 6 }),
    ];
    const incidents = detect(events);
    expect(incidents.map((i) => [i.iteration, i.resolvedAtMs !== null])).toEqual([
      [51, true],
      [102, false],
    ]);
  });
});
