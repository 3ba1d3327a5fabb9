import { describe, expect, it } from 'vitest';
import { clusterFacts, jobFact } from '../../testing/clusterFacts.js';
import { createNothingRunningDetector } from './nothingRunning.js';

const T = 1_000_000;
const at = (n: number) => T + n * 15_000;

describe('nothing_running (F10)', () => {
  it('opens critical after two observations with no live job, suggests a resubmit, resolves when a job is queued', () => {
    const d = createNothingRunningDetector();
    const ended = [jobFact('100', 'FAILED', { nodes: ['c1'] })];
    d.observeCluster!(clusterFacts({ timeMs: at(0), jobs: ended }));
    expect(d.incidents()).toHaveLength(0);
    d.observeCluster!(clusterFacts({ timeMs: at(1), jobs: ended }));
    const [inc] = d.incidents();
    expect(inc).toMatchObject({
      kind: 'nothing_running',
      severity: 'critical',
      openedAtMs: at(1),
      resolvedAtMs: null,
      suggestedAction: { kind: 'resubmit' },
      evidence: [{ jobId: '100', nodes: ['c1'] }],
    });
    expect(inc?.evidence[0]?.text).toContain('FAILED');
    d.observeCluster!(clusterFacts({ timeMs: at(2), jobs: [...ended, jobFact('101', 'PENDING')] }));
    expect(d.incidents()[0]?.resolvedAtMs).toBe(at(2));
  });

  it('does not alarm in the gap between chain members or while a resubmission is in flight', () => {
    const d = createNothingRunningDetector();
    d.observeCluster!(clusterFacts({ timeMs: at(0), jobs: [jobFact('100', 'COMPLETED')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(1), jobs: [jobFact('100', 'COMPLETED'), jobFact('', 'SUBMITTING')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(2), jobs: [jobFact('100', 'COMPLETED'), jobFact('101', 'RUNNING')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(3), jobs: [jobFact('101', 'COMPLETING')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(4), jobs: [jobFact('101', 'COMPLETED')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(5), jobs: [jobFact('101', 'COMPLETED'), jobFact('102', 'PENDING')] }));
    expect(d.incidents()).toHaveLength(0);
  });

  it('stays silent when the run ended, and resolves an open one when it ends', () => {
    const d = createNothingRunningDetector();
    const jobs = [jobFact('100', 'COMPLETED')];
    d.observeCluster!(clusterFacts({ timeMs: at(0), jobs, runEnded: true }));
    d.observeCluster!(clusterFacts({ timeMs: at(1), jobs, runEnded: true }));
    expect(d.incidents()).toHaveLength(0);
    d.observeCluster!(clusterFacts({ timeMs: at(2), jobs }));
    d.observeCluster!(clusterFacts({ timeMs: at(3), jobs }));
    expect(d.incidents()).toHaveLength(1);
    d.observeCluster!(clusterFacts({ timeMs: at(4), jobs, runEnded: true }));
    expect(d.incidents()[0]?.resolvedAtMs).toBe(at(4));
  });

  it('a run not under automatic control warns; one with no job at all is not judged; a down partition says wait', () => {
    const held = createNothingRunningDetector();
    for (let i = 0; i < 2; i++)
      held.observeCluster!(clusterFacts({ timeMs: at(i), controlled: false, jobs: [jobFact('7', 'CANCELLED by 0')] }));
    expect(held.incidents()[0]).toMatchObject({ severity: 'warning' });
    expect(held.incidents()[0]?.title).toContain('not under automatic control');

    const followed = createNothingRunningDetector();
    for (let i = 0; i < 3; i++) followed.observeCluster!(clusterFacts({ timeMs: at(i), controlled: false, jobs: [] }));
    expect(followed.incidents()).toHaveLength(0);

    const down = createNothingRunningDetector();
    for (let i = 0; i < 2; i++)
      down.observeCluster!(clusterFacts({ timeMs: at(i), partitionState: 'down', jobs: [jobFact('8', 'PREEMPTED')] }));
    expect(down.incidents()[0]).toMatchObject({ severity: 'warning' });
    expect(down.incidents()[0]?.suggestedAction?.text).toContain('once partition gpu is back up');
  });

  it('a second episode is a new incident with its own key; an offline replay never calls it', () => {
    const d = createNothingRunningDetector();
    const dead = [jobFact('100', 'FAILED')];
    d.observeCluster!(clusterFacts({ timeMs: at(0), jobs: dead }));
    d.observeCluster!(clusterFacts({ timeMs: at(1), jobs: dead }));
    d.observeCluster!(clusterFacts({ timeMs: at(2), jobs: [jobFact('101', 'RUNNING')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(3), jobs: [jobFact('101', 'FAILED')] }));
    d.observeCluster!(clusterFacts({ timeMs: at(4), jobs: [jobFact('101', 'FAILED')] }));
    const keys = d.incidents().map((i) => i.key);
    expect(keys).toEqual([`nothing_running:run:t${at(1)}`, `nothing_running:run:t${at(4)}`]);
    expect(d.incidents().map((i) => i.resolvedAtMs)).toEqual([at(2), null]);
  });
});
