import { describe, expect, it } from 'vitest';
import type { ClusterFacts } from '../clusterFacts.js';
import { clusterFacts, jobFact, nodeFact } from '../../testing/clusterFacts.js';
import { createPendingIdleDetector, fixFor } from './pendingIdle.js';

const T = 1_000_000;
const at = (n: number) => T + n * 15_000;
const idle4 = ['c1', 'c2', 'c3', 'c4'].map((n) => nodeFact(n, 'idle'));

function run(facts: Partial<ClusterFacts>, times = 2) {
  const d = createPendingIdleDetector();
  for (let i = 0; i < times; i++) d.observeCluster!(clusterFacts({ partitionNodes: idle4, ...facts, timeMs: at(i) }));
  return d;
}

describe('pending_idle (F11)', () => {
  it('a job pending with a reason while enough nodes are idle warns after the grace, with reason and idle nodes', () => {
    const jobs = [jobFact('200', 'PENDING', { reason: 'JobHeldUser' })];
    expect(run({ jobs }, 1).incidents()).toHaveLength(0); // just submitted: the grace period
    const [inc] = run({ jobs }).incidents();
    expect(inc).toMatchObject({
      kind: 'pending_idle',
      severity: 'warning',
      key: `pending_idle:200:t${at(1)}`,
      details: { jobId: '200', reason: 'JobHeldUser', idleNodes: 4, nodesNeeded: 2 },
      evidence: [{ jobId: '200', nodes: ['c1', 'c2', 'c3', 'c4'] }],
    });
    expect(inc?.suggestedAction?.text).toContain('scontrol release 200');
  });

  it('resolves when the job starts', () => {
    const d = run({ jobs: [jobFact('200', 'PENDING', { reason: 'Priority' })] });
    d.observeCluster!(clusterFacts({ partitionNodes: idle4, timeMs: at(2), jobs: [jobFact('200', 'RUNNING')] }));
    expect(d.incidents()[0]?.resolvedAtMs).toBe(at(2));
  });

  it('not enough idle nodes outside the exclusion list: silent', () => {
    const jobs = [jobFact('200', 'PENDING', { reason: 'Resources', nodesRequested: 3 })];
    expect(run({ jobs, excludedNodes: ['c1', 'c2'] }).incidents()).toHaveLength(0);
    expect(run({ jobs, excludedNodes: ['c1'] }).incidents()).toHaveLength(1);
  });

  it('a chain member waiting on a live predecessor is normal; on a dead one it is reported', () => {
    const waiting = jobFact('201', 'PENDING', { reason: 'Dependency' });
    expect(run({ jobs: [jobFact('200', 'RUNNING'), waiting] }).incidents()).toHaveLength(0);
    expect(run({ jobs: [jobFact('200', 'FAILED'), waiting] }).incidents()).toHaveLength(1);
    const never = jobFact('201', 'PENDING', { reason: 'DependencyNeverSatisfied' });
    const busy = ['c1', 'c2', 'c3', 'c4'].map((n) => nodeFact(n, 'allocated'));
    expect(run({ jobs: [jobFact('200', 'FAILED'), never], partitionNodes: busy }).incidents()).toHaveLength(1);
  });

  it('a held run’s held jobs, waits on time and unknown node lists are not reported', () => {
    const held = [jobFact('200', 'PENDING', { reason: 'JobHeldUser' })];
    expect(run({ jobs: held, controlled: false }).incidents()).toHaveLength(0);
    expect(run({ jobs: [jobFact('200', 'PENDING', { reason: 'BeginTime' })] }).incidents()).toHaveLength(0);
    // The partition's own state is the maintenance detector's (F13).
    expect(run({ jobs: [jobFact('200', 'PENDING', { reason: 'PartitionDown' })] }).incidents()).toHaveLength(0);
    const maint = jobFact('200', 'PENDING', { reason: 'ReqNodeNotAvail, Reserved for maintenance' });
    expect(run({ jobs: [maint] }).incidents()).toHaveLength(0);
    expect(run({ jobs: held, partitionNodes: null }).incidents()).toHaveLength(0);
    expect(run({ jobs: held, runEnded: true }).incidents()).toHaveLength(0);
  });

  it('suggests a fix per reason', () => {
    expect(fixFor('JobHeldAdmin', '5')).toContain('administrator');
    expect(fixFor('DependencyNeverSatisfied', '5')).toContain('Dependency=');
    expect(fixFor('ReqNodeNotAvail', '5')).toContain('exclude');
    expect(fixFor('Resources', '5')).toContain('reservation');
    expect(fixFor('QOSMaxJobsPerUserLimit', '5')).toContain('QOSMaxJobsPerUserLimit');
  });
});
