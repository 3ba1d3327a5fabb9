// The jobs repository: the scheduler jobs of a run. Read side for the dashboard (`ofRun`, `last`); control side for
// the submit protocol: a row with its idempotency key is committed (phase `submitting`) before sbatch is called,
// then marked submitted, lost or duplicate, so a crash at any point is recovered by looking the key up.
import type Database from 'better-sqlite3';

/** What the dashboard shows of a job: only jobs the scheduler knows (rows still submitting have no id yet). */
export interface JobRow {
  jobId: string;
  state: string;
  nodeList: string | null;
  exitCode: number | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  /** Why Trainboard submitted it; null for imported and legacy rows. */
  reason: JobReason | null;
}

export type JobPhase = 'submitting' | 'submitted' | 'lost' | 'duplicate_cancelled';
export type JobReason = 'initial' | 'chain' | 'resubmit' | 'exclude' | 'policy';

/** A job row as the controller sees it. */
export interface ControlJobRow {
  id: number;
  runId: number;
  clusterId: number | null;
  schedulerJobId: string | null;
  idemKey: string | null;
  schedName: string | null;
  chainSeq: number | null;
  phase: JobPhase;
  state: string;
  dependsOn: string | null;
  exclude: string | null;
  reason: JobReason | null;
  actionId: number | null;
  submitAttempts: number;
  submitStartedAt: number | null;
  reasonText: string | null;
  nodeList: string | null;
  exitCode: number | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
  updatedAt: number;
}

export interface BeginSubmit {
  runId: number;
  clusterId: number;
  chainSeq: number;
  /** Scheduler id for `--dependency=afterany:<id>`. */
  dependsOn: string | null;
  exclude: string | null;
  reason: JobReason;
  actionId: number | null;
  /**
   * The key and job name for the new row's id (shared/src/control/idemKey.ts: makeIdemKey + jobNameWithKey).
   * Passed in so the format lives in one place; called inside the insert's transaction.
   */
  keys(jobRowId: number): { idemKey: string; schedName: string };
  now?: number;
}

/** What an observation (squeue/sacct) says about a job; undefined fields are left as they are. */
export interface JobStatusPatch {
  state: string;
  nodeList?: string | null;
  exitCode?: number | null;
  startedAt?: number | null;
  endedAt?: number | null;
  reasonText?: string | null;
}

export interface JobsRepo {
  /** Every job of the run, in submission order. */
  ofRun(runId: number): JobRow[];
  /** The run's latest job (what the nodes view polls). */
  last(runId: number): Pick<JobRow, 'jobId' | 'state' | 'nodeList'> | undefined;
  /** Inserts the `submitting` row with its unique key (one transaction); call before sbatch. */
  beginSubmit(j: BeginSubmit): { id: number; idemKey: string; schedName: string };
  /** sbatch answered (or recovery found the job by its key). */
  markSubmitted(id: number, schedulerJobId: string, now?: number): void;
  /** No job carries the key after the grace period, or sbatch failed: the planner makes a new row. */
  markLost(id: number, now?: number): void;
  /** A second job found under one key, cancelled. */
  markDuplicate(id: number, schedulerJobId: string, now?: number): void;
  /** Applies an observation; returns true when anything changed (the caller bumps the run version). */
  recordStatus(id: number, s: JobStatusPatch, now?: number): boolean;
  byId(id: number): ControlJobRow | undefined;
  byIdemKey(idemKey: string): ControlJobRow | undefined;
  /** Rows whose sbatch outcome is unknown (recovery input). */
  submitting(): ControlJobRow[];
  /** The run's rows that are submitting, or submitted and not terminal, by chain order. */
  activeOfRun(runId: number): ControlJobRow[];
  /** Every row of the run as the controller sees it, by id. */
  controlOfRun(runId: number): ControlJobRow[];
}

const CONTROL_SELECT = `SELECT id, run_id AS runId, cluster_id AS clusterId, scheduler_job_id AS schedulerJobId,
  idem_key AS idemKey, sched_name AS schedName, chain_seq AS chainSeq, phase, state, depends_on AS dependsOn,
  exclude, reason, action_id AS actionId, submit_attempts AS submitAttempts, submit_started_at AS submitStartedAt,
  reason_text AS reasonText, node_list AS nodeList, exit_code AS exitCode, submitted_at AS submittedAt,
  started_at AS startedAt, ended_at AS endedAt, updated_at AS updatedAt FROM jobs`;

/** Slurm states after which a job does not run again by itself (shared/src/slurm/types.ts isTerminalState). */
const TERMINAL_SQL = `('COMPLETED', 'CANCELLED', 'FAILED', 'TIMEOUT', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL',
  'DEADLINE', 'OUT_OF_MEMORY', 'REVOKED')`;

const PATCH_FIELDS = ['nodeList', 'exitCode', 'startedAt', 'endedAt', 'reasonText'] as const;
const FIRST_SEEN = new Set<(typeof PATCH_FIELDS)[number]>(['startedAt', 'endedAt']);

export function createJobsRepo(sqlite: Database.Database): JobsRepo {
  const ofRun = sqlite.prepare(`SELECT scheduler_job_id AS jobId, state, node_list AS nodeList, exit_code AS exitCode,
    submitted_at AS submittedAt, started_at AS startedAt, ended_at AS endedAt, reason FROM jobs
    WHERE run_id = ? AND scheduler_job_id IS NOT NULL ORDER BY id`);
  const last = sqlite.prepare(`SELECT scheduler_job_id AS jobId, state, node_list AS nodeList FROM jobs
    WHERE run_id = ? AND scheduler_job_id IS NOT NULL ORDER BY id DESC LIMIT 1`);
  const insert = sqlite.prepare(`INSERT INTO jobs (run_id, cluster_id, chain_seq, depends_on, exclude, reason,
    action_id, phase, state, submit_attempts, submit_started_at, updated_at)
    VALUES (@runId, @clusterId, @chainSeq, @dependsOn, @exclude, @reason, @actionId, 'submitting', 'SUBMITTING', 1,
    @now, @now)`);
  const setKeys = sqlite.prepare('UPDATE jobs SET idem_key = ?, sched_name = ? WHERE id = ?');
  const submitted = sqlite.prepare(`UPDATE jobs SET phase = 'submitted', scheduler_job_id = ?, submitted_at = ?,
    state = CASE state WHEN 'SUBMITTING' THEN 'PENDING' ELSE state END, updated_at = ? WHERE id = ?`);
  const lost = sqlite.prepare(`UPDATE jobs SET phase = 'lost', updated_at = ? WHERE id = ?`);
  const duplicate = sqlite.prepare(`UPDATE jobs SET phase = 'duplicate_cancelled', scheduler_job_id = ?,
    state = 'CANCELLED', updated_at = ? WHERE id = ?`);
  const writeStatus = sqlite.prepare(`UPDATE jobs SET state = ?, node_list = ?, exit_code = ?, started_at = ?,
    ended_at = ?, reason_text = ?, updated_at = ? WHERE id = ?`);
  const byId = sqlite.prepare<[number], ControlJobRow>(`${CONTROL_SELECT} WHERE id = ?`);
  const byKey = sqlite.prepare<[string], ControlJobRow>(`${CONTROL_SELECT} WHERE idem_key = ?`);
  const submitting = sqlite.prepare<[], ControlJobRow>(`${CONTROL_SELECT} WHERE phase = 'submitting' ORDER BY id`);
  const activeOfRun = sqlite.prepare<[number], ControlJobRow>(`${CONTROL_SELECT} WHERE run_id = ?
    AND (phase = 'submitting' OR (phase = 'submitted' AND state NOT IN ${TERMINAL_SQL})) ORDER BY chain_seq, id`);
  const controlOfRun = sqlite.prepare<[number], ControlJobRow>(`${CONTROL_SELECT} WHERE run_id = ? ORDER BY id`);
  const beginSubmit = sqlite.transaction((j: BeginSubmit) => {
    const id = Number(insert.run({ ...j, now: j.now ?? Date.now() }).lastInsertRowid);
    const keys = j.keys(id);
    setKeys.run(keys.idemKey, keys.schedName, id);
    return { id, ...keys };
  });

  return {
    ofRun: (runId) => ofRun.all(runId) as JobRow[],
    last: (runId) => last.get(runId) as Pick<JobRow, 'jobId' | 'state' | 'nodeList'> | undefined,
    beginSubmit: (j) => beginSubmit(j),
    markSubmitted: (id, schedulerJobId, now = Date.now()) => void submitted.run(schedulerJobId, now, now, id),
    markLost: (id, now = Date.now()) => void lost.run(now, id),
    markDuplicate: (id, schedulerJobId, now = Date.now()) => void duplicate.run(schedulerJobId, now, id),
    recordStatus(id, s, now = Date.now()) {
      const row = byId.get(id);
      if (!row) return false;
      const next = { ...row, state: s.state };
      for (const f of PATCH_FIELDS) {
        if (s[f] === undefined) continue;
        // A start or end time is the first one seen: later observations of the same state never move it.
        if (FIRST_SEEN.has(f) && row[f] !== null) continue;
        next[f] = s[f] as never;
      }
      const changed = next.state !== row.state || PATCH_FIELDS.some((f) => next[f] !== row[f]);
      if (!changed) return false;
      writeStatus.run(next.state, next.nodeList, next.exitCode, next.startedAt, next.endedAt, next.reasonText, now, id);
      return true;
    },
    byId: (id) => byId.get(id),
    byIdemKey: (key) => byKey.get(key),
    submitting: () => submitting.all(),
    activeOfRun: (runId) => activeOfRun.all(runId),
    controlOfRun: (runId) => controlOfRun.all(runId),
  };
}
