// F12 too few healthy nodes: the partition's usable nodes — every node not on the exclusion list and not
// down/drained/draining/in maintenance, busy or not — are fewer than one job of the run needs. "If we have
// less than 48 nodes we can't continue training." Confirmed on two observations: a node between two jobs is briefly
// neither idle nor ours.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts } from '../clusterFacts.js';
import { clusterDetector, type Finding } from './condition.js';

export const TOO_FEW_NODES_CONFIRM = 2;

/** Node states that will not run a job until someone acts. */
const UNHEALTHY = new Set(['down', 'drained', 'draining', 'drain', 'maint', 'fail', 'failing', 'inval', 'unknown']);

export function createTooFewNodesDetector(_ctx?: DetectContext): Detector {
  return clusterDetector('too_few_nodes', TOO_FEW_NODES_CONFIRM, (facts) => {
    if (facts.partitionNodes === null || facts.nodesRequired === null) return undefined;
    // A partition that is down or in maintenance is F13's to report: its nodes are not the problem then.
    const down = facts.partitionState !== null && facts.partitionState !== 'up';
    return down ? null : tooFewNodes(facts);
  });
}

export interface NodeCount {
  usable: string[];
  unhealthy: { name: string; state: string; reason: string | null }[];
  excluded: string[];
}

/**
 * The partition's nodes as the run sees them, the same count as the submit preview's F12 check: usable is every node
 * that is neither unhealthy nor excluded. Busy nodes (other users' jobs) free up by themselves; only unhealthy ones
 * need a person, so a full shared partition is not "too few nodes" (whether idle nodes sit unused is F11's).
 * `jobs` is accepted for older callers and not used.
 */
export function countUsableNodes(
  facts: Pick<ClusterFacts, 'partitionNodes' | 'excludedNodes'> & Partial<Pick<ClusterFacts, 'jobs'>>,
): NodeCount {
  const excludedSet = new Set(facts.excludedNodes);
  const out: NodeCount = { usable: [], unhealthy: [], excluded: [] };
  for (const n of facts.partitionNodes ?? []) {
    if (excludedSet.has(n.name)) out.excluded.push(n.name);
    else if (UNHEALTHY.has(n.state)) out.unhealthy.push(n);
    else out.usable.push(n.name);
  }
  return out;
}

export function tooFewNodes(facts: ClusterFacts): Finding | null {
  const required = facts.nodesRequired;
  if (required === null) return null;
  const count = countUsableNodes(facts);
  if (count.usable.length >= required) return null;
  const partition = facts.partition ?? 'default';
  const bad = count.unhealthy.map((n) => `${n.name} ${n.state}${n.reason ? ` (${n.reason})` : ''}`);
  return {
    subject: partition,
    severity: 'warning',
    title: `Only ${count.usable.length} of the ${required} nodes the run needs are usable on ${partition}`,
    evidence: [
      {
        offset: null,
        line: null,
        text: `Usable (healthy, not excluded): ${count.usable.join(',') || 'none'}; unhealthy: ${bad.join('; ') || 'none'}; excluded: ${count.excluded.join(',') || 'none'}`,
        nodes: count.unhealthy.map((n) => n.name),
      },
    ],
    action: {
      kind: 'none',
      text: 'Wait for nodes to come back, ask the site to resume drained nodes, or shrink the layout if the config allows one',
    },
    details: {
      usable: count.usable.length,
      required,
      unhealthy: count.unhealthy.length,
      excluded: count.excluded.length,
    },
  };
}
