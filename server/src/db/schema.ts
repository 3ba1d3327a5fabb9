// The database schema (drizzle, SQLite). One file so that drizzle-kit generates one migration stream.
// Why the metric tables have this shape: see SCHEMA.md next to this file.
// Tables and columns are snake_case; TypeScript fields camelCase. Times are epoch milliseconds (integers).
import { sql } from 'drizzle-orm';
import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const createdAt = () =>
  integer('created_at')
    .notNull()
    .default(sql`(CAST(unixepoch('subsec') * 1000 AS INTEGER))`);

export const clusters = sqliteTable('clusters', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  /** `slurm` today; `kubernetes` later. */
  kind: text('kind').notNull().default('slurm'),
  host: text('host'),
  port: integer('port'),
  sshUser: text('ssh_user'),
  /** Non-secret settings (partitions, account, log root). Keys and passwords never live here. */
  settings: text('settings', { mode: 'json' }).$type<Record<string, unknown>>(),
  createdAt: createdAt(),
});

export const runs = sqliteTable('runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  clusterId: integer('cluster_id').references(() => clusters.id),
  state: text('state').notNull().default('imported'),
  /** The run config as submitted (or the last banner's scraped config for imports). */
  config: text('config', { mode: 'json' }).$type<Record<string, unknown>>(),
  /** Number of process starts (banners) seen so far; the segment of the next iteration rows. */
  segmentCount: integer('segment_count').notNull().default(0),
  createdAt: createdAt(),
});

export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** Slurm job id as text: array members look like `1528763_4`. */
    schedulerJobId: text('scheduler_job_id').notNull(),
    state: text('state').notNull(),
    nodeList: text('node_list'),
    exitCode: integer('exit_code'),
    submittedAt: integer('submitted_at'),
    startedAt: integer('started_at'),
    endedAt: integer('ended_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('jobs_run_scheduler_id').on(t.runId, t.schedulerJobId)],
);

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

export const users = sqliteTable('users', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  username: text('username').notNull().unique(),
  /** scrypt/argon2 hash with its parameters; never the password. */
  passwordHash: text('password_hash').notNull(),
  role: text('role').notNull().default('viewer'),
  createdAt: createdAt(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    /** sha256 of the session token: a leaked database does not leak usable sessions. */
    tokenHash: text('token_hash').primaryKey(),
    userId: integer('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    atMs: integer('at_ms').notNull(),
    userId: integer('user_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    target: text('target'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_at').on(t.atMs)],
);
