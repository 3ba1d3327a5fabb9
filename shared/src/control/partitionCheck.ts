// The F12 check before a submission: the partition as the scheduler reports it now, against the nodes one job of
// the run needs. A warning, never a refusal: nodes come back, and the site may know better.
import type { PartitionNodeFact } from '../detect/clusterFacts.js';
import { countUsableNodes } from '../detect/cluster/tooFewNodes.js';
import type { ConfigIssue } from '../runconfig/issues.js';

export interface PartitionSnapshot {
  partition: string;
  state: 'up' | 'down' | 'drain' | 'inactive' | 'maint';
  nodes: PartitionNodeFact[];
}

/**
 * Before any job of the run exists, "usable" is every node that is not down, drained, draining or in maintenance
 * and not excluded: busy nodes free up, unhealthy ones need a person. Fewer than `nodes` → the job cannot start.
 */
export function partitionIssues(p: PartitionSnapshot, nodes: number, excludedNodes: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (p.state !== 'up')
    issues.push({
      severity: 'warning',
      rule: 'partition-up',
      path: 'cluster.partition',
      value: p.partition,
      why: `partition ${p.partition} is ${p.state} now: the job will wait until it is back up`,
      fix: 'submit anyway to queue it, or pick a partition that is up',
    });
  const count = countUsableNodes({ partitionNodes: p.nodes, excludedNodes: [...excludedNodes], jobs: [] });
  const healthy = p.nodes.length - count.unhealthy.length - count.excluded.length;
  if (healthy < nodes) {
    const bad = count.unhealthy.map((n) => `${n.name} ${n.state}`).join(', ');
    issues.push({
      severity: 'warning',
      rule: 'partition-enough-nodes',
      path: 'cluster.nodes',
      value: nodes,
      why: `partition ${p.partition} has ${healthy} usable node(s) now (${p.nodes.length} in all${bad ? `; ${bad}` : ''}${count.excluded.length ? `; ${count.excluded.length} excluded` : ''}): a job of ${nodes} cannot start`,
      fix: 'wait for the nodes to come back, shorten the exclusion list, or lower cluster.nodes if the layout allows',
    });
  }
  return issues;
}
