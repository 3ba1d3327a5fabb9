// F11 pending while the allocation sits idle: a job of the run waits with a reason although the partition has
// enough idle nodes (not on the run's exclusion list) to start it. BigScience's README asked for this alert and
// never had it. The job must have waited so for at least 2 minutes (and two observations): Slurm's main scheduler
// runs every minute (sched_interval 60 s) and backfill cycles take as long, so a job just submitted, or one a node
// just freed up for, is given a scheduling pass first. Idle nodes inside another active reservation are not free.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts, RunJobFact } from '../clusterFacts.js';
import { baseState, clusterDetector, isLive, type Finding } from './condition.js';

/** Observations in a row a job must wait with idle nodes before it is reported. */
export const PENDING_IDLE_CONFIRM = 2;
/** And how long (ms): longer than Slurm's scheduling interval (60 s) and a backfill cycle. */
export const PENDING_IDLE_CONFIRM_MS = 2 * 60_000;

export interface PendingIdleOptions {
  /** How long a job must wait with idle nodes before it is reported (default PENDING_IDLE_CONFIRM_MS; tests shorten it). */
  confirmMs?: number;
}

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

export function createPendingIdleDetector(_ctx?: DetectContext, opts: PendingIdleOptions = {}): Detector {
  const confirm = { observations: PENDING_IDLE_CONFIRM, ms: opts.confirmMs ?? PENDING_IDLE_CONFIRM_MS };
  // Unknown node list this tick: neither opened nor cleared.
  return clusterDetector('pending_idle', confirm, (facts) =>
    facts.partitionNodes === null ? undefined : pendingIdle(facts),
  );
}

/**
 * Idle nodes the run could have: not excluded, and not inside a reservation active now (another team's booking, a
 * maintenance) — those are idle for a reason and would not start the job.
 */
export function freeIdleNodes(facts: ClusterFacts): string[] {
  const excluded = new Set(facts.excludedNodes);
  const reserved = new Set(
    (facts.reservations ?? [])
      .filter((r) => r.startMs <= facts.timeMs && r.endMs > facts.timeMs)
      .flatMap((r) => r.nodes),
  );
  return (facts.partitionNodes ?? [])
    .filter((n) => n.state === 'idle' && !excluded.has(n.name) && !reserved.has(n.name))
    .map((n) => n.name);
}

export function pendingIdle(facts: ClusterFacts): Finding[] {
  const idle = freeIdleNodes(facts);
  const findings: Finding[] = [];
  for (const job of facts.jobs) {
    if (baseState(job.state) !== 'PENDING' || !job.reason || EXPECTED_REASONS.has(job.reason)) continue;
    if (/maintenance/i.test(job.reason)) continue; // ReqNodeNotAvail, Reserved for maintenance
    if (!worthReporting(facts, job)) continue;
    const needed = job.nodesRequested ?? facts.nodesRequired ?? 1;
    // A dependency that can never be satisfied blocks the job whatever the nodes do.
    if (idle.length < needed && job.reason !== 'DependencyNeverSatisfied') continue;
    findings.push(findingOf(job, job.reason, idle, needed));
  }
  return findings;
}

function findingOf(job: RunJobFact, reason: string, idle: string[], needed: number): Finding {
  return {
    subject: job.jobId,
    severity: 'warning',
    title: `Job ${job.jobId} is pending (${reason}) while ${idle.length} node(s) sit idle`,
    evidence: [
      {
        offset: null,
        line: null,
        text: `Slurm reason ${reason}; idle nodes: ${idle.join(',') || 'none'}; the job needs ${needed}`,
        jobId: job.jobId,
        nodes: idle,
      },
    ],
    action: { kind: 'none', text: fixFor(reason, job.jobId) },
    details: { jobId: job.jobId, reason, idleNodes: idle.length, nodesNeeded: needed },
  };
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
