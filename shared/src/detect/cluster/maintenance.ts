// F13 site maintenance: the run's partition is down, drained, inactive or in maintenance, or a MAINT reservation
// covers nodes the run needs now or within its next job's time limit (tr11 #5: the emergency maintenance that
// killed the job). Info. `holdAutomaticRestarts` (read by the recovery policy) only when the partition is down, or a
// maintenance is under way and too few usable nodes stay outside it: then a resubmission would only wait or be
// killed, and such an end is not the run's failure. A future window, or one that leaves enough nodes, holds nothing. Resolves when the partition is up and
// no maintenance concerns it.
import type { DetectContext, Detector } from '../detector.js';
import type { ClusterFacts, ReservationFact } from '../clusterFacts.js';
import type { IncidentEvidence } from '../incident.js';
import { baseState, clusterDetector, type Finding } from './condition.js';
import { countUsableNodes } from './tooFewNodes.js';

/** Job ends that a maintenance causes (the scheduler's doing, not the training's). */
const MAINTENANCE_ENDS = new Set(['PREEMPTED', 'REQUEUED', 'CANCELLED', 'NODE_FAIL']);

export function createMaintenanceDetector(_ctx?: DetectContext): Detector {
  return clusterDetector('maintenance', 1, (facts) =>
    facts.partitionState === null || facts.reservations === null ? undefined : maintenance(facts),
  );
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

/**
 * Whether automatic restarts must wait: the partition is down, or a maintenance is under way and the usable nodes
 * outside it are fewer than one job needs. A window that has not started, or one that leaves enough nodes, does not
 * hold: the restart is queued and Slurm schedules around the reservation. Unknown nodes or requirement: hold.
 */
function holdsRestarts(facts: ClusterFacts, down: boolean, active: readonly ReservationFact[]): boolean {
  if (down) return true;
  if (active.length === 0) return false;
  if (facts.partitionNodes === null || facts.nodesRequired === null) return true;
  const inside = new Set(active.flatMap((r) => r.nodes));
  const outside = countUsableNodes(facts).usable.filter((n) => !inside.has(n));
  return outside.length < facts.nodesRequired;
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
  const active = windows.filter((r) => r.startMs <= facts.timeMs);
  const activeNow = down || active.length > 0;
  const hold = holdsRestarts(facts, down, active);
  return {
    subject: partition,
    severity: 'info',
    title: down
      ? `Partition ${partition} is ${facts.partitionState ?? ''}: site maintenance or an outage`
      : `Maintenance on ${partition} ${activeNow ? 'is under way' : 'starts within the next job’s time limit'}`,
    evidence,
    action: {
      kind: 'none',
      text: hold
        ? 'Automatic restarts wait until the partition is back up; then resubmit (this does not count against the crash budget)'
        : 'Enough nodes stay outside the maintenance: automatic restarts go on, and Slurm schedules jobs around the reservation',
    },
    details: {
      partition,
      partitionState: facts.partitionState,
      reservations: windows.map((r) => r.name).join(',') || null,
      activeNow,
      holdAutomaticRestarts: hold,
    },
  };
}
