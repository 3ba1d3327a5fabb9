// F11 pending while the allocation sits idle: a job of the run waits with a reason although the partition has
// enough idle nodes (not on the run's exclusion list) to start it. BigScience's README asked for this alert and
// never had it. A grace of two observations lets a job just submitted be scheduled first.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts, RunJobFact } from '../clusterFacts.js';
import { baseState, createConditionTracker, isLive, type Finding } from './condition.js';

/** Observations in a row a job must wait with idle nodes before it is reported. */
export const PENDING_IDLE_CONFIRM = 2;

/**
 * Reasons that say the job waits on purpose, on time, or on the partition itself (F13's `maintenance` reports a
 * partition that is down or a maintenance reservation; saying it twice would be noise).
 */
const EXPECTED_REASONS = new Set([
  'None',
  'BeginTime',
  'Reservation',
  'ReservationDeleted',
  'JobArrayTaskLimit',
  'PartitionDown',
  'PartitionInactive',
]);

export function createPendingIdleDetector(_ctx?: DetectContext): Detector {
  const tracker = createConditionTracker('pending_idle', PENDING_IDLE_CONFIRM);
  return {
    observe() {},
    tick() {},
    incidents: () => tracker.incidents(),
    observeCluster(facts) {
      if (facts.runEnded) return tracker.resolveAll(facts.timeMs);
      if (facts.partitionNodes === null) return; // unknown this tick: neither opened nor cleared
      tracker.update(facts.timeMs, pendingIdle(facts));
    },
  };
}

export function pendingIdle(facts: ClusterFacts): Finding[] {
  const excluded = new Set(facts.excludedNodes);
  const idle = (facts.partitionNodes ?? [])
    .filter((n) => n.state === 'idle' && !excluded.has(n.name))
    .map((n) => n.name);
  const findings: Finding[] = [];
  for (const job of facts.jobs) {
    if (baseState(job.state) !== 'PENDING' || !job.reason || EXPECTED_REASONS.has(job.reason)) continue;
    if (/maintenance/i.test(job.reason)) continue; // ReqNodeNotAvail, Reserved for maintenance
    if (!worthReporting(facts, job)) continue;
    const needed = job.nodesRequested ?? facts.nodesRequired ?? 1;
    // A dependency that can never be satisfied blocks the job whatever the nodes do.
    if (idle.length < needed && job.reason !== 'DependencyNeverSatisfied') continue;
    findings.push({
      subject: job.jobId,
      severity: 'warning',
      title: `Job ${job.jobId} is pending (${job.reason}) while ${idle.length} node(s) sit idle`,
      evidence: [
        {
          offset: null,
          line: null,
          text: `Slurm reason ${job.reason}; idle nodes: ${idle.join(',') || 'none'}; the job needs ${needed}`,
          jobId: job.jobId,
          nodes: idle,
        },
      ],
      action: { kind: 'none', text: fixFor(job.reason, job.jobId) },
      details: { jobId: job.jobId, reason: job.reason, idleNodes: idle.length, nodesNeeded: needed },
    });
  }
  return findings;
}

/** Waits that are the chain's or a person's doing are not reported. */
function worthReporting(facts: ClusterFacts, job: RunJobFact): boolean {
  const reason = job.reason ?? '';
  // Held on purpose: a run that is not under automatic control was held by a person or the policy.
  if (reason.startsWith('JobHeld')) return facts.controlled;
  // A chain member waits for the one before it: normal while any other job of the run is still live.
  if (reason === 'Dependency') return !facts.jobs.some((j) => j !== job && isLive(j.state));
  return true;
}

/** The fix in words, per Slurm reason. */
export function fixFor(reason: string, jobId: string): string {
  switch (reason) {
    case 'JobHeldUser':
    case 'JobHeldAdmin':
      return `Release the hold (scontrol release ${jobId}${reason === 'JobHeldAdmin' ? ', as an administrator' : ''})`;
    case 'Dependency':
    case 'DependencyNeverSatisfied':
      return `Fix the dependency or drop it (scontrol update JobId=${jobId} Dependency=): the job it waits for is gone or failed`;
    case 'ReqNodeNotAvail':
      return 'A node the job asks for is unavailable: drop it from the request (exclude it) or wait for it';
    case 'Resources':
    case 'Priority':
      return 'Nodes are idle yet the job waits: check the reservation, the QOS limits and the partition’s priorities';
    default:
      return `Check why Slurm says ${reason} while nodes are idle (scontrol show job ${jobId})`;
  }
}
