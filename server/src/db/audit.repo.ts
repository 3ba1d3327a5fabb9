// The audit repository: who did what, when, with which exact command and result. A mutation appends its
// `requested` row in the same transaction as its effect (Repositories.transaction) and `finish`es it with the outcome.
import type Database from 'better-sqlite3';

export type ActorKind = 'user' | 'token' | 'system' | 'local';
export type AuditResult = 'requested' | 'ok' | 'failed' | 'refused';

export interface NewAuditEntry {
  atMs: number;
  actorKind: ActorKind;
  /** Snapshot of the actor's name (survives the user's deletion); e.g. `alice`, `system`, `local:root`. */
  actorName: string | null;
  userId?: number | null;
  tokenId?: number | null;
  requestId?: string | null;
  /** Dotted: `run.cancel`, `cluster.add`, `user.add`, `log.reveal`, `auth.login_failed`, … */
  action: string;
  targetKind?: string | null;
  targetId?: string | null;
  runId?: number | null;
  clusterId?: number | null;
  /** The exact scheduler command as shell text, e.g. `scancel 1234`. */
  command?: string | null;
  result: AuditResult;
  errorCode?: string | null;
  /** Generic text, never secrets. */
  message?: string | null;
  details?: Record<string, unknown> | null;
}

export interface AuditRow extends Required<Omit<NewAuditEntry, 'details'>> {
  id: number;
  details: Record<string, unknown> | null;
}

export interface AuditFinish {
  result: Exclude<AuditResult, 'requested'>;
  command?: string | null;
  errorCode?: string | null;
  message?: string | null;
}

export interface AuditQuery {
  runId?: number;
  /** The actor's name snapshot. */
  actor?: string;
  /** Rows with an id below this (the previous page's last id). */
  before?: number;
  /** 1..200, default 50. */
  limit?: number;
}

export interface AuditRepo {
  append(e: NewAuditEntry): number;
  /** Records the outcome; `command`/`errorCode`/`message` are set only when given. */
  finish(id: number, patch: AuditFinish): void;
  /** Newest first. */
  list(q: AuditQuery): AuditRow[];
  /** The run's rows of one action since `sinceMs` (exclusive), oldest first: the recovery policy's ledger. */
  ofRunSince(runId: number, action: string, sinceMs: number): AuditRow[];
}

export const AUDIT_LIST_MAX = 200;

const SELECT = `SELECT id, at_ms AS atMs, actor_kind AS actorKind, actor_name AS actorName, user_id AS userId,
  token_id AS tokenId, request_id AS requestId, action, target_kind AS targetKind, target_id AS targetId,
  run_id AS runId, cluster_id AS clusterId, command, result, error_code AS errorCode, message, details
  FROM audit_log`;

interface ListParams {
  runId: number | null;
  actor: string | null;
  before: number | null;
  limit: number;
}

type StoredRow = Omit<AuditRow, 'details'> & { details: string | null };

export function createAuditRepo(sqlite: Database.Database): AuditRepo {
  const append = sqlite.prepare(`INSERT INTO audit_log (at_ms, actor_kind, actor_name, user_id, token_id, request_id,
    action, target_kind, target_id, run_id, cluster_id, command, result, error_code, message, details)
    VALUES (@atMs, @actorKind, @actorName, @userId, @tokenId, @requestId, @action, @targetKind, @targetId, @runId,
    @clusterId, @command, @result, @errorCode, @message, @details)`);
  const finish = sqlite.prepare(`UPDATE audit_log SET result = @result, command = coalesce(@command, command),
    error_code = coalesce(@errorCode, error_code), message = coalesce(@message, message) WHERE id = @id`);
  const list = sqlite.prepare<[ListParams], StoredRow>(`${SELECT}
    WHERE (@runId IS NULL OR run_id = @runId) AND (@actor IS NULL OR actor_name = @actor)
    AND (@before IS NULL OR id < @before) ORDER BY id DESC LIMIT @limit`);

  const ofRunSince = sqlite.prepare<[number, string, number], StoredRow>(`${SELECT}
    WHERE run_id = ? AND action = ? AND at_ms > ? ORDER BY at_ms, id`);
  const parsed = (r: StoredRow): AuditRow => ({
    ...r,
    details: r.details === null ? null : (JSON.parse(r.details) as Record<string, unknown>),
  });

  return {
    ofRunSince: (runId, action, sinceMs) => ofRunSince.all(runId, action, sinceMs).map(parsed),
    append(e) {
      const info = append.run({
        atMs: e.atMs,
        actorKind: e.actorKind,
        actorName: e.actorName,
        userId: e.userId ?? null,
        tokenId: e.tokenId ?? null,
        requestId: e.requestId ?? null,
        action: e.action,
        targetKind: e.targetKind ?? null,
        targetId: e.targetId ?? null,
        runId: e.runId ?? null,
        clusterId: e.clusterId ?? null,
        command: e.command ?? null,
        result: e.result,
        errorCode: e.errorCode ?? null,
        message: e.message ?? null,
        details: e.details == null ? null : JSON.stringify(e.details),
      });
      return Number(info.lastInsertRowid);
    },
    finish(id, patch) {
      finish.run({
        id,
        result: patch.result,
        command: patch.command ?? null,
        errorCode: patch.errorCode ?? null,
        message: patch.message ?? null,
      });
    },
    list(q) {
      const limit = Math.min(Math.max(Math.trunc(q.limit ?? 50), 1), AUDIT_LIST_MAX);
      return list.all({ runId: q.runId ?? null, actor: q.actor ?? null, before: q.before ?? null, limit }).map(parsed);
    },
  };
}
