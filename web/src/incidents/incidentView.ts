// How the dashboard shows an incident: its kind and severity in words with an icon (never colour alone), the one-click
// action an operator gets for its suggestion (mapped onto the existing run actions and their dialog), and its mark on
// the charts. Pure, for the panel, the charts and the jobs timeline alike.
import type { IncidentKind, IncidentSeverity } from '@trainboard/shared/detect/incident';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import type { DialogRequest } from '../control/dialogRequest.js';

const KIND_WORDS: Record<IncidentKind, string> = {
  crash: 'crash',
  node_failure: 'node failure',
  hang: 'hang',
  failure_silence: 'silent after a failure',
  loss_spike: 'loss spike',
  divergence: 'divergence',
  throughput_regression: 'slower',
  time_limit: 'time limit',
  nothing_running: 'nothing running',
  pending_idle: 'pending while idle',
  too_few_nodes: 'too few nodes',
  maintenance: 'maintenance',
  restart: 'restart',
  topology_change: 'topology change',
  filesystem_pressure: 'file system pressure',
  kill_switch: 'kill switch',
};

const SEVERITY: Record<IncidentSeverity, { icon: string; word: string }> = {
  critical: { icon: '✕', word: 'critical' },
  warning: { icon: '⚠', word: 'warning' },
  info: { icon: 'ℹ', word: 'info' },
};

export function incidentKindWord(i: Pick<StoredIncident, 'kind' | 'failureKind'>): string {
  const base = KIND_WORDS[i.kind];
  return i.kind === 'crash' && i.failureKind ? `${base} (${i.failureKind.replaceAll('_', ' ')})` : base;
}

export const severityOf = (s: IncidentSeverity) => SEVERITY[s];

/** A one-click action: the dialog it opens and the button's words. */
export interface IncidentAction {
  request: DialogRequest;
  label: string;
}

/**
 * The run action that carries out an open incident's suggestion, or null (resolved, nothing to do, or not an action
 * Trainboard has). A hang's "stack dump, then resubmit" cancels the hung job: the server's policy has already tried
 * the stack dump, and the run's chain resumes from the checkpoint; "stop" is stopping the run.
 */
export function incidentAction(i: StoredIncident): IncidentAction | null {
  const a = i.suggestedAction;
  if (i.resolvedAtMs !== null || a === null) return null;
  switch (a.kind) {
    case 'resubmit':
      return { request: { kind: 'resubmit' }, label: 'Resubmit…' };
    case 'exclude_and_resubmit':
      return { request: { kind: 'exclude', preselected: a.nodes ?? [] }, label: 'Exclude nodes and resubmit…' };
    case 'stack_dump_then_resubmit':
    case 'cancel':
      return i.jobId === null
        ? null
        : { request: { kind: 'cancel_job', jobId: i.jobId }, label: `Cancel job ${i.jobId}…` };
    case 'stop':
      return { request: { kind: 'cancel_run' }, label: 'Stop the run…' };
    case 'none':
      return null;
  }
}

/** Open first (most severe, then newest), then resolved, newest first: the server's order, kept if data is merged. */
export function orderIncidents(incidents: readonly StoredIncident[]): StoredIncident[] {
  const rank: Record<IncidentSeverity, number> = { critical: 2, warning: 1, info: 0 };
  return [...incidents].sort((a, b) => {
    const open = Number(b.resolvedAtMs === null) - Number(a.resolvedAtMs === null);
    if (open) return open;
    if (a.resolvedAtMs === null) return rank[b.severity] - rank[a.severity] || b.openedAtMs - a.openedAtMs;
    return (b.resolvedAtMs ?? 0) - (a.resolvedAtMs ?? 0);
  });
}

/** An incident as a chart mark: at its iteration (marks without one are left out), labelled in words. */
export interface IncidentMark {
  kind: 'incident';
  iteration: number | null;
  timeMs: number | null;
  label: string;
}

/** Restarts are already marked by the log's own annotations; every other incident gets a mark. */
export function incidentMarks(incidents: readonly StoredIncident[]): IncidentMark[] {
  return incidents
    .filter((i) => i.iteration !== null && i.kind !== 'restart')
    .map((i) => ({
      kind: 'incident',
      iteration: i.iteration,
      timeMs: i.openedAtMs,
      label: `${severityOf(i.severity).icon} ${incidentKindWord(i)}${i.resolvedAtMs === null ? ' (open)' : ''}`,
    }));
}
