// The metric detectors over every real log excerpt in ../shared/fixtures/megatron-logs: the real spikes, the
// missing-loss divergence and the tr11 throughput drop are found with the numbers read off the files by hand,
// and nothing else raises anything (steady state, reshapes, crashes, hangs, saves).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Incident } from '../incident.js';
import { replay } from '../../testing/metricEvents.js';
import { parseChunks } from '../../testing/parseAll.js';
import { METRIC_DETECTOR_FACTORIES } from './index.js';
import { FIXTURES, listFixtures } from '../../testing/realFixtures.node.js';

function detectText(bytes: Uint8Array): Incident[] {
  const { events } = parseChunks(bytes);
  return METRIC_DETECTOR_FACTORIES.flatMap((make) => replay(make, events));
}

const detectFile = (name: string): Incident[] => detectText(readFileSync(join(FIXTURES, name)));

const EXPECTED: Record<string, Array<Pick<Incident, 'kind' | 'iteration'>>> = {
  'bigscience-earlier/tr1-13B-2021-lm-loss-spike-29020-29090-ms-format.log': [{ kind: 'loss_spike', iteration: 29050 }],
  'bigscience-earlier/tr8-104B-2021-spike-8738-8743.log': [{ kind: 'loss_spike', iteration: 8740 }],
  'bigscience-earlier/tr8-104B-2021-validation-7000-and-spike.log': [{ kind: 'loss_spike', iteration: 7010 }],
  'bigscience-earlier/tr8-104B-2021-divergence-9027-lm-loss-field-missing.log': [
    { kind: 'divergence', iteration: 9027 },
  ],
  'tr11-176B/throughput-drop-42780-42784-2022-04-28.wrapped.log': [{ kind: 'throughput_regression', iteration: 42783 }],
};

describe('metric detectors on the real fixtures', () => {
  it('finds the tr1-13B spike (2.77 → 7.34 at 29050, logged every 10) with 3 lines before it, still open at 29090', () => {
    const [spike] = detectFile('bigscience-earlier/tr1-13B-2021-lm-loss-spike-29020-29090-ms-format.log');
    expect(spike).toMatchObject({ kind: 'loss_spike', iteration: 29050, resolvedAtMs: null });
    expect(spike!.details).toMatchObject({
      mode: 'few_points',
      baselineLoss: 2.773,
      peakLoss: 8.716,
      peakIteration: 29060,
    });
    // grad norm 0.000 in these fp16 logs is no information, never a baseline.
    expect(spike!.details!.baselineGradNorm).toBeNull();
  });

  it('finds the tr8-104B spike at 8740, where the grad norm jumps ×10 and the loss starts to rise, peak 7.60 at 8743', () => {
    const [spike] = detectFile('bigscience-earlier/tr8-104B-2021-spike-8738-8743.log');
    expect(spike).toMatchObject({ iteration: 8740, resolvedAtMs: null });
    expect(spike!.details).toMatchObject({ peakLoss: 7.597, peakIteration: 8743, peakGradNorm: 3.274e6 });
    expect(spike!.evidence.map((e) => e.line)).toEqual([5, 11]);
  });

  it('finds the tr8-104B jump 6.44 → 11.42 after one line and resolves it when 7220 is back near 7.16', () => {
    const [spike] = detectFile('bigscience-earlier/tr8-104B-2021-validation-7000-and-spike.log');
    expect(spike).toMatchObject({ iteration: 7010, offset: 603 });
    expect(spike!.details).toMatchObject({ baselineLoss: 6.445, resolvedIteration: 7220 });
    expect(spike!.resolvedAtMs).not.toBeNull();
  });

  it('reads the missing lm loss at tr8 9027 as a divergence', () => {
    const [divergence] = detectFile('bigscience-earlier/tr8-104B-2021-divergence-9027-lm-loss-field-missing.log');
    expect(divergence).toMatchObject({ severity: 'critical', offset: 325, details: { signal: 'loss_missing' } });
    expect(divergence!.suggestedAction).toMatchObject({ kind: 'stop' });
  });

  it('finds the tr11 5% drop (105.2 → 111.1 s/iteration) in the 5-line excerpt, from the elapsed times alone', () => {
    const [drop] = detectFile('tr11-176B/throughput-drop-42780-42784-2022-04-28.wrapped.log');
    // 42780 is left out (first line seen), 42781–42782 are the baseline, 42783 and 42784 are low: open at 42784.
    expect(drop).toMatchObject({ kind: 'throughput_regression', iteration: 42783, offset: 1113, resolvedAtMs: null });
    expect(drop!.evidence.map((e) => e.offset)).toEqual([1113, 1484]);
    expect(drop!.details).toMatchObject({
      metric: 'iterations_per_hour',
      baselineSecondsPerIteration: 105.7,
      currentSecondsPerIteration: 110.7,
      baselinePoints: 2,
    });
    expect(drop!.details!.dropPercent).toBeGreaterThan(4);
    expect(drop!.suggestedAction).toMatchObject({ kind: 'exclude_and_resubmit', nodes: [] });
  });

  it('raises exactly the expected incidents on every fixture, and nothing on the others', () => {
    const files = listFixtures();
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      const found = detectFile(file).map((i) => ({ kind: i.kind, iteration: i.iteration }));
      expect({ file, found }).toEqual({ file, found: EXPECTED[file] ?? [] });
    }
  });

  it('raises nothing over the tr11 reshaping experiments replayed one after another (each restart is a new baseline)', () => {
    const reshapes = listFixtures().filter((f) => f.startsWith('tr11-176B/reshape-'));
    expect(reshapes.length).toBeGreaterThanOrEqual(7);
    const text = Buffer.concat(reshapes.map((f) => readFileSync(join(FIXTURES, f))));
    expect(detectText(text)).toEqual([]);
  });
});
