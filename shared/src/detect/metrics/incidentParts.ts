// Small pieces every metric detector builds its incidents from: evidence on an iteration line, numbers written
// for people, and copies handed out so a caller never holds the detector's live (still changing) incident.
import type { IterationEvent } from '../../log/events.js';
import type { Incident, IncidentEvidence } from '../incident.js';

/** A number in 4 significant digits (3.274e+6 for large grad norms), for titles and evidence text. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs >= 1e5 || abs < 1e-3) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/** Rounds a detail to 4 significant digits so the JSON output stays readable; non-finite values become null. */
export function detail(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : Number(value.toPrecision(4));
}

/** Evidence pointing at an iteration line: its offset and line, and a sentence saying what was measured. */
export function iterationEvidence(e: IterationEvent, text: string): IncidentEvidence {
  return { offset: e.offset, line: e.line, text: `iteration ${e.iteration}: ${text}` };
}

/** Deep enough copies of incidents: the detector keeps updating its own (peak, resolvedAtMs). */
export function copyIncidents(list: readonly Incident[]): Incident[] {
  return list.map((i) => ({
    ...i,
    evidence: i.evidence.map((e) => ({ ...e, ...(e.nodes ? { nodes: [...e.nodes] } : {}) })),
    suggestedAction: i.suggestedAction
      ? { ...i.suggestedAction, ...(i.suggestedAction.nodes ? { nodes: [...i.suggestedAction.nodes] } : {}) }
      : null,
    ...(i.details ? { details: { ...i.details } } : {}),
  }));
}
