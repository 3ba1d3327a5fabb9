// The run-actions repository: operators' (and the policy's) requests on a run, executed by the controller.
import type Database from 'better-sqlite3';

export type ActionKind =
  | 'cancel_job'
  | 'cancel_run'
  | 'resubmit'
  | 'exclude'
  | 'save_exit'
  | 'hold'
  | 'release'
  | 'set_chain_length'
  | 'submit';
export type ActionState = 'pending' | 'running' | 'done' | 'failed' | 'refused';

/** One planned command: the exact argv and the same as shell text (what the dialog and the audit show). */
export interface PlannedCommand {
  argv: string[];
  shell: string;
}

export interface ActionRow {
  id: number;
  runId: number;
  kind: ActionKind;
  params: Record<string, unknown> | null;
  /** Null for the system (policy). */
  requestedBy: number | null;
  /** The requester's name as audited (`alice`, `incident policy`); null on rows written before migration 0004. */
  actorName: string | null;
  state: ActionState;
  commands: PlannedCommand[] | null;
  result: Record<string, unknown> | null;
  expectedVersion: number | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface NewAction {
  runId: number;
  kind: ActionKind;
  params?: Record<string, unknown> | null;
  requestedBy: number | null;
  actorName?: string | null;
  commands?: PlannedCommand[] | null;
  expectedVersion?: number | null;
  /** Default `pending`; `refused` records a request that failed its checks. */
  state?: 'pending' | 'refused';
  result?: Record<string, unknown> | null;
  now?: number;
}

export interface RunActionsRepo {
  insert(a: NewAction): number;
  /** Pending actions, oldest first (the controller executes them in order). */
  pending(): ActionRow[];
  /** pending → running; false when the action was not pending (another tick took it). */
  start(id: number, now?: number): boolean;
  finish(id: number, state: 'done' | 'failed', result: Record<string, unknown> | null, now?: number): void;
  get(id: number): ActionRow | undefined;
  /** The run's actions, newest first. */
  ofRun(runId: number, limit?: number): ActionRow[];
}

const SELECT = `SELECT id, run_id AS runId, kind, params, requested_by AS requestedBy, actor_name AS actorName,
  state, commands, result,
  expected_version AS expectedVersion, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt
  FROM run_actions`;

type StoredRow = Omit<ActionRow, 'params' | 'commands' | 'result'> & {
  params: string | null;
  commands: string | null;
  result: string | null;
};

const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const json = (v: unknown) => (v == null ? null : JSON.stringify(v));

const fromStored = (r: StoredRow | undefined): ActionRow | undefined =>
  r && {
    ...r,
    params: parse<Record<string, unknown>>(r.params),
    commands: parse<PlannedCommand[]>(r.commands),
    result: parse<Record<string, unknown>>(r.result),
  };

export function createRunActionsRepo(sqlite: Database.Database): RunActionsRepo {
  const insert = sqlite.prepare(`INSERT INTO run_actions (run_id, kind, params, requested_by, actor_name, state,
    commands, result, expected_version, created_at, finished_at)
    VALUES (@runId, @kind, @params, @requestedBy, @actorName, @state, @commands, @result, @expectedVersion, @now,
    @finishedAt)`);
  const pending = sqlite.prepare<[], StoredRow>(`${SELECT} WHERE state = 'pending' ORDER BY id`);
  const start = sqlite.prepare(
    `UPDATE run_actions SET state = 'running', started_at = ? WHERE id = ? AND state = 'pending'`,
  );
  const finish = sqlite.prepare('UPDATE run_actions SET state = ?, result = ?, finished_at = ? WHERE id = ?');
  const get = sqlite.prepare<[number], StoredRow>(`${SELECT} WHERE id = ?`);
  const ofRun = sqlite.prepare<[number, number], StoredRow>(`${SELECT} WHERE run_id = ? ORDER BY id DESC LIMIT ?`);

  return {
    insert(a) {
      const now = a.now ?? Date.now();
      const state = a.state ?? 'pending';
      const info = insert.run({
        runId: a.runId,
        kind: a.kind,
        params: json(a.params),
        requestedBy: a.requestedBy,
        actorName: a.actorName ?? null,
        state,
        commands: json(a.commands),
        result: json(a.result),
        expectedVersion: a.expectedVersion ?? null,
        now,
        finishedAt: state === 'refused' ? now : null,
      });
      return Number(info.lastInsertRowid);
    },
    pending: () => pending.all().map((r) => fromStored(r)!),
    start: (id, now = Date.now()) => start.run(now, id).changes === 1,
    finish: (id, state, result, now = Date.now()) => void finish.run(state, json(result), now, id),
    get: (id) => fromStored(get.get(id)),
    ofRun: (runId, limit = 50) => ofRun.all(runId, limit).map((r) => fromStored(r)!),
  };
}
