// One audit row about a run (no command: a decision, not an execution), shared by the failure and incident policies
// and the reconciler so every such row has the same shape: the run as target, its cluster, a bounded message.
import type { ActorRef, AuditRecord, ControlStore } from './ports.js';

export interface AuditedRun {
  runId: number;
  clusterId: number | null;
}

export interface RunAudit {
  actor: ActorRef;
  action: string;
  result: AuditRecord['result'];
  message: string;
  details?: Record<string, unknown> | null;
}

export function auditRun(store: Pick<ControlStore, 'audit'>, run: AuditedRun, a: RunAudit, nowMs: number): void {
  store.audit(
    {
      actor: a.actor,
      action: a.action,
      targetKind: 'run',
      targetId: String(run.runId),
      runId: run.runId,
      clusterId: run.clusterId,
      command: null,
      result: a.result,
      message: a.message.slice(0, 500),
      details: a.details ? { ...a.details } : null,
    },
    nowMs,
  );
}
