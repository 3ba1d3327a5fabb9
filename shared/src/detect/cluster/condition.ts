// What the cluster-state detectors (F10–F13, F17) share: a condition per subject (a job id, a partition, a path)
// that opens an incident once it has held for a few observations in a row, updates it in place while it holds,
// and resolves it the first time an observation shows it cleared. Unknown input (a backend that could not answer
// this tick) is not "cleared": the caller skips the update instead.
import type { Incident, IncidentEvidence, IncidentKind, IncidentSeverity, SuggestedAction } from '../incident.js';

/** One subject's condition as observed now. */
export interface Finding {
  /** Stable part of the key: the job id, the partition, the checkpoint path. */
  subject: string;
  severity: IncidentSeverity;
  title: string;
  evidence: IncidentEvidence[];
  action: SuggestedAction | null;
  details?: Record<string, number | string | boolean | null>;
}

export interface ConditionTracker {
  /** The findings of one observation: subjects absent from it are cleared. */
  update(timeMs: number, findings: readonly Finding[]): void;
  /** Resolves every open incident (the run ended: none of these conditions matter any more). */
  resolveAll(timeMs: number): void;
  incidents(): Incident[];
}

/**
 * `confirmAfter` observations in a row open the incident (1 = at once). The key is kind, subject and the open time:
 * a condition that clears and comes back is a new incident, never the old one reopened with its old times.
 */
export function createConditionTracker(kind: IncidentKind, confirmAfter: number): ConditionTracker {
  const streak = new Map<string, number>();
  const open = new Map<string, Incident>();
  const all: Incident[] = [];
  const resolve = (subject: string, timeMs: number) => {
    const inc = open.get(subject);
    if (inc) inc.resolvedAtMs = timeMs;
    open.delete(subject);
  };
  return {
    update(timeMs, findings) {
      const seen = new Set<string>();
      for (const f of findings) {
        seen.add(f.subject);
        const n = (streak.get(f.subject) ?? 0) + 1;
        streak.set(f.subject, n);
        const inc = open.get(f.subject);
        if (inc) refresh(inc, f);
        else if (n >= confirmAfter) {
          const created = incidentOf(kind, f, timeMs);
          open.set(f.subject, created);
          all.push(created);
        }
      }
      for (const subject of [...streak.keys()]) if (!seen.has(subject)) streak.delete(subject);
      for (const subject of [...open.keys()]) if (!seen.has(subject)) resolve(subject, timeMs);
    },
    resolveAll(timeMs) {
      streak.clear();
      for (const subject of [...open.keys()]) resolve(subject, timeMs);
    },
    incidents: () => all,
  };
}

function incidentOf(kind: IncidentKind, f: Finding, timeMs: number): Incident {
  const inc: Incident = {
    key: `${kind}:${f.subject}:t${timeMs}`,
    kind,
    severity: f.severity,
    title: f.title,
    iteration: null,
    offset: null,
    evidence: f.evidence,
    suggestedAction: f.action,
    workLostIterations: null,
    openedAtMs: timeMs,
    resolvedAtMs: null,
  };
  if (f.details) inc.details = f.details;
  return inc;
}

/** The open incident follows what is observed now (severity up or down, counts, evidence). */
function refresh(inc: Incident, f: Finding): void {
  inc.severity = f.severity;
  inc.title = f.title;
  inc.evidence = f.evidence;
  inc.suggestedAction = f.action;
  if (f.details) inc.details = f.details;
}

/** A Slurm state as printed (`CANCELLED by 0`, `RUNNING`) reduced to its upper-case word. */
export function baseState(state: string): string {
  return (state.trim().split(/\s+/)[0] ?? '').toUpperCase();
}

/**
 * States of a job that is queued, running or on its way (Slurm's own, plus `SUBMITTING`: a row whose sbatch is in
 * flight, which the server reports so a resubmission under way is not "nothing running").
 */
export const LIVE_JOB_STATES: ReadonlySet<string> = new Set([
  'SUBMITTING',
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SUSPENDED',
  'SIGNALING',
  'STAGE_OUT',
]);

/** States in which a job holds its nodes. */
export const HOLDING_JOB_STATES: ReadonlySet<string> = new Set(['CONFIGURING', 'RUNNING', 'COMPLETING', 'SIGNALING']);

export function isLive(state: string): boolean {
  return LIVE_JOB_STATES.has(baseState(state));
}

/** Rounds for details, so an incident's stored signature changes only when the figure does. */
export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
