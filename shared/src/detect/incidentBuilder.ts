// Small helpers every detector uses to build an Incident the same way (key, evidence, work lost).
import type { LogEvent } from '../log/events.js';
import type { DetectContext } from './detector.js';
import type { Incident, IncidentEvidence, IncidentKind, IncidentSeverity, SuggestedAction } from './incident.js';

const MAX_TEXT = 300;

/** Evidence pointing at a record of the log. `text` says what it is until the caller fills in the line itself. */
export function evidenceOf(e: LogEvent, text: string, nodes?: string[]): IncidentEvidence {
  const ev: IncidentEvidence = { offset: e.offset, line: e.line, text: text.slice(0, MAX_TEXT) };
  if (nodes && nodes.length > 0) ev.nodes = nodes;
  return ev;
}

export interface IncidentSpec {
  kind: IncidentKind;
  severity: IncidentSeverity;
  title: string;
  evidence: IncidentEvidence[];
  openedAtMs: number;
  action: SuggestedAction | null;
  failureKind?: string | null;
  details?: Record<string, number | string | boolean | null>;
  /** Defaults to the run's work lost now; pass null for incidents that lose nothing. */
  workLostIterations?: number | null;
}

export function newIncident(ctx: DetectContext, spec: IncidentSpec): Incident {
  const first = spec.evidence[0];
  const offset = first?.offset ?? null;
  const incident: Incident = {
    key: `${spec.kind}:${offset ?? `t${spec.openedAtMs}`}`,
    kind: spec.kind,
    severity: spec.severity,
    title: spec.title,
    iteration: ctx.run.lastIteration,
    offset,
    evidence: spec.evidence,
    suggestedAction: spec.action,
    workLostIterations: spec.workLostIterations === undefined ? ctx.run.workLostIterations() : spec.workLostIterations,
    openedAtMs: spec.openedAtMs,
    resolvedAtMs: null,
  };
  if (spec.failureKind !== undefined) incident.failureKind = spec.failureKind;
  if (spec.details) incident.details = spec.details;
  return incident;
}

/** "from iteration N" for action texts: the save a resubmission resumes from. */
export function resumeText(ctx: DetectContext): string {
  const saved = ctx.run.lastSavedIteration ?? ctx.run.loadedIteration;
  return saved === null ? 'from the last checkpoint' : `from iteration ${saved}`;
}

/** Slurm failure kinds that mean the job step itself ended (teardown or scheduler), not the training's own error. */
export const JOB_END_KINDS: ReadonlySet<string> = new Set([
  'node_failure',
  'time_limit',
  'cancelled',
  'preempted',
  'requeued',
]);

/** Failure kinds that say nothing specific: teardown after the real error. */
export const GENERIC_KINDS: ReadonlySet<string> = new Set(['task_exit', 'cancelled', 'python_exception', 'cpp_abort']);
