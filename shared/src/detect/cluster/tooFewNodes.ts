// F12 too few healthy nodes: the partition's usable nodes — idle, or allocated to the run's own jobs, not on the
// exclusion list, not down/drained/draining/in maintenance — are fewer than one job of the run needs. "If we have
// less than 48 nodes we can't continue training." Confirmed on two observations: a node between two jobs is briefly
// neither idle nor ours.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts } from '../clusterFacts.js';
import { baseState, createConditionTracker, HOLDING_JOB_STATES, type Finding } from './condition.js';

export const TOO_FEW_NODES_CONFIRM = 2;

/** Node states that will not run a job until someone acts. */
const UNHEALTHY = new Set(['down', 'drained', 'draining', 'drain', 'maint', 'fail', 'failing', 'inval', 'unknown']);
/** States of a node running a job (ours when the job is the run's). */
const BUSY = new Set(['allocated', 'mixed', 'completing']);

export function createTooFewNodesDetector(_ctx?: DetectContext): Detector {
  const tracker = createConditionTracker('too_few_nodes', TOO_FEW_NODES_CONFIRM);
  return {
    observe() {},
    tick() {},
    incidents: () => tracker.incidents(),
    observeCluster(facts) {
      if (facts.runEnded) return tracker.resolveAll(facts.timeMs);
      if (facts.partitionNodes === null || facts.nodesRequired === null) return;
      // A partition that is down or in maintenance is F13's to report: its nodes are not the problem then.
      const down = facts.partitionState !== null && facts.partitionState !== 'up';
      const finding = down ? null : tooFewNodes(facts);
      tracker.update(facts.timeMs, finding ? [finding] : []);
    },
  };
}

export interface NodeCount {
  usable: string[];
  unhealthy: { name: string; state: string; reason: string | null }[];
  excluded: string[];
}

/** The partition's nodes as the run sees them (also the submit preview's F12 check). */
export function countUsableNodes(facts: Pick<ClusterFacts, 'partitionNodes' | 'excludedNodes' | 'jobs'>): NodeCount {
  const excludedSet = new Set(facts.excludedNodes);
  const ours = new Set(facts.jobs.filter((j) => HOLDING_JOB_STATES.has(baseState(j.state))).flatMap((j) => j.nodes));
  const out: NodeCount = { usable: [], unhealthy: [], excluded: [] };
  for (const n of facts.partitionNodes ?? []) {
    if (excludedSet.has(n.name)) out.excluded.push(n.name);
    else if (UNHEALTHY.has(n.state)) out.unhealthy.push(n);
    else if (n.state === 'idle' || (BUSY.has(n.state) && ours.has(n.name))) out.usable.push(n.name);
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
        text: `Usable (idle or the run's own): ${count.usable.join(',') || 'none'}; unhealthy: ${bad.join('; ') || 'none'}; excluded: ${count.excluded.join(',') || 'none'}`,
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
