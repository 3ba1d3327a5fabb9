// F10 nothing running or queued: the run is not over, yet no job of it is pending, running or on its way. The
// BigScience watchdog's "is not RUNNING or SCHEDULED" alert. Two observations in a row are needed: between one
// chain member's end and the controller's next submission (or while a resubmission is in flight) there is
// briefly nothing, and that must not page anyone.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts } from '../clusterFacts.js';
import type { IncidentEvidence } from '../incident.js';
import { baseState, createConditionTracker, isLive, type Finding } from './condition.js';

/** Observations in a row with nothing live before the incident opens (at the 15 s tick: 15–30 s). */
export const NOTHING_RUNNING_CONFIRM = 2;

const PARTITION_UP = 'up';

export function createNothingRunningDetector(_ctx?: DetectContext): Detector {
  const tracker = createConditionTracker('nothing_running', NOTHING_RUNNING_CONFIRM);
  return {
    observe() {},
    tick() {},
    incidents: () => tracker.incidents(),
    observeCluster(facts) {
      if (facts.runEnded) return tracker.resolveAll(facts.timeMs);
      const finding = nothingRunning(facts);
      tracker.update(facts.timeMs, finding ? [finding] : []);
    },
  };
}

/** The finding when nothing of the run is live; null when something is (or the run is not ours to judge). */
export function nothingRunning(facts: ClusterFacts): Finding | null {
  // A followed run that never had a job here is not one the scheduler can tell about.
  if (!facts.controlled && facts.jobs.length === 0) return null;
  if (facts.jobs.some((j) => isLive(j.state))) return null;
  const last = facts.jobs.at(-1);
  const evidence: IncidentEvidence[] = [
    {
      offset: null,
      line: null,
      text: last
        ? `No job of the run is pending or running; the last one, ${last.jobId}, is ${baseState(last.state)}`
        : 'No job of the run is pending or running, and none was submitted',
      ...(last ? { jobId: last.jobId, nodes: last.nodes } : {}),
    },
  ];
  const partitionDown = facts.partitionState !== null && facts.partitionState !== PARTITION_UP;
  return {
    subject: 'run',
    // Not under automatic control (held by a person or the policy): nobody will resubmit by themselves, but
    // someone chose that; while the partition is down a resubmission would only wait (F13 says so).
    severity: facts.controlled && !partitionDown ? 'critical' : 'warning',
    title: titleOf(facts, partitionDown),
    evidence,
    action: {
      kind: 'resubmit',
      text: partitionDown
        ? `Resubmit once partition ${facts.partition ?? ''} is back up; the next job resumes from the last checkpoint`
        : 'Resubmit: the next job resumes from the last checkpoint',
    },
    details: { lastJobId: last?.jobId ?? null, lastState: last ? baseState(last.state) : null },
  };
}

function titleOf(facts: ClusterFacts, partitionDown: boolean): string {
  const base = 'Nothing running or queued for the run';
  if (partitionDown) return `${base} (partition ${facts.partition ?? ''} is ${facts.partitionState ?? ''})`;
  return facts.controlled ? base : `${base}; it is not under automatic control`;
}
