// An incident: what a detector found, in the catalogue's terms (../shared/docs/incidents.md, F1–F18), with the
// evidence that shows it, what to do and what it cost. Pure data: detectors produce it, the server stores and
// alerts, the dashboard and `trainboard detect` show it.

/** Kinds named after the catalogue. A crash also names its failure kind (cuda_error, bus_error, …). */
export const INCIDENT_KINDS = [
  'crash', // F1 (F8 hard time limit and F9 node failure have their own kinds)
  'node_failure', // F9, and F2 when the same node fails again after a restart (repeat: true in details)
  'hang', // F3: no progress past a deadline learnt per section (start-up, step, eval, save)
  'failure_silence', // F4: failure or exit text, then silence while the job is still RUNNING
  'loss_spike', // F5: robust score on loss and grad norm against a rolling baseline; resolved when it recovers
  'divergence', // F6: NaN / non-finite loss, skipped iterations, or loss staying high
  'throughput_regression', // F7, F16: sustained, against the segment's own baseline, per GPU
  'time_limit', // F8: graceful (duration exit) or hard (DUE TO TIME LIMIT)
  'nothing_running', // F10
  'pending_idle', // F11
  'too_few_nodes', // F12
  'maintenance', // F13
  'restart', // F15: a new segment (banner, resume at checkpoint + 1)
  'topology_change', // F16: world size / DP / TP / PP changed
  'filesystem_pressure', // F17
  'kill_switch', // F18
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

export type IncidentSeverity = 'info' | 'warning' | 'critical';

/** One piece of evidence: where in the log (byte offset and line of the record) or which job / nodes. */
export interface IncidentEvidence {
  offset: number | null;
  line: number | null;
  /** The log text (first line of the record, ≤ 300 chars) or a sentence saying what was measured. */
  text: string;
  jobId?: string | null;
  nodes?: string[];
}

export type SuggestedActionKind =
  'resubmit' | 'exclude_and_resubmit' | 'stack_dump_then_resubmit' | 'cancel' | 'stop' | 'none';

export interface SuggestedAction {
  kind: SuggestedActionKind;
  /** Nodes to exclude, for exclude_and_resubmit. */
  nodes?: string[];
  /** In words, for people: "Exclude jz-gpu-12 and resubmit from iteration 600". */
  text: string;
}

export interface Incident {
  /** Stable across replays of the same log: kind + the byte offset of its first evidence (or its open time). */
  key: string;
  kind: IncidentKind;
  severity: IncidentSeverity;
  /** For crashes: the failure kind (cuda_error, bus_error, out_of_memory, …). */
  failureKind?: string | null;
  /** One sentence in words. */
  title: string;
  /** The iteration it concerns (the last logged iteration before it), or null. */
  iteration: number | null;
  /** The byte offset of the first evidence in the log, or null when it does not come from the log. */
  offset: number | null;
  evidence: IncidentEvidence[];
  suggestedAction: SuggestedAction | null;
  /** Iterations since the last completed save that this incident loses (null when it loses nothing or unknown). */
  workLostIterations: number | null;
  openedAtMs: number;
  resolvedAtMs: number | null;
  /** Kind-specific numbers (score, baseline, deadline…), for the panel and the JSON output. */
  details?: Record<string, number | string | boolean | null>;
}
