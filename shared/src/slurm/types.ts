// Scheduler-neutral job and node records, shared by the server (which fills them) and the web (which shows them).

/** Slurm job states (long form). `state` keeps unknown values as written. */
export const JOB_STATES = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
  'RESIZING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'SPECIAL_EXIT',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'REVOKED',
] as const;
export type JobState = (typeof JOB_STATES)[number];

const TERMINAL: ReadonlySet<string> = new Set([
  'COMPLETED',
  'CANCELLED',
  'FAILED',
  'TIMEOUT',
  'NODE_FAIL',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
  'OUT_OF_MEMORY',
  'REVOKED',
]);

/** True when the job will not run again by itself (a requeue makes it PENDING again). */
export function isTerminalState(state: string): boolean {
  return TERMINAL.has(state);
}

export interface JobStatus {
  /** The id as Slurm prints it: `123`, or `123_4` for an array member, `123_[5-9%1]` for pending members. */
  id: string;
  /** The numeric job id of this record (an array member has its own). */
  jobId: string;
  arrayJobId: string | null;
  /** Task index, or the pending range such as `[2-3%1]`. */
  arrayTaskId: string | null;
  name: string;
  state: string;
  /** Why it is pending or how it ended (`Dependency`, `JobArrayTaskLimit`, `NonZeroExitCode`, …); null for `None`. */
  reason: string | null;
  /** Slurm hostlist expression, e.g. `c[1-2]`; null before it starts. */
  nodeList: string | null;
  nodes: string[];
  partition: string | null;
  submitTime: string | null;
  startTime: string | null;
  endTime: string | null;
  elapsedSeconds: number | null;
  timeLimitSeconds: number | null;
  nodeCount: number | null;
  /** Exit code of the batch script (`3` from `3:0`); null while unknown. */
  exitCode: number | null;
  /** Signal that ended it (`15` from `0:15`); null while unknown. */
  exitSignal: number | null;
}

export interface JobHistoryRecord {
  id: string;
  name: string;
  state: string;
  /** `CANCELLED by 1001` → 1001. */
  cancelledBy: string | null;
  exitCode: number | null;
  exitSignal: number | null;
  startTime: string | null;
  endTime: string | null;
  elapsedSeconds: number | null;
  nodeList: string | null;
  nodes: string[];
  partition: string | null;
}

/** The history record of a status (what sacct would list for it); `cancelledBy` only the caller can know. */
export function historyRecordOf(s: JobStatus, cancelledBy: string | null = null): JobHistoryRecord {
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    cancelledBy,
    exitCode: s.exitCode,
    exitSignal: s.exitSignal,
    startTime: s.startTime,
    endTime: s.endTime,
    elapsedSeconds: s.elapsedSeconds,
    nodeList: s.nodeList,
    nodes: s.nodes,
    partition: s.partition,
  };
}

export interface NodeStatus {
  name: string;
  /** Base state in lower case: idle, mixed, allocated, down, drained, draining, completing, … */
  state: string;
  /** The state as printed, with suffixes (`down*`). */
  rawState: string;
  /** `*`: the node does not respond. */
  notResponding: boolean;
  cpus: number | null;
  memoryMb: number | null;
  gpus: number | null;
  reason: string | null;
  /**
   * Recent disruptions of work on the node (Kubernetes pod events: evictions, preemptions), newest first. Absent
   * where the scheduler reports none (Slurm's node failures reach the run through its jobs and log instead).
   */
  disruptions?: NodeDisruption[];
}

/** One disruption of a pod (a job's task) on a node, as its event said it. */
export interface NodeDisruption {
  kind: 'evicted' | 'preempted' | 'oom' | 'node-not-ready';
  /** The pod it happened to. */
  pod: string;
  message: string;
  atMs: number | null;
}
