// An in-memory RecoveryStore for the controller's unit tests (the SQLite one is recoveryStore.ts over the
// repositories): the policy per run, the pending restart, the restart ledger and open maintenance incidents.
import type { Logger } from 'pino';
import { DEFAULT_RECOVERY_POLICY, type RecoveryPolicy } from '@trainboard/shared/control/recoveryPolicy';
import { createAutoRestarts, type AutoRestarts } from '../autoRestart.js';
import { createFailurePolicy } from '../policy.js';
import type { FailurePolicy } from '../reconcileRun.js';
import type { PendingRestart, RecoveryStore } from '../recoveryStore.js';
import type { RunActionsService } from '../runActions.service.js';
import type { MemoryStore } from './memoryStore.js';

export interface MemoryRecovery extends RecoveryStore {
  state: {
    policies: Map<number, RecoveryPolicy>;
    pending: Map<number, PendingRestart>;
    restarts: { runId: number; atMs: number; counted: boolean }[];
    maintenance: { runId: number; openedAtMs: number; open: boolean }[];
    /** By incident id; the failure policy's note on a run's open failure under -runId. */
    notes: Map<number, string>;
  };
}

/** The ledger is the control store's audit (`recovery.restart` rows), as the SQLite store reads it. */
export function memoryRecovery(store: MemoryStore): MemoryRecovery {
  const state: MemoryRecovery['state'] = {
    policies: new Map(),
    pending: new Map(),
    restarts: [],
    maintenance: [],
    notes: new Map(),
  };
  const ledger = () => store.state.audit.filter((a) => a.action === 'recovery.restart' && a.result === 'ok');
  return {
    state,
    policy: (runId) => ({
      policy: state.policies.get(runId) ?? DEFAULT_RECOVERY_POLICY,
      updatedAt: null,
      updatedBy: null,
    }),
    savePolicy: (runId, p) => void state.policies.set(runId, p.policy),
    pending: (runId) => state.pending.get(runId) ?? null,
    setPending: (runId, p) => void (p ? state.pending.set(runId, p) : state.pending.delete(runId)),
    countedRestarts: (runId, sinceMs) =>
      ledger()
        .filter((r) => r.runId === runId && r.details?.counted === true && r.at > sinceMs)
        .map((r) => r.at),
    maintenanceOpen: (runId) => state.maintenance.some((m) => m.runId === runId && m.open),
    maintenanceSince: (runId, sinceMs) => state.maintenance.some((m) => m.runId === runId && m.openedAtMs >= sinceMs),
    noteIncident: (id, note) => void state.notes.set(id, note),
    noteOpenFailure: (runId, note) => void state.notes.set(-runId, note),
    onNoted: () => () => undefined,
  };
}

/** The failure policy over a memory store: the same autoRestart the server composes. */
export function memoryFailurePolicy(
  store: MemoryStore,
  actions: RunActionsService,
  logger: Logger,
  now: () => number,
  recovery: MemoryRecovery = memoryRecovery(store),
): { policy: FailurePolicy; auto: AutoRestarts; recovery: MemoryRecovery } {
  const auto = createAutoRestarts({ store, actions, recovery, logger, now });
  return { policy: createFailurePolicy(store, auto), auto, recovery };
}
