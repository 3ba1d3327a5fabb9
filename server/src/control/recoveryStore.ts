// Where the recovery policy keeps its state (issue 15): the run's RecoveryPolicy as a settings row
// `recovery.run.<id>` (like alerts), the restart it waits to make as `recovery.pending.<id>` (its "not before"
// survives a server restart: the controller's tick acts once the time has come), and the ledger of automatic restarts
// as audit rows `recovery.restart` (what "N of M restarts in the window" counts). No SQL here: the repositories.
import { z } from 'zod';
import {
  DEFAULT_RECOVERY_POLICY,
  recoveryPolicySchema,
  type RecoveryPolicy,
} from '@trainboard/shared/control/recoveryPolicy';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { readSetting } from '../db/readSetting.js';
import type { Repositories } from '../db/repositories.js';

export const recoveryPolicyKey = (runId: number): string => `recovery.run.${runId}`;
export const pendingRestartKey = (runId: number): string => `recovery.pending.${runId}`;
/** The audit action of every automatic restart the policy asked for (details: cause, counted, n). */
export const RESTART_LEDGER_ACTION = 'recovery.restart';

const storedPolicySchema = z.object({
  policy: recoveryPolicySchema,
  updatedAt: z.number().nullable(),
  updatedBy: z.string().nullable(),
});
export type StoredRecoveryPolicy = z.infer<typeof storedPolicySchema>;

const pendingSchema = z.object({
  cause: z.enum(['crash', 'node_failure', 'hang', 'straggler', 'nothing_running', 'failure']),
  exclude: z.array(z.string()),
  counted: z.boolean(),
  n: z.number().int(),
  notBeforeMs: z.number(),
  why: z.string(),
  incidentId: z.number().int().nullable(),
  /** The policy that asked (`incident policy`, `failure policy`): the actor of the restart when it happens. */
  actor: z.string(),
  decidedAtMs: z.number(),
});
export type PendingRestart = z.infer<typeof pendingSchema>;

/** The restart the policy waits to make for the run, or null (also read by the run's health facts). */
export function readPendingRestart(settings: Repositories['settings'], runId: number): PendingRestart | null {
  return readSetting(settings, pendingRestartKey(runId), pendingSchema);
}

export interface RecoveryStore {
  /** The run's policy; the defaults when none is stored (or the stored one no longer validates). */
  policy(runId: number): StoredRecoveryPolicy;
  savePolicy(runId: number, p: StoredRecoveryPolicy): void;
  pending(runId: number): PendingRestart | null;
  setPending(runId: number, p: PendingRestart | null): void;
  /** Times of the run's counted automatic restarts since `sinceMs`. */
  countedRestarts(runId: number, sinceMs: number): number[];
  /** An open maintenance incident that holds automatic restarts (details.holdAutomaticRestarts not false). */
  maintenanceOpen(runId: number): boolean;
  /** A maintenance incident opened since `sinceMs` (it ended the job submitted then: its restart is not counted). */
  maintenanceSince(runId: number, sinceMs: number): boolean;
  /** Tells the incident what the policy did about it (shown with it). */
  noteIncident(incidentId: number, note: string): void;
  /** Tells the run's newest open failure incident (crash, node failure, hang, …), if any: the failure policy's word. */
  noteOpenFailure(runId: number, note: string): void;
  /** Called with the incident after each note (the composition root emits it as an 'updated' change). */
  onNoted(listener: (incident: StoredIncident) => void): () => void;
}

/** The incidents a failed job leaves open: what the failure policy's decision is about. */
const FAILURE_KINDS: ReadonlySet<string> = new Set([
  'crash',
  'node_failure',
  'hang',
  'failure_silence',
  'nothing_running',
]);

const holdsRestarts = (i: { details?: Record<string, unknown> }) => i.details?.holdAutomaticRestarts !== false;

export function createRecoveryStore(repos: Pick<Repositories, 'settings' | 'audit' | 'incidents'>): RecoveryStore {
  const listeners = new Set<(i: StoredIncident) => void>();
  /** Stores the note, then tells the listeners (the panel's "what the policy did" without waiting for a poll). */
  const setNote = (id: number, note: string) => {
    repos.incidents.setRecoveryNote(id, note);
    const stored = repos.incidents.byId(id);
    if (stored) for (const l of listeners) l(stored);
  };
  return {
    policy: (runId) =>
      readSetting(repos.settings, recoveryPolicyKey(runId), storedPolicySchema) ?? {
        policy: DEFAULT_RECOVERY_POLICY,
        updatedAt: null,
        updatedBy: null,
      },
    savePolicy: (runId, p) => repos.settings.set(recoveryPolicyKey(runId), JSON.stringify(p)),
    pending: (runId) => readPendingRestart(repos.settings, runId),
    setPending: (runId, p) => repos.settings.set(pendingRestartKey(runId), JSON.stringify(p)),
    countedRestarts: (runId, sinceMs) =>
      repos.audit
        .ofRunSince(runId, RESTART_LEDGER_ACTION, sinceMs)
        .filter((r) => r.result === 'ok' && r.details?.counted === true)
        .map((r) => r.atMs),
    maintenanceOpen: (runId) => repos.incidents.openOfKind(runId, 'maintenance').some(holdsRestarts),
    maintenanceSince: (runId, sinceMs) => repos.incidents.existsOfKindSince(runId, 'maintenance', sinceMs),
    noteIncident: (id, note) => setNote(id, note),
    noteOpenFailure(runId, note) {
      // list(): open ones first, most severe then newest.
      const open = repos.incidents.list(runId, 50).find((i) => i.resolvedAtMs === null && FAILURE_KINDS.has(i.kind));
      if (open) setNote(open.id, note);
    },
    onNoted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export type { RecoveryPolicy };
