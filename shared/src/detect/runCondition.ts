// The run's condition in one word for the header — healthy, degraded or down — and why, in words, from the open
// incidents and the run-health state (../dashboard/runHealth.ts). Pure, so the header and its tests agree.
//
// Decisions:
// - Down = training is not progressing: an open critical incident of a kind that stops training (crash, node
//   failure, hang, silence after a failure, time limit, nothing running, kill switch), or the health model says
//   crashed or stalled. A critical loss spike or divergence degrades (the run still moves; a person decides).
// - Degraded = any other open incident (info incidents, e.g. a restart, are history and do not count), or a
//   health state that needs watching (resubmitted, stale, disconnected).
// - Healthy otherwise, with the health model's own headline (finished, queued, stopped are not degraded).
// - The why names the worst open incident's title first, then how many more are open; without one, the health
//   headline (and it leads when the health model alone makes the run down).
import type { HealthState, RunHealth } from '../dashboard/runHealth.js';
import type { IncidentKind, IncidentSeverity } from './incident.js';

export type RunConditionWord = 'healthy' | 'degraded' | 'down';

export interface RunCondition {
  condition: RunConditionWord;
  /** In words: "Crash: CUDA error on c3 after iteration 119". */
  why: string;
  /** The incident the why names, if any (its key). */
  incidentKey: string | null;
}

/** What the condition reads of an incident. */
export interface ConditionIncident {
  key: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  title: string;
  resolvedAtMs: number | null;
  openedAtMs: number;
}

const STOPS_TRAINING: ReadonlySet<IncidentKind> = new Set([
  'crash',
  'node_failure',
  'hang',
  'failure_silence',
  'time_limit',
  'nothing_running',
  'kill_switch',
]);
const DOWN_STATES: ReadonlySet<HealthState> = new Set(['crashed', 'stalled']);
const DEGRADED_STATES: ReadonlySet<HealthState> = new Set(['resubmitted', 'stale', 'disconnected']);
const RANK: Record<IncidentSeverity, number> = { info: 0, warning: 1, critical: 2 };

const isDown = (i: ConditionIncident) => i.severity === 'critical' && STOPS_TRAINING.has(i.kind);

/** Worst first: down-making incidents, then by severity, then newest. */
function worstFirst(a: ConditionIncident, b: ConditionIncident): number {
  return Number(isDown(b)) - Number(isDown(a)) || RANK[b.severity] - RANK[a.severity] || b.openedAtMs - a.openedAtMs;
}

export function runCondition(
  incidents: readonly ConditionIncident[],
  health: Pick<RunHealth, 'state' | 'headline'> | null,
): RunCondition {
  const open = incidents.filter((i) => i.resolvedAtMs === null && i.severity !== 'info').sort(worstFirst);
  const worst = open[0] ?? null;
  const healthDown = health !== null && DOWN_STATES.has(health.state);
  const condition: RunConditionWord =
    (worst && isDown(worst)) || healthDown
      ? 'down'
      : worst || (health !== null && DEGRADED_STATES.has(health.state))
        ? 'degraded'
        : 'healthy';
  if (!worst) return { condition, why: health?.headline ?? 'No data yet', incidentKey: null };
  const more = open.length - 1;
  const tail = more === 0 ? '' : ` (and ${more} more open incident${more === 1 ? '' : 's'})`;
  // Down by the health model while the worst incident only degrades: the health's words say why it is down.
  const lead = healthDown && !isDown(worst) ? `${health.headline}; open: ` : '';
  return { condition, why: `${lead}${worst.title}${tail}`, incidentKey: worst.key };
}
