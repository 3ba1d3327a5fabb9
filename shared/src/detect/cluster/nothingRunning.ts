// F10 nothing running or queued: the run is not over, yet no job of it is pending, running or on its way. The
// BigScience watchdog's "is not RUNNING or SCHEDULED" alert. Two observations in a row are needed: between one
// chain member's end and the controller's next submission (or while a resubmission is in flight) there is
// briefly nothing, and that must not page anyone. Quiet while the recovery policy waits on purpose (a restart in
// its backoff, or a maintenance hold): the failure or maintenance incident already says why.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts } from '../clusterFacts.js';
import type { IncidentEvidence } from '../incident.js';
import { baseState, clusterDetector, isLive, type Finding } from './condition.js';

/** Observations in a row with nothing live before the incident opens (at the 15 s tick: 15–30 s). */
export const NOTHING_RUNNING_CONFIRM = 2;
/**
 * A planned restart this long past its time that has still not been made is no longer "planned": the controller
 * may be stuck, so nothing running is reported again.
 */
export const PLANNED_RESTART_GRACE_MS = 2 * 60_000;

const PARTITION_UP = 'up';

export function createNothingRunningDetector(_ctx?: DetectContext): Detector {
  return clusterDetector('nothing_running', NOTHING_RUNNING_CONFIRM, nothingRunning);
}

/** The recovery policy waits on purpose: a restart in its backoff, or automatic restarts held for maintenance. */
function waitingOnPurpose(facts: ClusterFacts): boolean {
  if (facts.maintenanceHold === true) return true;
  const planned = facts.restartPending;
  return planned != null && facts.timeMs < planned.notBeforeMs + PLANNED_RESTART_GRACE_MS;
}

/** The finding when nothing of the run is live; null when something is (or the run is not ours to judge). */
export function nothingRunning(facts: ClusterFacts): Finding | null {
  // A followed run that never had a job here is not one the scheduler can tell about.
  if (!facts.controlled && facts.jobs.length === 0) return null;
  if (facts.jobs.some((j) => isLive(j.state))) return null;
  if (waitingOnPurpose(facts)) return null;
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
    severity: severityOf(facts, partitionDown),
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

/**
 * Critical only when Trainboard should be keeping the run going and could. A run held by a person or by the
 * policy (not under automatic control) was stopped on purpose and already explained: info, so severity routing
 * does not page. While the partition is down a resubmission would only wait (F13 says so): warning.
 */
function severityOf(facts: ClusterFacts, partitionDown: boolean): Finding['severity'] {
  if (!facts.controlled) return 'info';
  return partitionDown ? 'warning' : 'critical';
}

function titleOf(facts: ClusterFacts, partitionDown: boolean): string {
  const base = 'Nothing running or queued for the run';
  if (partitionDown) return `${base} (partition ${facts.partition ?? ''} is ${facts.partitionState ?? ''})`;
  return facts.controlled ? base : `${base}; it is not under automatic control`;
}
