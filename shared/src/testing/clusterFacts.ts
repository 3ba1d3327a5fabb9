// Builders of ClusterFacts for the cluster-state detectors' tests: a healthy controlled run on a partition of
// four idle nodes, one job running on two of them, unless the test says otherwise.
import type { ClusterFacts, PartitionNodeFact, RunJobFact } from '../detect/clusterFacts.js';

export function jobFact(jobId: string, state: string, extra: Partial<RunJobFact> = {}): RunJobFact {
  return { jobId, state, reason: null, nodes: [], nodesRequested: 2, ...extra };
}

export function nodeFact(name: string, state: string, reason: string | null = null): PartitionNodeFact {
  return { name, state, reason };
}

export function clusterFacts(over: Partial<ClusterFacts> = {}): ClusterFacts {
  return {
    timeMs: 1_000_000,
    runEnded: false,
    controlled: true,
    jobs: [jobFact('100', 'RUNNING', { nodes: ['c1', 'c2'] })],
    partition: 'gpu',
    partitionState: 'up',
    partitionNodes: [
      nodeFact('c1', 'allocated'),
      nodeFact('c2', 'allocated'),
      nodeFact('c3', 'idle'),
      nodeFact('c4', 'idle'),
    ],
    reservations: [],
    nodesRequired: 2,
    excludedNodes: [],
    filesystem: null,
    ...over,
  };
}
