// The run-control repository: a controlled run's desired state (what the controller reconciles the cluster towards)
// and its version, bumped by every desired-state change and every observed job change (optimistic concurrency).
import type Database from 'better-sqlite3';

export type DesiredState = 'active' | 'held' | 'stopped' | 'done';

/** The fields operators change through actions; `setDesired` patches them under a version check. */
export interface Desired {
  /** Null = imported/followed only. */
  desiredState: DesiredState | null;
  chainLength: number;
  maxAutoResubmits: number;
  /** Slurm hostlist every new job excludes. */
  excludeNodes: string | null;
}

export interface RunControlRow extends Desired {
  runId: number;
  name: string;
  /** The observed run state (`runs.state`). */
  state: string;
  clusterId: number | null;
  ownerId: number | null;
  /** The exact sbatch script bytes every job of the chain submits. */
  script: string | null;
  /** sbatch options shared by the chain (`Omit<SubmitSpec, 'script'|'name'|'comment'|'dependency'>`). */
  submitOptions: Record<string, unknown> | null;
  runDir: string | null;
  logPath: string | null;
  killSwitchPath: string | null;
  trainIters: number | null;
  version: number;
  createdAt: number;
  updatedAt: number | null;
}

export interface NewControlledRun {
  name: string;
  clusterId: number;
  ownerId: number | null;
  config?: Record<string, unknown> | null;
  /** Default `active`. */
  desiredState?: DesiredState;
  chainLength?: number;
  maxAutoResubmits?: number;
  excludeNodes?: string | null;
  script: string;
  submitOptions: Record<string, unknown>;
  runDir: string;
  logPath: string;
  killSwitchPath: string;
  trainIters: number | null;
  /** Default `submitted`. */
  state?: string;
}

export type SetDesiredResult = 'ok' | 'version_conflict';

export interface RunControlRepo {
  /** Creates the runs row with its desired state (version 1). @throws on a duplicate run name. */
  create(r: NewControlledRun, now?: number): RunControlRow;
  get(runId: number): RunControlRow | undefined;
  /** Runs the controller reconciles: desired state `active`, `held` or `stopped` (not `done`, not imported). */
  active(): RunControlRow[];
  /**
   * Patches the desired state when the run is still at `expectedVersion`, bumping the version.
   * A missing run is a conflict too (it changed: it is gone).
   */
  setDesired(runId: number, patch: Partial<Desired>, expectedVersion: number, now?: number): SetDesiredResult;
  /** +1 on the version (an observed change); returns the new version (0 when the run does not exist). */
  bumpVersion(runId: number, now?: number): number;
  /** Sets the observed run state (e.g. `done`) and bumps the version; returns the new version. */
  setState(runId: number, state: string, now?: number): number;
}

const SELECT = `SELECT id AS runId, name, state, cluster_id AS clusterId, owner_id AS ownerId,
  desired_state AS desiredState, chain_length AS chainLength, max_auto_resubmits AS maxAutoResubmits,
  exclude_nodes AS excludeNodes, script, submit_options AS submitOptions, run_dir AS runDir, log_path AS logPath,
  kill_switch_path AS killSwitchPath, train_iters AS trainIters, version, created_at AS createdAt,
  updated_at AS updatedAt FROM runs`;

const DESIRED_COLUMNS: Record<keyof Desired, string> = {
  desiredState: 'desired_state',
  chainLength: 'chain_length',
  maxAutoResubmits: 'max_auto_resubmits',
  excludeNodes: 'exclude_nodes',
};

type StoredRow = Omit<RunControlRow, 'submitOptions'> & { submitOptions: string | null };
const fromStored = (r: StoredRow | undefined): RunControlRow | undefined =>
  r && {
    ...r,
    submitOptions: r.submitOptions === null ? null : (JSON.parse(r.submitOptions) as Record<string, unknown>),
  };

export function createRunControlRepo(sqlite: Database.Database): RunControlRepo {
  const insert = sqlite.prepare(`INSERT INTO runs (name, cluster_id, owner_id, state, config, desired_state,
    chain_length, max_auto_resubmits, exclude_nodes, script, submit_options, run_dir, log_path, kill_switch_path,
    train_iters, version, created_at, updated_at)
    VALUES (@name, @clusterId, @ownerId, @state, @config, @desiredState, @chainLength, @maxAutoResubmits,
    @excludeNodes, @script, @submitOptions, @runDir, @logPath, @killSwitchPath, @trainIters, 1, @now, @now)`);
  const get = sqlite.prepare<[number], StoredRow>(`${SELECT} WHERE id = ?`);
  const active = sqlite.prepare<[], StoredRow>(
    `${SELECT} WHERE desired_state IN ('active', 'held', 'stopped') ORDER BY id`,
  );
  const bump = sqlite.prepare<[number, number], { version: number }>(
    'UPDATE runs SET version = version + 1, updated_at = ? WHERE id = ? RETURNING version',
  );
  const setState = sqlite.prepare<[string, number, number], { version: number }>(
    'UPDATE runs SET state = ?, version = version + 1, updated_at = ? WHERE id = ? RETURNING version',
  );

  return {
    create(r, now = Date.now()) {
      const info = insert.run({
        name: r.name,
        clusterId: r.clusterId,
        ownerId: r.ownerId,
        state: r.state ?? 'submitted',
        config: r.config == null ? null : JSON.stringify(r.config),
        desiredState: r.desiredState ?? 'active',
        chainLength: r.chainLength ?? 2,
        maxAutoResubmits: r.maxAutoResubmits ?? 2,
        excludeNodes: r.excludeNodes ?? null,
        script: r.script,
        submitOptions: JSON.stringify(r.submitOptions),
        runDir: r.runDir,
        logPath: r.logPath,
        killSwitchPath: r.killSwitchPath,
        trainIters: r.trainIters,
        now,
      });
      return fromStored(get.get(Number(info.lastInsertRowid)))!;
    },
    get: (runId) => fromStored(get.get(runId)),
    active: () => active.all().map((r) => fromStored(r)!),
    setDesired(runId, patch, expectedVersion, now = Date.now()) {
      const fields = (Object.keys(DESIRED_COLUMNS) as (keyof Desired)[]).filter((f) => patch[f] !== undefined);
      const sets = [...fields.map((f) => `${DESIRED_COLUMNS[f]} = ?`), 'version = version + 1', 'updated_at = ?'];
      // The version check and the write are one statement: no other writer can slip in between.
      const changes = sqlite
        .prepare(`UPDATE runs SET ${sets.join(', ')} WHERE id = ? AND version = ?`)
        .run(...fields.map((f) => patch[f] ?? null), now, runId, expectedVersion).changes;
      return changes === 1 ? 'ok' : 'version_conflict';
    },
    bumpVersion: (runId, now = Date.now()) => bump.get(now, runId)?.version ?? 0,
    setState: (runId, state, now = Date.now()) => setState.get(state, now, runId)?.version ?? 0,
  };
}
