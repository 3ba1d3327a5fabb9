// What the control plane needs from a scheduler. Slurm (over SSH or locally), the local executor and Kubernetes
// implement it, so nothing above this layer knows about sbatch or Jobs.
import type { JobHistoryRecord, JobStatus, NodeStatus } from '@trainboard/shared/slurm/types';
import type { SubmitSpec } from '@trainboard/shared/slurm/submit';
import type { PartitionNodeFact, ReservationFact } from '@trainboard/shared/detect/clusterFacts';
import type { ClusterRow } from '../db/clusters.repo.js';
import type { PodLogApi } from '../follow/podLogPort.js';
import type { RenderRequest } from '../render/renderRunConfig.js';
import type { GpuProbe } from '../nodes/gpuProbe.js';

export interface SubmittedJob {
  jobId: string;
  cluster: string | null;
}

export interface StatusReport {
  /** One record per job, and one per array member (pending members may be grouped as `123_[2-3%1]`). */
  jobs: JobStatus[];
  /** Ids the scheduler no longer knows (aged out): ask history(). */
  missing: string[];
}

/** Where history came from: a real accounting database, the job-completion file, or only the live queue. */
export type HistorySource = 'accounting' | 'jobcomp' | 'queue';

export interface HistoryReport {
  source: HistorySource;
  records: JobHistoryRecord[];
  /** Set when the preferred source was unavailable and a weaker one answered. */
  note: string | null;
}

export interface HistoryQuery {
  jobIds?: string[];
  /** `YYYY-MM-DDTHH:MM:SS` (cluster-local), for sacct -S. */
  since?: string;
}

/** A partition as the scheduler reports it, with the reservations that cover its nodes (F11–F13). */
export interface PartitionReport {
  partition: string;
  state: 'up' | 'down' | 'drain' | 'inactive' | 'maint';
  nodes: PartitionNodeFact[];
  reservations: ReservationFact[];
}

/** df of the filesystem that holds a path, and du of one folder on it (F17). */
export interface DiskReport {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** du of the folder asked for, or null when it does not exist or could not be read (unknown). */
  folderBytes: number | null;
}

/** One run's disk read: the path whose filesystem df reads, and the folder du sizes (none: null). */
export interface DiskRequest {
  path: string;
  folder: string | null;
}

/**
 * The most requests one disks() call is given to stay within readBudgetsMs.disk (a caller with more makes
 * several calls, each under its budget).
 */
export const DISK_REQUESTS_PER_READ = 64;

/** A stack dump of a running job's training processes (F3, before cancelling a hang). */
export interface StackDumpReport {
  ok: boolean;
  /** py-spy through `srun --overlap`; a signal the template traps (SIGUSR1 → faulthandler into the log); none. */
  method: 'py-spy' | 'signal' | 'none';
  /** What was done and where the stacks are, in words (no secrets); the py-spy text is stored, not sent here. */
  detail: string;
}

/**
 * How a cluster entry's runs are rendered on this backend (ClusterBackend.renderTarget): the renderer's extra
 * options and where run folders are as the jobs see them; or why the entry cannot run anything (safe to show).
 */
export type RenderTarget =
  { ok: true; render: Pick<RenderRequest, 'kubernetes'>; jobsRoot: string } | { ok: false; message: string };

export interface ClusterBackend {
  readonly kind: 'slurm' | 'kubernetes' | 'local';
  /** Where it runs, for messages (no secrets). */
  readonly target: string;
  submit(spec: SubmitSpec): Promise<SubmittedJob>;
  /** State of many jobs in one round trip (two when finished jobs need exit codes). */
  status(jobIds: readonly string[]): Promise<StatusReport>;
  history(query?: HistoryQuery): Promise<HistoryReport>;
  cancel(jobIds: readonly string[]): Promise<void>;
  /** Submits the script of an earlier job again, with new options (e.g. `exclude` of a bad node). */
  resubmit(jobId: string, options: Omit<SubmitSpec, 'script'>): Promise<SubmittedJob>;
  nodes(): Promise<NodeStatus[]>;
  /** Node names a job runs (or ran) on; [] while pending or when unknown. */
  jobNodes(jobId: string): Promise<string[]>;
  /**
   * Every job the scheduler knows under each name (none → []): the live queue first, then history (since, as for
   * history()) for names the queue no longer holds. The control plane finds its jobs by their keyed names.
   */
  lookupByNames(names: readonly string[], since?: string): Promise<Map<string, JobStatus[]>>;
  /** Keeps pending jobs from starting (`scontrol hold`). */
  hold(jobIds: readonly string[]): Promise<void>;
  /** Lets held jobs start (`scontrol release`). */
  release(jobIds: readonly string[]): Promise<void>;
  /** Replaces the excluded nodes of pending jobs (`scontrol update JobId=… ExcNodeList=…`). */
  updateExclude(jobIds: readonly string[], hostlist: string): Promise<void>;
  /** The partition's state, nodes and reservations (default partition when null); optional (F11–F13). */
  partition?(partition: string | null): Promise<PartitionReport>;
  /**
   * df of the filesystem that holds each request's path, du of its folder (F17), for many runs in one df and one
   * du; optional. Answers in request order; a request that could not be read (path missing, unreadable, refused)
   * is an Error there and the others still answer. Rejects only when the read as a whole failed.
   */
  disks?(requests: readonly DiskRequest[]): Promise<(DiskReport | Error)[]>;
  /**
   * The longest each cluster-state read can take by the backend's own command timeouts (the shell kills a command
   * at its timeout), so a caller's budget can wait for that kill instead of abandoning a command still running.
   * Optional; a read absent here is bounded by the caller's default. `disk`: one disks() call of up to
   * DISK_REQUESTS_PER_READ requests.
   */
  readonly readBudgetsMs?: Partial<Record<'status' | 'partition' | 'disk', number>>;
  /**
   * Samples nvidia-smi on the nodes of a running job (Slurm: an `srun --overlap` step over its shell); optional.
   * Absent (Kubernetes: no step into a pod), node health is what nodes() reports.
   */
  gpuProbe?(): GpuProbe;
  /** Dumps the stacks of a running job's training processes; optional (a hang's recovery tries it first). */
  stackDump?(jobId: string): Promise<StackDumpReport>;
  /**
   * Where the log of a job submitted with `spec` is read from, for a backend whose jobs each have their own log
   * stream (Kubernetes: the leader pod's log, a `k8s://` source). Absent: every job appends to the run's main log
   * file on the cluster's filesystem, registered once when the run is submitted.
   */
  jobLogSource?(spec: SubmitSpec): string;
  /**
   * The API the log follower reads this cluster's per-job log sources through (Kubernetes: the pod log API with
   * the kubeconfig this backend loaded). Present exactly when jobLogSource is; one per call (callers keep it).
   */
  logStreams?(): PodLogApi;
  /**
   * What an operation does, in this backend's own terms, for the audit trail and the action preview (absent: the
   * Slurm command text). The control plane records this instead of an sbatch/scontrol line it never ran.
   */
  describe?(op: BackendOperation): string;
  /**
   * Throws (a message safe to show) when this cluster could never create a job from `spec`: names, excluded nodes or
   * manifest it cannot honour. Called before a run or an exclusion is recorded, so a refusal is said at once.
   */
  checkSubmit?(spec: SubmitSpec): void;
  /**
   * How runs of the cluster entry `row` render here (Kubernetes: a manifest for the entry's image, volume and
   * workload, run folders under its jobs root or volume). Absent: the batch script, run folders under row.jobsRoot.
   */
  renderTarget?(row: ClusterRow): Promise<RenderTarget>;
  /** False when the server cannot reach run folders (no shell): the cluster's files cannot set or clear anything. */
  readonly runFolderAccess?: boolean;
  /**
   * Sets a run's kill-switch file from inside a running job, for a backend without run-folder access (Kubernetes:
   * `touch -- path` exec'd in the leader pod's trainer container, which mounts the run folder). Rejects, having done
   * nothing, when no pod of the job runs or the path is not a plain absolute path. Such a backend's jobs remove the
   * switch themselves when they start (the node script), so the control plane has nothing to clear before a
   * resubmit or a release. Absent: the cluster's files (SSH) touch and remove it.
   */
  touchInJob?(jobId: string, path: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A backend's refusal of updateExclude for a job that cannot change in place (Kubernetes: a started Job's pod
 * template is frozen). The control plane answers it by replacing the job (cancel, then submit with the exclusions).
 * A marker, not a class, so a backend's own error hierarchy keeps its place.
 */
export interface ExcludeNeedsResubmit {
  readonly needsResubmit: true;
}

export function isExcludeNeedsResubmit(err: unknown): err is ExcludeNeedsResubmit {
  return typeof err === 'object' && err !== null && (err as { needsResubmit?: unknown }).needsResubmit === true;
}

/** An operation of the control plane on a backend, to describe (ClusterBackend.describe). */
export type BackendOperation =
  | { kind: 'submit'; spec: SubmitSpec }
  | { kind: 'cancel'; ids: readonly string[] }
  | { kind: 'hold'; ids: readonly string[] }
  | { kind: 'release'; ids: readonly string[] }
  | { kind: 'updateExclude'; id: string; hostlist: string }
  | { kind: 'touchInJob'; id: string; path: string }
  | { kind: 'clearedAtStart'; path: string };
