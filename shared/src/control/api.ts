// The control plane's HTTP contract: what the CLI and the dashboard send to submit a run and act on it, and what
// the server answers. Zod at the boundary; the types are inferred so both sides read the same shapes.
import { z } from 'zod';
import { HOSTLIST } from '../slurm/submit.js';

export const ACTION_KINDS = [
  'cancel_job',
  'cancel_run',
  'resubmit',
  'exclude',
  'save_exit',
  'hold',
  'release',
  'set_chain_length',
  'submit',
] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

export const MAX_CHAIN_LENGTH = 10;
const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;
const CLUSTER_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const PRESET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SCHEDULER_JOB_ID = /^\d{1,12}$/;

/** POST /api/runs and /api/runs/preview. `config` is a parsed run config (YAML/JSON object), or `{preset}`. */
export const RunCreateSchema = z.strictObject({
  cluster: z.string().regex(CLUSTER_NAME, { message: 'must be a cluster name' }),
  config: z.union([
    z.strictObject({ preset: z.string().regex(PRESET_NAME, { message: 'must be a preset name' }) }),
    z.record(z.string(), z.unknown()),
  ]),
  /** The run's name (letters, digits, `.`, `_`, `-`; ≤ 40 so the keyed job name stays ≤ 64). Default: the config's. */
  name: z
    .string()
    .regex(RUN_NAME, { message: 'must be a run name: letters, digits, `.`, `_`, `-` (max 40)' })
    .optional(),
  /** How many jobs are kept queued (the running one included), each `afterany` the previous. */
  chainLength: z.int().min(1).max(MAX_CHAIN_LENGTH).default(2),
  dryRun: z.boolean().optional(),
  /** fake-trainer template only: wall time the fake sleeps per iteration (tests and demos). */
  fakeSecondsPerIteration: z.number().positive().max(60).optional(),
});
export type RunCreate = z.infer<typeof RunCreateSchema>;
export type RunCreateInput = z.input<typeof RunCreateSchema>;

export const ActionRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('cancel_job'),
    jobId: z.string().regex(SCHEDULER_JOB_ID, { message: 'must be a job id' }),
  }),
  z.strictObject({ kind: z.literal('cancel_run') }),
  z.strictObject({ kind: z.literal('resubmit') }),
  z.strictObject({
    kind: z.literal('exclude'),
    nodes: z.string().max(1000).regex(HOSTLIST, { message: 'must be a node list such as `c[1-2],c4`' }),
  }),
  z.strictObject({ kind: z.literal('save_exit') }),
  z.strictObject({ kind: z.literal('hold') }),
  z.strictObject({ kind: z.literal('release') }),
  z.strictObject({ kind: z.literal('set_chain_length'), length: z.int().min(1).max(MAX_CHAIN_LENGTH) }),
]);
export type ActionRequest = z.infer<typeof ActionRequestSchema>;

/** POST /api/runs/:id/actions body. */
export const ActionPostSchema = z.strictObject({
  action: ActionRequestSchema,
  /** The `version` of the preview the user confirmed; a different current version answers 409 `run_changed`. */
  expectedVersion: z.int().min(1),
});
export type ActionPost = z.infer<typeof ActionPostSchema>;

/** POST /api/runs/:id/actions/preview answer: what confirming would do, exactly. */
export interface ActionPreview {
  runId: number;
  version: number;
  action: ActionRequest;
  /** Exact scheduler/shell commands as shell text, in order (`scancel 1234`, `sbatch --parsable …`). */
  commands: string[];
  /** Plain-language consequences (`job 1234 is cancelled`, `the chain is held`). */
  effects: string[];
  /** Set when the action cannot be done now (e.g. release on a run that is not held); requesting it is refused. */
  refusal: string | null;
}

/** POST /api/runs/:id/actions answer (202). */
export interface ActionAccepted {
  actionId: number;
  version: number;
}

/** 409 body when the run changed since the preview. */
export interface RunChangedError {
  code: 'run_changed';
  message: string;
  currentVersion: number;
}

export type DesiredState = 'active' | 'held' | 'stopped' | 'done';
export type ActionState = 'pending' | 'running' | 'done' | 'failed' | 'refused';
export type JobPhase = 'submitting' | 'submitted' | 'lost' | 'duplicate_cancelled';

export interface ControlJobDto {
  chainSeq: number | null;
  schedulerJobId: string | null;
  phase: JobPhase | null;
  state: string;
  dependsOn: string | null;
  exclude: string | null;
  reason: string | null;
  nodeList: string | null;
  exitCode: number | null;
}

export interface ActionDto {
  id: number;
  kind: ActionKind;
  params: Record<string, unknown>;
  state: ActionState;
  requestedBy: string;
  commands: string[];
  result: Record<string, unknown> | null;
  createdAt: number;
  finishedAt: number | null;
}

/** GET /api/runs/:id/control. Paths (run dir, log, kill switch) only for operators and above. */
export interface RunControlDto {
  runId: number;
  name: string;
  cluster: string | null;
  desiredState: DesiredState | null;
  version: number;
  chainLength: number;
  /**
   * @deprecated Decides nothing: automatic restarts are limited by the run's recovery policy window
   * (`maxRestartsPerWindow` in `windowHours`, GET /api/runs/:id/recovery-policy). Kept for old API clients; never
   * show it as a limit.
   */
  maxAutoResubmits: number;
  excludeNodes: string | null;
  trainIters: number | null;
  jobs: ControlJobDto[];
  pendingActions: ActionDto[];
  paths?: { runDir: string | null; logPath: string | null; killSwitchPath: string | null };
}

/** POST /api/runs/preview (and dry runs): the exact bytes and argv a submit would send. */
export interface SubmitPreviewDto {
  ok: boolean;
  issues: { severity: string; rule: string; path: string; why: string; fix: string }[];
  runName: string | null;
  cluster: string;
  chainLength: number;
  /** The sbatch script, exactly as it will be sent on stdin. */
  script: string | null;
  /** One argv per job of the chain (job names carry the key once assigned; shown with a placeholder here). */
  sbatchArgv: string[][];
  runDir: string | null;
  files: string[];
}

/** POST /api/runs answer (201). */
export interface RunCreated {
  runId: number;
  version: number;
  auditId: number;
}

export const AUDIT_RESULTS = ['requested', 'ok', 'failed', 'refused'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export interface AuditEntryDto {
  id: number;
  atMs: number;
  actorKind: 'user' | 'token' | 'system' | 'local';
  actorName: string;
  action: string;
  targetKind: string | null;
  targetId: string | null;
  runId: number | null;
  cluster: string | null;
  /** The exact scheduler command, as shell text. */
  command: string | null;
  result: AuditResult;
  errorCode: string | null;
  message: string | null;
}

export const AuditQuerySchema = z.strictObject({
  run: z.coerce.number().int().min(1).optional(),
  actor: z.string().max(64).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
