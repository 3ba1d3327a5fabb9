// Incidents as the server stores and serves them (GET /api/runs/:id/incidents), for the dashboard's panel, chart
// marks and header line, and for alerts.
import type { Incident } from './incident.js';

export interface StoredIncident extends Incident {
  id: number;
  runId: number;
  /** The Slurm job the evidence belongs to, when known. */
  jobId: string | null;
  /** What the recovery policy did or decided about it, in words ("held: 3 of 3 restarts used…"), when anything. */
  recoveryNote?: string;
}

/** Open incidents first (most severe, then newest), then resolved ones, newest first; at most `limit` (200). */
export interface IncidentsResponse {
  incidents: StoredIncident[];
  openCount: number;
}

/**
 * What changed, for listeners (alerts, sockets): an incident opened, was updated while open, or resolved.
 * `historical`: it comes from log content older than this server's following of it (rows replayed after a restart,
 * or what a log already held when it was first followed) — shown and stored, but old news for alerts and policy.
 */
export type IncidentChange = {
  change: 'opened' | 'updated' | 'resolved';
  incident: StoredIncident;
  historical?: boolean;
};
