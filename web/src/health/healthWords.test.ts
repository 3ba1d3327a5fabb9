import { describe, expect, it } from 'vitest';
import type { HealthSeverity } from '@trainboard/shared/dashboard/runHealth';
import { faviconDataUrl, faviconSvg } from './favicon.js';
import { healthTitle, healthWord } from './healthWords.js';
import { withLivePoint } from './useRunHealth.js';
import type { HealthInputs } from '@trainboard/shared/dashboard/runHealth';

describe('health in words', () => {
  it('titles the tab with an icon, the state and the run', () => {
    expect(healthTitle({ state: 'crashed', severity: 'critical' }, 'tr11-176B')).toBe(
      '⚠ crashed · tr11-176B — Trainboard',
    );
    expect(healthTitle({ state: 'healthy', severity: 'ok' }, 'r')).toBe('✓ healthy · r — Trainboard');
  });

  it('says a resubmission was a crash', () => {
    expect(healthWord('resubmitted')).toMatch(/crashed.*resubmitted/);
  });
});

describe('favicon', () => {
  it('draws a different shape per severity, as a data: URL', () => {
    const severities: HealthSeverity[] = ['ok', 'info', 'warning', 'critical'];
    const shapes = severities.map((s) => faviconSvg(s).replace(/fill="#[0-9a-f]+"/g, ''));
    expect(new Set(shapes).size).toBe(4); // distinct without their colours
    expect(faviconDataUrl('critical')).toMatch(/^data:image\/svg\+xml,%3Csvg/);
  });
});

describe('health inputs with the live point', () => {
  const inputs: HealthInputs = {
    nowMs: 50_000,
    run: { state: 'running', desiredState: 'running', trainIters: 391 },
    jobs: [],
    latestIteration: { iteration: 118, timeMs: 40_000 },
    lastLineMs: 41_000,
    medianIterationMs: 200,
    lastCheckpointIteration: 100,
    connection: null,
  };
  const live = { id: 9, iteration: 119, timeMs: 45_000, lmLoss: 3, consumedTokens: null };

  it('takes a newer live point as the latest iteration and newest line', () => {
    expect(withLivePoint(inputs, live)).toMatchObject({
      latestIteration: { iteration: 119, timeMs: 45_000 },
      lastLineMs: 45_000,
    });
  });

  it('keeps the polled inputs when the live point is not newer', () => {
    expect(withLivePoint(inputs, { ...live, timeMs: 40_000 })).toBe(inputs);
    expect(withLivePoint(inputs, null)).toBe(inputs);
  });
});
