// F9 from Slurm's side: a node of the run died (slurmd and the job's processes gone) and the training log says
// nothing — no "Node failure" text, the job simply vanishes and, with JobRequeue=1, comes back PENDING under the same
// id. What the loopback cluster shows (scripts/dev-cluster fault crash): the node turns `mixed*` (not responding)
// ~SlurmdTimeout after the crash while the job is still RUNNING, then `down*` "Not responding" and the job is
// requeued (PENDING, no node list in squeue; the gatherer keeps the last allocation); the job ended NODE_FAIL when
// requeue is off. Any of these on the run's newest job opens a critical node_failure naming the node(s), the same
// shape as the log detector's, so the recovery policy excludes them and resubmits.
import type { DetectContext, Detector } from '../detector.js';
import type { PartitionNodeFact, RunJobFact } from '../clusterFacts.js';
import { baseState, createConditionTracker, HOLDING_JOB_STATES, type Finding } from './condition.js';

/** Node states that mean the node is gone, not merely busy or drained by a person. */
const FAILED_NODE_STATES = new Set(['down', 'fail', 'failing']);
/** A job back in the queue after having run: its previous allocation is what failed. */
const REQUEUED_STATES = new Set(['PENDING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'CONFIGURING']);

export function createSlurmNodeFailureDetector(_ctx?: DetectContext): Detector {
  const tracker = createConditionTracker('node_failure', 1);
  return {
    observe() {},
    tick() {},
    incidents: () => tracker.incidents().map((i) => ({ ...i, failureKind: 'node_failure' })),
    observeCluster(facts) {
      if (facts.runEnded) return tracker.resolveAll(facts.timeMs);
      const job = newestJob(facts.jobs);
      // The partition unknown this tick: only a NODE_FAIL state can be judged; skip rather than clear.
      if (job && baseState(job.state) !== 'NODE_FAIL' && facts.partitionNodes === null) return;
      const finding = job ? slurmNodeFailure(job, facts.partitionNodes) : null;
      tracker.update(facts.timeMs, finding ? [finding] : []);
    },
  };
}

/** The run's newest submitted job: an older job's failure has been dealt with by the one that followed it. */
function newestJob(jobs: readonly RunJobFact[]): RunJobFact | null {
  for (let i = jobs.length - 1; i >= 0; i--) if (jobs[i]!.jobId !== '') return jobs[i]!;
  return null;
}

export function isFailedNode(n: PartitionNodeFact): boolean {
  return FAILED_NODE_STATES.has(n.state) || n.notResponding === true;
}

/** The node failure Slurm shows for `job`, or null. Exported for the tests and the integration check. */
export function slurmNodeFailure(job: RunJobFact, nodes: readonly PartitionNodeFact[] | null): Finding | null {
  const state = baseState(job.state);
  const byName = new Map((nodes ?? []).map((n) => [n.name, n]));
  const failed = job.nodes.filter((n) => {
    const fact = byName.get(n);
    return fact !== undefined && isFailedNode(fact);
  });
  let culprits: string[];
  if (state === 'NODE_FAIL') culprits = failed.length ? failed : job.nodes;
  else if (HOLDING_JOB_STATES.has(state) || REQUEUED_STATES.has(state)) culprits = failed;
  else return null;
  if (!culprits.length) return null;
  const described = culprits.map((n) => describeNode(n, byName.get(n)));
  const phase =
    state === 'NODE_FAIL'
      ? 'ended NODE_FAIL'
      : REQUEUED_STATES.has(state)
        ? `is ${state} again (requeued)${job.reason ? `, reason ${job.reason}` : ''}`
        : `is ${state}`;
  const list = culprits.join(', ');
  return {
    subject: job.jobId,
    severity: 'critical',
    title: `Node failure on ${list} (job ${job.jobId} ${state})`,
    evidence: [
      {
        offset: null,
        line: null,
        text: `Job ${job.jobId} ${phase}; its node ${described.join('; ')}`,
        jobId: job.jobId,
        nodes: culprits,
      },
    ],
    action: {
      kind: 'exclude_and_resubmit',
      nodes: culprits,
      text: `Exclude ${list} and resubmit from the last checkpoint`,
    },
    details: { source: 'slurm', jobId: job.jobId, jobState: state, nodes: culprits.join(','), repeat: false },
  };
}

function describeNode(name: string, fact: PartitionNodeFact | undefined): string {
  if (!fact) return `${name} (not listed by the scheduler)`;
  const flag = fact.notResponding ? ' not responding' : '';
  return `${name} ${fact.state}${flag}${fact.reason ? ` (${fact.reason})` : ''}`;
}

/** Whether the cluster-side incident repeats a log-side one: same node, opened within `windowMs` of each other. */
export function sameNodeFailure(
  slurm: { openedAtMs: number; nodes: string[] },
  log: { openedAtMs: number; nodes: string[] },
  windowMs = 10 * 60_000,
): boolean {
  return Math.abs(slurm.openedAtMs - log.openedAtMs) <= windowMs && slurm.nodes.some((n) => log.nodes.includes(n));
}
