// What the control plane needs from the data layer and the clusters, as narrow interfaces: the services and the
// controller depend on these, store.ts adapts the repositories to them, and the unit tests use in-memory fakes.
import type {
  ActionKind,
  ActionRequest,
  ActionState,
  AuditResult,
  DesiredState,
  JobPhase,
} from '@trainboard/shared/control/api';
import type { RunSubmitOptions } from '@trainboard/shared/control/commands';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import type { Shell } from '../adapters/shell.js';
import type { RemoteFiles } from '../adapters/sshFiles.js';
import type { ClusterRow } from '../clusters/types.js';

/** A run the control plane owns: its desired state and everything needed to submit its jobs. */
export interface ControlRun {
  runId: number;
  name: string;
  clusterId: number;
  desired: DesiredState | null;
  version: number;
  chainLength: number;
  maxAutoResubmits: number;
  excludeNodes: string | null;
  /** The rendered sbatch script: the exact bytes every job of the run is submitted with. */
  script: string;
  submitOptions: RunSubmitOptions;
  runDir: string | null;
  logPath: string | null;
  killSwitchPath: string | null;
  trainIters: number | null;
}

export type JobReason = 'initial' | 'chain' | 'resubmit' | 'exclude' | 'policy';

export interface ControlJob {
  id: number;
  runId: number;
  chainSeq: number;
  schedulerJobId: string | null;
  idemKey: string;
  schedName: string;
  phase: JobPhase;
  state: string;
  dependsOn: string | null;
  exclude: string | null;
  reason: JobReason;
  nodeList: string | null;
  reasonText: string | null;
  exitCode: number | null;
  submitStartedAt: number;
}

export interface ControlAction {
  id: number;
  runId: number;
  kind: ActionKind;
  request: ActionRequest;
  state: ActionState;
  requestedBy: number | null;
  actorName: string;
  commands: string[];
  result: Record<string, unknown> | null;
  createdAt: number;
  finishedAt: number | null;
}

/** Who did it, as the audit records it (a snapshot: survives the user's deletion). */
export interface ActorRef {
  kind: 'user' | 'token' | 'system' | 'local';
  userId: number | null;
  name: string;
  tokenId?: number | null;
  requestId?: string | null;
}

export interface AuditRecord {
  actor: ActorRef;
  action: string;
  targetKind: string | null;
  targetId: string | null;
  runId: number | null;
  clusterId: number | null;
  command: string | null;
  result: AuditResult;
  errorCode?: string | null;
  message?: string | null;
  /** Structured facts for the reader and for the recovery ledger (`recovery.restart`: cause, counted, n). */
  details?: Record<string, unknown> | null;
}

export interface NewControlledRun {
  name: string;
  clusterId: number;
  ownerId: number | null;
  chainLength: number;
  maxAutoResubmits: number;
  script: string;
  submitOptions: RunSubmitOptions;
  runDir: string;
  logPath: string;
  killSwitchPath: string | null;
  trainIters: number | null;
  config: Record<string, unknown>;
  /** The run's initial exclusion list: the config's `cluster.exclude`, so later exclusions add to it. */
  excludeNodes?: string | null;
}

export interface DesiredPatch {
  desired?: DesiredState;
  chainLength?: number;
  excludeNodes?: string | null;
}

export interface JobStatusPatch {
  state: string;
  /** Absent: keep the stored one (a requeued job shows none, and its last allocation is what failed). */
  nodeList?: string | null;
  reasonText: string | null;
  exitCode: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface ControlStore {
  /** One SQLite transaction: a mutation and its audit row commit together or not at all. */
  transaction<T>(fn: () => T): T;
  installId(): string;
  createRun(r: NewControlledRun): { runId: number; version: number };
  run(runId: number): ControlRun | undefined;
  runIdByName(name: string): number | undefined;
  /**
   * Registers a log of the run so the dashboard follows it: the run's main log file (an absolute path; it may not
   * exist yet), or one job's own log stream (ClusterBackend.jobLogSource: a `k8s://` pod log source).
   */
  followLog(runName: string, path: string, now: number): void;
  /** Runs with a desired state the controller still has to act on (not `done`). */
  controlledRuns(): ControlRun[];
  setDesired(runId: number, patch: DesiredPatch, expectedVersion: number): 'ok' | 'version_conflict';
  bumpVersion(runId: number): number;
  lastIteration(runId: number): number | null;
  jobsOfRun(runId: number): ControlJob[];
  submittingJobs(): ControlJob[];
  beginSubmit(j: {
    runId: number;
    clusterId: number;
    chainSeq: number;
    baseName: string;
    dependsOn: string | null;
    exclude: string | null;
    reason: JobReason;
    actionId: number | null;
    now: number;
  }): ControlJob;
  markSubmitted(jobRowId: number, schedulerJobId: string, now: number): void;
  markLost(jobRowId: number, now: number): void;
  markDuplicate(jobRowId: number, schedulerJobId: string, now: number): void;
  /** Returns true when anything changed. */
  recordStatus(jobRowId: number, s: JobStatusPatch, now: number): boolean;
  insertAction(a: {
    runId: number;
    request: ActionRequest;
    actor: ActorRef;
    /** The planned argv lists (stored with their shell text). */
    commands: string[][];
    /** What each command does in the backend's own words, stored instead of its shell text (ClusterBackend.describe). */
    texts?: string[];
    expectedVersion: number;
    now: number;
  }): number;
  pendingActions(): ControlAction[];
  /** Scheduler ids of the run's jobs cancelled by a done `cancel_job` action (recent actions only). */
  cancelledOnRequest(runId: number): string[];
  action(id: number): ControlAction | undefined;
  startAction(id: number): void;
  finishAction(id: number, state: ActionState, result: Record<string, unknown>, now: number): void;
  audit(e: AuditRecord, now: number): number;
}

/** The scheduler operations the controller uses (PLAN §3.2). */
export type ControlBackend = Pick<
  ClusterBackend,
  | 'submit'
  | 'cancel'
  | 'lookupByNames'
  | 'hold'
  | 'release'
  | 'updateExclude'
  | 'partition'
  | 'jobLogSource'
  | 'describe'
  | 'runFolderAccess'
  | 'touchInJob'
  | 'checkSubmit'
  | 'renderTarget'
>;

export interface ControlCluster {
  id: number;
  name: string;
  row: ClusterRow;
  backend: ControlBackend;
  shell: Shell;
  files: RemoteFiles;
}

export interface ClusterAccess {
  /** @throws when no such cluster exists */
  get(nameOrId: string | number): ControlCluster;
}

/** Tells browsers a run changed (socket.io `run.updated` / `action.finished`); no-ops in tests. */
export interface ControlEvents {
  runUpdated(runId: number, version: number): void;
  actionFinished(runId: number, actionId: number, state: ActionState): void;
}

export const SYSTEM_ACTOR: ActorRef = { kind: 'system', userId: null, name: 'system' };
