// F13 site maintenance: the run's partition is down, drained, inactive or in maintenance, or a MAINT reservation
// covers nodes the run needs now or within its next job's time limit (tr11 #5: the emergency maintenance that
// killed the job). Info, with `holdAutomaticRestarts` while open: a resubmission would only wait or be killed, and
// such an end is not the run's failure (the recovery policy reads the flag). Resolves when the partition is up and
// no maintenance concerns it.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts, ReservationFact } from '../clusterFacts.js';
import type { IncidentEvidence } from '../incident.js';
import { baseState, createConditionTracker, type Finding } from './condition.js';

/** Job ends that a maintenance causes (the scheduler's doing, not the training's). */
const MAINTENANCE_ENDS = new Set(['PREEMPTED', 'REQUEUED', 'CANCELLED', 'NODE_FAIL']);

export function createMaintenanceDetector(_ctx?: DetectContext): Detector {
  const tracker = createConditionTracker('maintenance', 1);
  return {
    observe() {},
    tick() {},
    incidents: () => tracker.incidents(),
    observeCluster(facts) {
      if (facts.runEnded) return tracker.resolveAll(facts.timeMs);
      if (facts.partitionState === null || facts.reservations === null) return;
      const finding = maintenance(facts);
      tracker.update(facts.timeMs, finding ? [finding] : []);
    },
  };
}

/** MAINT reservations active now or starting within the next job's time, on nodes the run could use. */
export function maintenanceWindows(facts: ClusterFacts): ReservationFact[] {
  const horizon = facts.timeMs + Math.max(0, facts.timeLimitMs ?? 0);
  const partitionNodes = facts.partitionNodes ? new Set(facts.partitionNodes.map((n) => n.name)) : null;
  const excluded = new Set(facts.excludedNodes);
  return (facts.reservations ?? []).filter(
    (r) =>
      r.flags.includes('MAINT') &&
      r.endMs > facts.timeMs &&
      r.startMs <= horizon &&
      // Without the partition's node list, a maintenance anywhere is taken to concern the run.
      (partitionNodes === null || r.nodes.some((n) => partitionNodes.has(n) && !excluded.has(n))),
  );
}

export function maintenance(facts: ClusterFacts): Finding | null {
  const partition = facts.partition ?? 'default';
  const down = facts.partitionState !== null && facts.partitionState !== 'up';
  const windows = maintenanceWindows(facts);
  if (!down && windows.length === 0) return null;
  const evidence: IncidentEvidence[] = [];
  if (down)
    evidence.push({ offset: null, line: null, text: `Partition ${partition} is ${facts.partitionState ?? ''}` });
  for (const r of windows) {
    const when = r.startMs <= facts.timeMs ? 'active now' : `starts ${new Date(r.startMs).toISOString()}`;
    evidence.push({
      offset: null,
      line: null,
      text: `Maintenance reservation ${r.name} (${when}, until ${new Date(r.endMs).toISOString()})`,
      nodes: r.nodes,
    });
  }
  const killed = facts.jobs.filter((j) => MAINTENANCE_ENDS.has(baseState(j.state))).at(-1);
  if (killed && down)
    evidence.push({
      offset: null,
      line: null,
      text: `Job ${killed.jobId} ended ${baseState(killed.state)} while the partition is not up`,
      jobId: killed.jobId,
      nodes: killed.nodes,
    });
  const activeNow = down || windows.some((r) => r.startMs <= facts.timeMs);
  return {
    subject: partition,
    severity: 'info',
    title: down
      ? `Partition ${partition} is ${facts.partitionState ?? ''}: site maintenance or an outage`
      : `Maintenance on ${partition} ${activeNow ? 'is under way' : 'starts within the next job’s time limit'}`,
    evidence,
    action: {
      kind: 'none',
      text: 'Automatic restarts wait until the partition is back up; then resubmit (this does not count against the crash budget)',
    },
    details: {
      partition,
      partitionState: facts.partitionState,
      reservations: windows.map((r) => r.name).join(',') || null,
      activeNow,
      holdAutomaticRestarts: true,
    },
  };
}
