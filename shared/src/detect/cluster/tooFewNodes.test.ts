import { describe, expect, it } from 'vitest';
import type { ClusterFacts } from '../clusterFacts.js';
import { clusterFacts, jobFact, nodeFact } from '../../testing/clusterFacts.js';
import { countUsableNodes, createTooFewNodesDetector } from './tooFewNodes.js';

const T = 1_000_000;
const at = (n: number) => T + n * 15_000;

function observe(d: ReturnType<typeof createTooFewNodesDetector>, n: number, over: Partial<ClusterFacts>) {
  d.observeCluster!(clusterFacts({ ...over, timeMs: at(n) }));
}

describe('too_few_nodes (F12)', () => {
  const sick = [
    nodeFact('c1', 'allocated'),
    nodeFact('c2', 'drained', 'ECC errors'),
    nodeFact('c3', 'down', 'Not responding'),
    nodeFact('c4', 'idle'),
  ];

  it('counts idle and the run’s own allocated nodes, minus excluded and unhealthy ones', () => {
    const c = countUsableNodes({
      partitionNodes: [...sick, nodeFact('c5', 'mixed'), nodeFact('c6', 'idle'), nodeFact('c7', 'draining')],
      excludedNodes: ['c6'],
      jobs: [jobFact('1', 'RUNNING', { nodes: ['c1'] }), jobFact('0', 'COMPLETED', { nodes: ['c5'] })],
    });
    expect(c.usable).toEqual(['c1', 'c4']);
    expect(c.unhealthy.map((n) => n.name)).toEqual(['c2', 'c3', 'c7']);
    expect(c.excluded).toEqual(['c6']);
  });

  it('warns after two observations below the requirement, names the bad nodes, resolves when they return', () => {
    const d = createTooFewNodesDetector();
    const over = { partitionNodes: sick, nodesRequired: 3, jobs: [jobFact('1', 'RUNNING', { nodes: ['c1'] })] };
    observe(d, 0, over);
    expect(d.incidents()).toHaveLength(0);
    observe(d, 1, over);
    const [inc] = d.incidents();
    expect(inc).toMatchObject({
      kind: 'too_few_nodes',
      severity: 'warning',
      key: `too_few_nodes:gpu:t${at(1)}`,
      details: { usable: 2, required: 3, unhealthy: 2 },
      evidence: [{ nodes: ['c2', 'c3'] }],
    });
    expect(inc?.evidence[0]?.text).toContain('c2 drained (ECC errors)');
    observe(d, 2, { ...over, partitionNodes: [...sick.slice(0, 2), nodeFact('c3', 'idle'), sick[3]!] });
    expect(d.incidents()[0]?.resolvedAtMs).toBe(at(2));
  });

  it('enough usable nodes, unknown requirement or node list, or an ended run: silent', () => {
    const d = createTooFewNodesDetector();
    for (let i = 0; i < 3; i++) observe(d, i, { partitionNodes: sick, nodesRequired: 2 });
    for (let i = 3; i < 6; i++) observe(d, i, { partitionNodes: sick, nodesRequired: null });
    for (let i = 6; i < 9; i++) observe(d, i, { partitionNodes: null, nodesRequired: 4 });
    for (let i = 9; i < 12; i++) observe(d, i, { partitionNodes: sick, nodesRequired: 4, runEnded: true });
    expect(d.incidents()).toHaveLength(0);
  });

  it('a partition that is down is the maintenance detector’s: too few nodes resolves and does not open', () => {
    const d = createTooFewNodesDetector();
    const over = { partitionNodes: sick, nodesRequired: 3 };
    observe(d, 0, over);
    observe(d, 1, over);
    observe(d, 2, { ...over, partitionState: 'down' });
    observe(d, 3, { ...over, partitionState: 'maint' });
    observe(d, 4, { ...over, partitionState: 'maint' });
    expect(d.incidents().map((i) => i.resolvedAtMs)).toEqual([at(2)]);
  });

  it('an excluded node does not count as usable even when idle', () => {
    const d = createTooFewNodesDetector();
    const over = { partitionNodes: sick, nodesRequired: 2, excludedNodes: ['c4'], jobs: [jobFact('1', 'PENDING')] };
    observe(d, 0, over);
    observe(d, 1, over);
    expect(d.incidents()[0]?.details).toMatchObject({ usable: 0, excluded: 1 });
  });
});
