import { describe, expect, it } from 'vitest';
import type { ClusterFacts } from '../clusterFacts.js';
import type { Incident } from '../incident.js';
import { dedupeIncidents } from '../runDetectors.js';
import { clusterFacts, jobFact, nodeFact } from '../../testing/clusterFacts.js';
import { createSlurmNodeFailureDetector } from './slurmNodeFailure.js';

const T = 1_000_000;
const at = (n: number) => T + n * 15_000;
const nodes = (c1: string, extra: Partial<{ notResponding: boolean; reason: string }> = {}) => [
  { ...nodeFact('c1', c1, extra.reason ?? null), notResponding: extra.notResponding ?? false },
  nodeFact('c2', 'idle'),
  nodeFact('c3', 'idle'),
  nodeFact('c4', 'idle'),
];

function feed(...steps: Partial<ClusterFacts>[]) {
  const d = createSlurmNodeFailureDetector();
  steps.forEach((s, i) => d.observeCluster!(clusterFacts({ timeMs: at(i), ...s })));
  return d;
}

describe('node_failure from Slurm (F9 without log text)', () => {
  it('a running job whose node is down opens a critical node_failure naming the node, job and state', () => {
    const jobs = [jobFact('90', 'RUNNING', { nodes: ['c1'] })];
    const [inc, ...rest] = feed({ jobs, partitionNodes: nodes('down', { reason: 'Not responding' }) }).incidents();
    expect(rest).toHaveLength(0);
    expect(inc).toMatchObject({
      kind: 'node_failure',
      severity: 'critical',
      failureKind: 'node_failure',
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c1'] },
      evidence: [{ jobId: '90', nodes: ['c1'] }],
      details: { source: 'slurm', jobId: '90', jobState: 'RUNNING' },
      resolvedAtMs: null,
    });
    expect(inc!.evidence[0]!.text).toContain('c1 down (Not responding)');
    expect(inc!.evidence[0]!.text).toContain('90');
  });

  it('not responding (sinfo `mixed*`) counts before Slurm marks the node down; a healthy node does not', () => {
    const jobs = [jobFact('90', 'RUNNING', { nodes: ['c1'] })];
    expect(feed({ jobs, partitionNodes: nodes('mixed') }).incidents()).toHaveLength(0);
    const [inc] = feed({ jobs, partitionNodes: nodes('mixed', { notResponding: true }) }).incidents();
    expect(inc?.evidence[0]?.text).toContain('c1 mixed not responding');
  });

  it('a down node the job does not run on is not this run’s node failure', () => {
    const jobs = [jobFact('90', 'RUNNING', { nodes: ['c2'] })];
    expect(feed({ jobs, partitionNodes: nodes('down') }).incidents()).toHaveLength(0);
  });

  it('a job requeued (PENDING again) with its previous allocation down: node_failure on that node', () => {
    const jobs = [jobFact('90', 'PENDING', { nodes: ['c1'], reason: 'BeginTime' })];
    const [inc] = feed({ jobs, partitionNodes: nodes('down', { reason: 'Not responding' }) }).incidents();
    expect(inc?.suggestedAction?.nodes).toEqual(['c1']);
    expect(inc?.evidence[0]?.text).toContain('PENDING again (requeued), reason BeginTime');
    // A pending job that never ran has no allocation: nothing to name.
    const fresh = [jobFact('91', 'PENDING', { nodes: [] })];
    expect(feed({ jobs: fresh, partitionNodes: nodes('down') }).incidents()).toHaveLength(0);
  });

  it('NODE_FAIL names the job’s nodes even when sinfo is unknown this tick', () => {
    const jobs = [jobFact('90', 'NODE_FAIL', { nodes: ['c1', 'c2'] })];
    const [inc] = feed({ jobs, partitionNodes: null }).incidents();
    expect(inc?.suggestedAction?.nodes).toEqual(['c1', 'c2']);
    // With sinfo known, only the failed ones.
    const [inc2] = feed({ jobs, partitionNodes: nodes('down') }).incidents();
    expect(inc2?.suggestedAction?.nodes).toEqual(['c1']);
  });

  it('one incident while it holds; resolved once the replacement job runs elsewhere; unknown sinfo keeps it open', () => {
    const failed = { jobs: [jobFact('90', 'PENDING', { nodes: ['c1'] })], partitionNodes: nodes('down') };
    const replaced = {
      jobs: [jobFact('90', 'CANCELLED', { nodes: ['c1'] }), jobFact('91', 'RUNNING', { nodes: ['c2'] })],
      partitionNodes: nodes('down'),
    };
    const d = feed(failed, failed, { ...failed, partitionNodes: null }, replaced);
    expect(d.incidents()).toHaveLength(1);
    expect(d.incidents()[0]?.openedAtMs).toBe(at(0));
    expect(d.incidents()[0]?.resolvedAtMs).toBe(at(3));
  });

  it('the run ended: resolved', () => {
    const failed = { jobs: [jobFact('90', 'RUNNING', { nodes: ['c1'] })], partitionNodes: nodes('down') };
    const d = feed(failed, { ...failed, runEnded: true });
    expect(d.incidents()[0]?.resolvedAtMs).toBe(at(1));
  });

  it('is not reported twice when the log detector already named the same node', () => {
    const jobs = [jobFact('90', 'RUNNING', { nodes: ['c1'] })];
    const slurm = feed({ jobs, partitionNodes: nodes('down') }).incidents();
    const log: Incident = {
      key: 'node_failure:1234',
      kind: 'node_failure',
      severity: 'critical',
      failureKind: 'node_failure',
      title: 'Node failure on c1',
      iteration: 10,
      offset: 1234,
      evidence: [],
      suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c1'], text: 'Exclude c1' },
      workLostIterations: null,
      openedAtMs: at(0) - 20_000,
      resolvedAtMs: null,
    };
    expect(dedupeIncidents([log, ...slurm])).toEqual([log]);
    const other = { ...log, suggestedAction: { ...log.suggestedAction!, nodes: ['c3'] } };
    expect(dedupeIncidents([other, ...slurm])).toHaveLength(2);
    const old = { ...log, openedAtMs: at(0) - 3_600_000 };
    expect(dedupeIncidents([old, ...slurm])).toHaveLength(2);
  });
});
