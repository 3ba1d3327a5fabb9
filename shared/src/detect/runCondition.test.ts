import { describe, expect, it } from 'vitest';
import { runCondition, type ConditionIncident } from './runCondition.js';

const incident = (over: Partial<ConditionIncident>): ConditionIncident => ({
  key: 'k1',
  kind: 'crash',
  severity: 'critical',
  title: 'Crash: CUDA error on c3 after iteration 119',
  resolvedAtMs: null,
  openedAtMs: 1000,
  ...over,
});
const healthy = { state: 'healthy' as const, headline: 'Healthy: training at iteration 50 of 1000' };

describe('runCondition', () => {
  it('is healthy with the health headline when nothing is open', () => {
    expect(runCondition([], healthy)).toEqual({ condition: 'healthy', why: healthy.headline, incidentKey: null });
  });

  it('is down for an open critical crash, naming it', () => {
    const c = runCondition([incident({})], healthy);
    expect(c).toEqual({ condition: 'down', why: 'Crash: CUDA error on c3 after iteration 119', incidentKey: 'k1' });
  });

  it('ignores resolved incidents and info ones (a restart is history)', () => {
    const c = runCondition(
      [incident({ resolvedAtMs: 2000 }), incident({ key: 'r', kind: 'restart', severity: 'info', title: 'Restart' })],
      healthy,
    );
    expect(c.condition).toBe('healthy');
  });

  it('is degraded, not down, for a critical loss spike: the run still moves', () => {
    const c = runCondition([incident({ kind: 'loss_spike', title: 'Loss spike at iteration 300' })], healthy);
    expect(c.condition).toBe('degraded');
    expect(c.why).toBe('Loss spike at iteration 300');
  });

  it('names the down-making incident first and counts the others', () => {
    const c = runCondition(
      [
        incident({ key: 'slow', kind: 'throughput_regression', severity: 'warning', title: 'Slower', openedAtMs: 5 }),
        incident({ key: 'hang', kind: 'hang', title: 'Hang: no iteration for 10 min', openedAtMs: 1 }),
        incident({ key: 'spike', kind: 'loss_spike', title: 'Spike', openedAtMs: 9 }),
      ],
      healthy,
    );
    expect(c).toEqual({
      condition: 'down',
      why: 'Hang: no iteration for 10 min (and 2 more open incidents)',
      incidentKey: 'hang',
    });
  });

  it('follows the health state when no incident is open', () => {
    expect(runCondition([], { state: 'stalled', headline: 'Stalled: no new line for 2 min' })).toEqual({
      condition: 'down',
      why: 'Stalled: no new line for 2 min',
      incidentKey: null,
    });
    expect(runCondition([], { state: 'resubmitted', headline: 'Crashed — resubmitted' }).condition).toBe('degraded');
    expect(runCondition([], { state: 'finished', headline: 'Finished' }).condition).toBe('healthy');
    expect(runCondition([], null)).toEqual({ condition: 'healthy', why: 'No data yet', incidentKey: null });
  });

  it('is down when the health model says crashed even if the incident is only a warning', () => {
    const c = runCondition([incident({ severity: 'warning', kind: 'throughput_regression', title: 'Slow' })], {
      state: 'crashed',
      headline: 'Crashed: CUDA error',
    });
    expect(c).toEqual({ condition: 'down', why: 'Crashed: CUDA error; open: Slow', incidentKey: 'k1' });
  });
});
