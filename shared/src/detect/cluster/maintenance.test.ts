import { describe, expect, it } from 'vitest';
import type { ClusterFacts, ReservationFact } from '../clusterFacts.js';
import { clusterFacts, jobFact } from '../../testing/clusterFacts.js';
import { createMaintenanceDetector } from './maintenance.js';

const T = 1_000_000_000;
const H = 3_600_000;
const maint = (over: Partial<ReservationFact> = {}): ReservationFact => ({
  name: 'site_maint',
  flags: ['MAINT', 'SPEC_NODES'],
  startMs: T + H,
  endMs: T + 5 * H,
  nodes: ['c3', 'c4'],
  ...over,
});

function observe(d: ReturnType<typeof createMaintenanceDetector>, timeMs: number, over: Partial<ClusterFacts>) {
  d.observeCluster!(clusterFacts({ ...over, timeMs }));
}

describe('maintenance (F13)', () => {
  it('a partition down after the job was killed: info at once, holds automatic restarts, resolves when up', () => {
    const d = createMaintenanceDetector();
    const jobs = [jobFact('300', 'CANCELLED by 0', { nodes: ['c1', 'c2'] })];
    observe(d, T, { partitionState: 'down', jobs });
    const [inc] = d.incidents();
    expect(inc).toMatchObject({
      kind: 'maintenance',
      severity: 'info',
      key: `maintenance:gpu:t${T}`,
      details: { holdAutomaticRestarts: true, partitionState: 'down', activeNow: true },
    });
    expect(inc?.evidence.map((e) => e.jobId ?? null)).toEqual([null, '300']);
    observe(d, T + H, { partitionState: 'drain', jobs });
    expect(d.incidents()).toHaveLength(1);
    expect(d.incidents()[0]?.details?.partitionState).toBe('drain');
    observe(d, T + 2 * H, { partitionState: 'up', jobs: [jobFact('301', 'RUNNING')] });
    expect(d.incidents()[0]?.resolvedAtMs).toBe(T + 2 * H);
  });

  it('a MAINT reservation on the run’s nodes: active now, or starting within the next job’s time limit', () => {
    const soon = createMaintenanceDetector();
    observe(soon, T, { reservations: [maint()], timeLimitMs: 2 * H });
    expect(soon.incidents()[0]?.details).toMatchObject({ reservations: 'site_maint', activeNow: false });
    expect(soon.incidents()[0]?.title).toContain('starts within');
    observe(soon, T + 6 * H, { reservations: [maint()], timeLimitMs: 2 * H }); // over
    expect(soon.incidents()[0]?.resolvedAtMs).toBe(T + 6 * H);

    const later = createMaintenanceDetector();
    observe(later, T, { reservations: [maint({ startMs: T + 3 * H })], timeLimitMs: 2 * H });
    observe(later, T, { reservations: [maint({ startMs: T + 3 * H })] }); // time limit unknown: active ones only
    expect(later.incidents()).toHaveLength(0);

    const now = createMaintenanceDetector();
    observe(now, T + 2 * H, { reservations: [maint()] });
    expect(now.incidents()[0]?.details?.activeNow).toBe(true);
  });

  it('ignores reservations without MAINT, on other or excluded nodes, and unknown facts', () => {
    const d = createMaintenanceDetector();
    observe(d, T + 2 * H, { reservations: [maint({ flags: ['OVERLAP'] })] });
    observe(d, T + 2 * H, { reservations: [maint({ nodes: ['x9'] })] });
    observe(d, T + 2 * H, { reservations: [maint()], excludedNodes: ['c3', 'c4'] });
    observe(d, T + 2 * H, { partitionState: null });
    observe(d, T + 2 * H, { partitionState: 'down', reservations: null });
    expect(d.incidents()).toHaveLength(0);
  });

  it('unknown facts neither open nor clear; an ended run resolves it', () => {
    const d = createMaintenanceDetector();
    observe(d, T, { partitionState: 'inactive' });
    observe(d, T + 1, { partitionState: null });
    expect(d.incidents()[0]?.resolvedAtMs).toBeNull();
    observe(d, T + 2, { partitionState: 'inactive', runEnded: true });
    expect(d.incidents()[0]?.resolvedAtMs).toBe(T + 2);
  });
});
