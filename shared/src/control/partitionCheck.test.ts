import { describe, expect, it } from 'vitest';
import { nodeFact } from '../testing/clusterFacts.js';
import { partitionIssues } from './partitionCheck.js';

const nodes = [
  nodeFact('n1', 'allocated'),
  nodeFact('n2', 'idle'),
  nodeFact('n3', 'drained', 'bad GPU'),
  nodeFact('n4', 'down'),
];

describe('partitionIssues (F12 before submitting)', () => {
  it('busy nodes count (they free up), unhealthy and excluded ones do not', () => {
    expect(partitionIssues({ partition: 'gpu', state: 'up', nodes }, 2, [])).toEqual([]);
    const [issue, ...rest] = partitionIssues({ partition: 'gpu', state: 'up', nodes }, 2, ['n2']);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      severity: 'warning',
      rule: 'partition-enough-nodes',
      path: 'cluster.nodes',
      value: 2,
    });
    expect(issue?.why).toBe(
      'partition gpu has 1 usable node(s) now (4 in all; n3 drained, n4 down; 1 excluded): a job of 2 cannot start',
    );
  });

  it('a partition that is not up is a warning of its own', () => {
    const issues = partitionIssues({ partition: 'gpu', state: 'down', nodes }, 3, []);
    expect(issues.map((i) => i.rule)).toEqual(['partition-up', 'partition-enough-nodes']);
    expect(issues.every((i) => i.severity === 'warning')).toBe(true);
  });
});
