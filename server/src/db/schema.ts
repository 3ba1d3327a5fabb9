// The database schema (drizzle, SQLite). One file so that drizzle-kit generates one migration stream.
// Why the metric tables have this shape: see SCHEMA.md next to this file.
// Tables and columns are snake_case; TypeScript fields camelCase. Times are epoch milliseconds (integers).
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  real,
  sqliteTable,
  text,
  uniqueIndex,
  type AnySQLiteColumn,
} from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at')
    .notNull()
    .default(sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`);

/**
 * A cluster Trainboard submits to: how to reach it (SSH, host key pinned by a known_hosts file or a fingerprint)
 * and the defaults a submission gets. Secrets never live here: keys are files or an agent, never their bytes.
 * The row named `local` (kind `local`) is created in code by `clusters.ensureLocal()`.
 */
export const clusters = sqliteTable(
  'clusters',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    /** `slurm` (over SSH), `local` (the local executor) or `kubernetes` (settings: kubeconfig, context, namespace…). */
    kind: text('kind').notNull().default('slurm'),
    host: text('host'),
    port: integer('port'),
    sshUser: text('ssh_user'),
    /** `key` (private_key_path) or `agent` (agent_socket, null = $SSH_AUTH_SOCK); null for local. */
    auth: text('auth'),
    privateKeyPath: text('private_key_path'),
    agentSocket: text('agent_socket'),
    knownHostsPath: text('known_hosts_path'),
    /** `SHA256:…` of the host key, when no known_hosts file is given. */
    hostFingerprint: text('host_fingerprint'),
    defaultPartition: text('default_partition'),
    defaultAccount: text('default_account'),
    defaultQos: text('default_qos'),
    /** A file in slurm-templates/profiles/. */
    profile: text('profile'),
    /** `megatron-deepspeed` or `fake-trainer`. */
    template: text('template').notNull().default('megatron-deepspeed'),
    /** Absolute folder on the cluster where run folders are created. */
    jobsRoot: text('jobs_root'),
    fakeTrainerPath: text('fake_trainer_path'),
    /** Non-secret extras. Keys and passwords never live here. */
    settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at'),
    disabledAt: integer('disabled_at'),
  },
  (t) => [
    check('clusters_kind', sql`${t.kind} IN ('slurm', 'local', 'kubernetes')`),
    check('clusters_auth', sql`${t.auth} IS NULL OR ${t.auth} IN ('key', 'agent')`),
    check('clusters_template', sql`${t.template} IN ('megatron-deepspeed', 'fake-trainer')`),
    // An SSH cluster pins its host key exactly one way; `local` has no host, `kubernetes` trusts its kubeconfig.
    check(
      'clusters_host_key',
      sql`${t.kind} IN ('local', 'kubernetes') OR ((${t.knownHostsPath} IS NULL) <> (${t.hostFingerprint} IS NULL))`,
    ),
  ],
);

export const runs = sqliteTable(
  'runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    clusterId: integer('cluster_id').references(() => clusters.id),
    state: text('state').notNull().default('imported'),
    /** The run config as submitted (or the last banner's scraped config for imports). */
    config: text('config', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** Number of process starts (banners) seen so far; the segment of the next iteration rows. */
    segmentCount: integer('segment_count').notNull().default(0),
    createdAt: createdAt(),
    // Desired state (the controller reconciles the cluster towards it). Null = imported/followed only.
    ownerId: integer('owner_id').references((): AnySQLiteColumn => users.id, { onDelete: 'set null' }),
    /** `active` | `held` | `stopped` | `done`; null for runs Trainboard does not control. */
    desiredState: text('desired_state'),
    /** Jobs kept queued, the running one included. */
    chainLength: integer('chain_length').notNull().default(2),
    /** Automatic resubmits after failures the policy may request. */
    maxAutoResubmits: integer('max_auto_resubmits').notNull().default(2),
    /** Slurm hostlist every new job excludes. */
    excludeNodes: text('exclude_nodes'),
    /** The rendered sbatch script: the exact bytes every job of the chain submits. */
    script: text('script'),
    /** sbatch options shared by the chain's jobs (no name/comment/dependency: those are per job). */
    submitOptions: text('submit_options', { mode: 'json' }).$type<Record<string, unknown>>(),
    runDir: text('run_dir'),
    logPath: text('log_path'),
    killSwitchPath: text('kill_switch_path'),
    trainIters: integer('train_iters'),
    /** Bumped by every desired-state change and every observed job change (optimistic concurrency). */
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at'),
  },
  (t) => [
    check(
      'runs_desired_state',
      sql`${t.desiredState} IS NULL OR ${t.desiredState} IN ('active', 'held', 'stopped', 'done')`,
    ),
  ],
);

/**
 * One scheduler job of a run. A controlled job's row exists (phase `submitting`, with its idempotency key) before
 * sbatch is called, so a crash between the two is recovered by looking the key up on the cluster.
 * Rows written before migration 0001 (and imported jobs) have no key.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** Slurm job id as text: array members look like `1528763_4`. Null until sbatch answered. */
    schedulerJobId: text('scheduler_job_id'),
    /** `tb.<install>.<row id>`; null for legacy and imported rows. */
    idemKey: text('idem_key'),
    /** The `--job-name` sent; it carries the key (squeue, sacct and jobcomp all keep the name). */
    schedName: text('sched_name'),
    /** 1, 2, … within the run. */
    chainSeq: integer('chain_seq'),
    clusterId: integer('cluster_id').references(() => clusters.id),
    /** Our side of the submit protocol: `submitting` | `submitted` | `lost` | `duplicate_cancelled`. */
    phase: text('phase').notNull().default('submitted'),
    /** Slurm's state (SUBMITTING until sbatch answered). */
    state: text('state').notNull().default('SUBMITTING'),
    /** The scheduler id in `--dependency=afterany:<id>`. */
    dependsOn: text('depends_on'),
    exclude: text('exclude'),
    /** Why the job exists: `initial` | `chain` | `resubmit` | `exclude` | `policy`. */
    reason: text('reason'),
    actionId: integer('action_id').references((): AnySQLiteColumn => runActions.id, { onDelete: 'set null' }),
    submitAttempts: integer('submit_attempts').notNull().default(0),
    submitStartedAt: integer('submit_started_at'),
    /** Slurm's pending/failure reason. */
    reasonText: text('reason_text'),
    nodeList: text('node_list'),
    exitCode: integer('exit_code'),
    submittedAt: integer('submitted_at'),
    startedAt: integer('started_at'),
    endedAt: integer('ended_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('jobs_run_scheduler_id').on(t.runId, t.schedulerJobId),
    uniqueIndex('jobs_idem_key').on(t.idemKey),
    index('jobs_run_chain_seq').on(t.runId, t.chainSeq),
    index('jobs_phase').on(t.phase),
    check('jobs_phase_values', sql`${t.phase} IN ('submitting', 'submitted', 'lost', 'duplicate_cancelled')`),
  ],
);

/**
 * An operator's (or the policy's) request on a run, executed by the controller: `pending` → `running` →
 * `done`/`failed`; `refused` when checks failed at request time. `commands` are the planned exact argv lists.
 */
export const runActions = sqliteTable(
  'run_actions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    params: text('params', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** Null for the system (policy). */
    requestedBy: integer('requested_by').references((): AnySQLiteColumn => users.id, { onDelete: 'set null' }),
    /** Who asked, as the audit names them (`alice`, `incident policy`): a request without a user is a policy's. */
    actorName: text('actor_name'),
    state: text('state').notNull().default('pending'),
    commands: text('commands', { mode: 'json' }).$type<unknown[]>(),
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    expectedVersion: integer('expected_version'),
    createdAt: createdAt(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
  },
  (t) => [
    index('run_actions_state').on(t.state),
    index('run_actions_run').on(t.runId, t.id),
    check(
      'run_actions_kind',
      sql`${t.kind} IN ('cancel_job', 'cancel_run', 'resubmit', 'exclude', 'save_exit', 'hold', 'release', 'set_chain_length', 'submit')`,
    ),
    check('run_actions_state_values', sql`${t.state} IN ('pending', 'running', 'done', 'failed', 'refused')`),
  ],
);

/** The controller lease: one holder at a time, `token` +1 on every takeover (fencing). */
export const controlLease = sqliteTable('control_lease', {
  name: text('name').primaryKey(),
  /** `host:pid:random`. */
  holder: text('holder').notNull(),
  token: integer('token').notNull(),
  acquiredAt: integer('acquired_at').notNull(),
  expiresAt: integer('expires_at').notNull(),
  renewedAt: integer('renewed_at').notNull(),
});

/**
 * One followed or imported log file and its cursor. `byte_offset`/`line` are the parser's resume point,
 * committed in the same transaction as the rows parsed before it (exactly-once ingest).
 * The identity fields detect a file that was replaced or truncated under the cursor.
 */
export const logSources = sqliteTable(
  'log_sources',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    jobId: integer('job_id').references(() => jobs.id),
    path: text('path').notNull(),
    inode: integer('inode'),
    /** File size when last read. */
    size: integer('size').notNull().default(0),
    /** sha256 (hex) of the first `head_length` bytes. */
    headHash: text('head_hash'),
    headLength: integer('head_length').notNull().default(0),
    byteOffset: integer('byte_offset').notNull().default(0),
    line: integer('line').notNull().default(1),
    /** Ingest state that must survive a restart with the cursor (time-estimation anchors). */
    ingestState: text('ingest_state', { mode: 'json' }).$type<Record<string, unknown>>(),
    /**
     * Where a source that is not a file resumes (a Kubernetes pod log: the container instance and the last
     * committed line's timestamp with how many lines share it). Committed with byte_offset, which then counts the
     * de-duplicated lines handed to the parser. Null for files, whose byte offset is the whole cursor.
     */
    streamCursor: text('stream_cursor', { mode: 'json' }).$type<Record<string, unknown>>(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('log_sources_run_path').on(t.runId, t.path)],
);

/**
 * One row per logged iteration: typed columns for the fields every fork prints, `extra` for the rest.
 * `is_current` is false once a later process start ran the same iteration again (restart from a checkpoint).
 */
export const iterations = sqliteTable(
  'iterations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    logSourceId: integer('log_source_id')
      .notNull()
      .references(() => logSources.id, { onDelete: 'cascade' }),
    byteOffset: integer('byte_offset').notNull(),
    line: integer('line').notNull(),
    segment: integer('segment').notNull(),
    isCurrent: integer('is_current', { mode: 'boolean' }).notNull(),
    iteration: integer('iteration').notNull(),
    trainIters: integer('train_iters').notNull(),
    /** Arrival time (live), the line's own timestamp (NVIDIA), or an estimate (historical import). */
    timeMs: integer('time_ms'),
    timeEstimated: integer('time_estimated', { mode: 'boolean' }).notNull(),
    consumedSamples: integer('consumed_samples'),
    consumedTokens: integer('consumed_tokens'),
    iterationTimeMs: real('iteration_time_ms'),
    learningRate: real('learning_rate'),
    globalBatchSize: integer('global_batch_size'),
    lmLoss: real('lm_loss'),
    lossScale: real('loss_scale'),
    gradNorm: real('grad_norm'),
    numZeros: real('num_zeros'),
    skippedIterations: integer('skipped_iterations'),
    nanIterations: integer('nan_iterations'),
    samplesPerSecond: real('samples_per_second'),
    tflops: real('tflops'),
    /** Interval includes start-up, evaluation or checkpoint time: throughput views skip it. */
    overhead: integer('overhead', { mode: 'boolean' }).notNull(),
    rank: integer('rank'),
    extra: text('extra', { mode: 'json' }).$type<Record<string, number | string>>(),
  },
  (t) => [
    uniqueIndex('iterations_source_offset').on(t.logSourceId, t.byteOffset),
    // "current series of run R between iterations a and b" is a range scan of this index.
    index('iterations_run_current').on(t.runId, t.isCurrent, t.iteration),
  ],
);

/** One row per (iteration, validation group), e.g. BLOOM's 29 `valid_<lang>` groups every eval. */
export const validations = sqliteTable(
  'validations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    logSourceId: integer('log_source_id')
      .notNull()
      .references(() => logSources.id, { onDelete: 'cascade' }),
    byteOffset: integer('byte_offset').notNull(),
    line: integer('line').notNull(),
    segment: integer('segment').notNull(),
    isCurrent: integer('is_current', { mode: 'boolean' }).notNull(),
    /** The iteration evaluated; for end-of-training evaluations, the last iteration seen. */
    iteration: integer('iteration'),
    endOfTraining: integer('end_of_training', { mode: 'boolean' }).notNull(),
    groupName: text('group_name').notNull(),
    split: text('split'),
    timeMs: integer('time_ms'),
    timeEstimated: integer('time_estimated', { mode: 'boolean' }).notNull(),
    lmLoss: real('lm_loss'),
    ppl: real('ppl'),
    extra: text('extra', { mode: 'json' }).$type<Record<string, number | string>>(),
  },
  (t) => [
    uniqueIndex('validations_source_offset').on(t.logSourceId, t.byteOffset),
    index('validations_run_current').on(t.runId, t.isCurrent, t.groupName, t.iteration),
  ],
);

/**
 * Everything else the parser reports: run_start, checkpoint_saved/loaded, exit, failure, pulse, datetime.
 * Typed columns for what lists and timelines filter on, the whole event in `payload`.
 */
export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    logSourceId: integer('log_source_id')
      .notNull()
      .references(() => logSources.id, { onDelete: 'cascade' }),
    byteOffset: integer('byte_offset').notNull(),
    line: integer('line').notNull(),
    segment: integer('segment').notNull(),
    type: text('type').notNull(),
    /** failure kind or exit reason. */
    kind: text('kind'),
    iteration: integer('iteration'),
    timeMs: integer('time_ms'),
    timeEstimated: integer('time_estimated', { mode: 'boolean' }).notNull(),
    message: text('message'),
    payload: text('payload', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
  },
  (t) => [
    // `type` is part of the key because one line can be two events (an exit milestone is also a `datetime:`).
    uniqueIndex('events_source_offset_type').on(t.logSourceId, t.byteOffset, t.type),
    index('events_run_type').on(t.runId, t.type, t.byteOffset),
  ],
);

export const nodes = sqliteTable(
  'nodes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    clusterId: integer('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    state: text('state'),
    gpus: integer('gpus'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('nodes_cluster_name').on(t.clusterId, t.name)],
);

export const nodeSamples = sqliteTable(
  'node_samples',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    nodeId: integer('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    timeMs: integer('time_ms').notNull(),
    gpuIndex: integer('gpu_index'),
    gpuUtil: real('gpu_util'),
    memUsedMb: real('mem_used_mb'),
    temperatureC: real('temperature_c'),
    eccErrors: integer('ecc_errors'),
  },
  (t) => [index('node_samples_node_time').on(t.nodeId, t.timeMs)],
);

export const users = sqliteTable(
  'users',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    username: text('username').notNull().unique(),
    /** scrypt hash with its parameters; never the password. */
    passwordHash: text('password_hash').notNull(),
    role: text('role').notNull().default('viewer'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at'),
    disabledAt: integer('disabled_at'),
    passwordChangedAt: integer('password_changed_at'),
  },
  (t) => [check('users_role', sql`${t.role} IN ('viewer', 'operator', 'admin')`)],
);

/** The express-session store. Keyed by sha256 of the session id: a leaked database leaks no usable session. */
export const sessions = sqliteTable(
  'sessions',
  {
    sidHash: text('sid_hash').primaryKey(),
    /** Null before sign-in (a session can carry a CSRF token first). */
    userId: integer('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The session object as express-session serialised it. */
    data: text('data').notNull(),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
    lastSeenAt: integer('last_seen_at'),
    ip: text('ip'),
    /** Truncated to 200 characters. */
    userAgent: text('user_agent'),
  },
  (t) => [index('sessions_expires').on(t.expiresAt), index('sessions_user').on(t.userId)],
);

/** API tokens (the CLI): the secret is shown once; only its sha256 is stored. */
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** First characters of the secret, for lists. */
    prefix: text('prefix').notNull(),
    /** At most this role; the effective role is min(token role, user role) at use time. */
    role: text('role').notNull(),
    createdAt: createdAt(),
    lastUsedAt: integer('last_used_at'),
    expiresAt: integer('expires_at'),
    revokedAt: integer('revoked_at'),
  },
  (t) => [
    index('api_tokens_user').on(t.userId),
    check('api_tokens_role', sql`${t.role} IN ('viewer', 'operator', 'admin')`),
  ],
);

/** One-time sign-in links (the demo): consumed by a single conditional UPDATE. */
export const loginLinks = sqliteTable('login_links', {
  tokenHash: text('token_hash').primaryKey(),
  userId: integer('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expiresAt: integer('expires_at').notNull(),
  usedAt: integer('used_at'),
  createdAt: createdAt(),
});

/**
 * Who did what, when, with which exact command and result. `actor_name` is a snapshot that survives the user's
 * deletion. A mutation's `requested` row and its effect commit in one transaction; `finish` records the outcome.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    atMs: integer('at_ms').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    /** Free text target (rows before 0001); new rows use target_kind/target_id. */
    target: text('target'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** `user` | `token` | `system` | `local` (the CLI on the host). */
    actorKind: text('actor_kind').notNull().default('system'),
    actorName: text('actor_name'),
    tokenId: integer('token_id').references(() => apiTokens.id, { onDelete: 'set null' }),
    requestId: text('request_id'),
    targetKind: text('target_kind'),
    targetId: text('target_id'),
    // No foreign keys: the history outlives the run or cluster.
    runId: integer('run_id'),
    clusterId: integer('cluster_id'),
    /** The exact scheduler command as shell text, e.g. `scancel 1234`. */
    command: text('command'),
    /** `requested` | `ok` | `failed` | `refused`. */
    result: text('result').notNull().default('ok'),
    errorCode: text('error_code'),
    /** Generic text, never secrets. */
    message: text('message'),
  },
  (t) => [
    index('audit_log_at').on(t.atMs),
    index('audit_log_run_at').on(t.runId, t.atMs),
    index('audit_log_actor_at').on(t.actorName, t.atMs),
  ],
);

/** Install-wide values created on first use: `install_id` (in every idempotency key), `session_secret`. */
export const serverSettings = sqliteTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/**
 * A run published at /p/<slug> (issue 12): the publisher's own title and description (never the run's name), and
 * whether the public timeline may name nodes. One publication per run; a slug names one run. Deleted to unpublish
 * (the audit log keeps the history).
 */
export const publications = sqliteTable('publications', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  runId: integer('run_id')
    .notNull()
    .unique()
    .references(() => runs.id, { onDelete: 'cascade' }),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  description: text('description'),
  showNodes: integer('show_nodes', { mode: 'boolean' }).notNull().default(false),
  createdAt: createdAt(),
  updatedAt: integer('updated_at').notNull(),
  /** The actor's name snapshot, as in audit_log. */
  publishedBy: text('published_by'),
});

/**
 * Incidents the live detectors found (issue 15), one row per (run, key): the detectors' key is stable across
 * replays of the same log, so a restart's catch-up updates rows instead of adding them. Typed columns hold what
 * the list orders and filters on; `body` the rest of the incident (evidence, action, details) as JSON.
 */
export const incidents = sqliteTable(
  'incidents',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    kind: text('kind').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    failureKind: text('failure_kind'),
    title: text('title').notNull(),
    iteration: integer('iteration'),
    byteOffset: integer('byte_offset'),
    jobId: text('job_id'),
    openedAt: integer('opened_at').notNull(),
    resolvedAt: integer('resolved_at'),
    body: text('body', { mode: 'json' }).notNull().$type<Record<string, unknown>>(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('incidents_run_key').on(t.runId, t.key),
    index('incidents_run_open').on(t.runId, t.resolvedAt, t.openedAt),
  ],
);
