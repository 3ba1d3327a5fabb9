// The metric detectors inside the whole path: constructed tr11-shaped log text → parser → runDetectors (log clock,
// RunState, every detector). Only the metric kinds are asserted; the log detectors have their own tests.
import { describe, expect, it } from 'vitest';
import type { Incident } from '../incident.js';
import { banner, detectText, savedLine, validLine } from '../../testing/detectLog.js';

const METRIC_KINDS = new Set(['loss_spike', 'divergence', 'throughput_regression']);
const metricIncidents = (text: string): Incident[] => detectText(text).filter((i) => METRIC_KINDS.has(i.kind));

/** A tr11 iteration line whose TFLOPs and samples/s follow its elapsed time, as Megatron computes them. */
function line(iteration: number, opts: { seconds?: number; loss?: string; gradNorm?: string; full?: number } = {}) {
  const seconds = opts.seconds ?? 105.16;
  const full = opts.full ?? 105.16; // the time of a line at 149.10 TFLOPs on this topology
  return (
    `[default7]: iteration ${String(iteration).padStart(8)}/  115311 | consumed samples:     76002224 | ` +
    `elapsed time per iteration (s): ${seconds.toFixed(2)} | learning rate: 4.298E-05 | global batch size:  2048 | ` +
    `lm loss: ${opts.loss ?? '2.117073E+00'} | grad norm: ${opts.gradNorm ?? '0.150'} | num zeros: 0.0 | ` +
    `number of skipped iterations:   0 | number of nan iterations:   0 | ` +
    `samples per second: ${(2048 / seconds).toFixed(3)} | TFLOPs: ${((149.1 * full) / seconds).toFixed(2)} |\n`
  );
}

const lines = (from: number, to: number, opts: Parameters<typeof line>[1] = {}) =>
  Array.from({ length: to - from + 1 }, (_, i) => line(from + i, opts)).join('');

describe('metric detectors in the detect pipeline', () => {
  // TFLOPs per GPU move with the topology too (tr11 reshapes: 142 on 24 nodes tp4-pp24, 149 on 48), so only the
  // new baseline keeps this 5% lower figure from reading as a regression.
  it('takes a reshape from 48 to 24 nodes as a new baseline, not a regression (F16)', () => {
    const text =
      banner(384, 8, 4, 12) +
      lines(1, 30) +
      savedLine(30) +
      banner(192, 4, 4, 12, 30) +
      line(31, { seconds: 261.08, full: 216 * 0.95 }) +
      lines(32, 60, { seconds: 216, full: 216 * 0.95 });
    expect(metricIncidents(text)).toEqual([]);
  });

  it('finds a 5% slowdown without a restart (F7) and leaves out the line after an eval and a save', () => {
    const steady = lines(1, 20) + validLine(20) + line(21, { seconds: 840 }) + lines(22, 29) + savedLine(29);
    const text = banner(384, 8, 4, 12) + steady + line(30, { seconds: 147 }) + lines(31, 40, { seconds: 111.14 });
    const [drop, ...rest] = metricIncidents(text);
    expect(rest).toEqual([]);
    expect(drop).toMatchObject({ kind: 'throughput_regression', iteration: 31, details: { metric: 'tflops_per_gpu' } });
    expect(drop!.details!.dropPercent).toBeCloseTo(5.4, 0);
    expect(drop!.details!.baseline).toBeCloseTo(149.1, 1);
  });

  it('finds a spike that recovers (F5), then a NaN loss (F6) with the rollback to the save before it', () => {
    const text =
      banner(384, 8, 4, 12) +
      lines(1, 40) +
      line(41, { loss: '5.300000E+00', gradNorm: '45.000' }) +
      line(42, { loss: '3.100000E+00', gradNorm: '8.000' }) +
      lines(43, 50) +
      savedLine(50) +
      lines(51, 55) +
      line(56, { loss: 'nan', gradNorm: 'nan' });
    const [spike, divergence, ...rest] = metricIncidents(text);
    expect(rest).toEqual([]);
    expect(spike).toMatchObject({
      kind: 'loss_spike',
      iteration: 41,
      details: { peakLoss: 5.3, resolvedIteration: 43 },
    });
    expect(spike!.resolvedAtMs! - spike!.openedAtMs).toBeCloseTo(2 * 105_160, -3);
    expect(divergence).toMatchObject({
      kind: 'divergence',
      iteration: 56,
      workLostIterations: 6,
      details: { signals: 'loss_non_finite,grad_norm_non_finite', lastGoodCheckpoint: 50 },
    });
    expect(divergence!.suggestedAction!.text).toContain('global_step50');
  });
});
