// What the scheduler and the cluster's machines say about a run, beyond its log (issue 15: F7 suspects, F10–F13,
// F17). The server gathers one snapshot per run on its incident tick (squeue/sacct of the run's jobs, sinfo of the
// partition, reservations, the checkpoint filesystem, nvidia-smi per node) and hands it to the detectors' optional
// `observeCluster` / `observeNodes` hooks. Pure data, so the detectors stay pure and a test builds it by hand.

/** One job of the run as the scheduler reports it. */
export interface RunJobFact {
  jobId: string;
  /** RUNNING, PENDING, COMPLETED, FAILED, NODE_FAIL, TIMEOUT, CANCELLED, PREEMPTED, REQUEUED, … */
  state: string;
  /** Slurm's reason for a pending job (`Resources`, `Priority`, `ReqNodeNotAvail`, `Dependency`, `JobHeldUser`…). */
  reason: string | null;
  nodes: string[];
  /** Nodes the job asks for (`--nodes`), when known. */
  nodesRequested: number | null;
}

/** One node of the run's partition (sinfo). */
export interface PartitionNodeFact {
  name: string;
  /** Base state, lower case: idle, mixed, allocated, down, drained, draining, maint, reserved, … */
  state: string;
  reason: string | null;
  /** sinfo's `*` suffix: slurmctld has lost contact with the node's slurmd (optional: older facts lack it). */
  notResponding?: boolean;
}

/** A reservation or maintenance window that covers nodes of the partition (`scontrol show reservation`). */
export interface ReservationFact {
  name: string;
  /** Flags as printed, upper case: MAINT, OVERLAP, … */
  flags: string[];
  startMs: number;
  endMs: number;
  nodes: string[];
}

/** The filesystem that holds the run's checkpoints (df), and what one checkpoint costs (du of the latest). */
export interface FilesystemFact {
  path: string;
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** Size of the latest checkpoint folder, or null when none exists yet. */
  checkpointBytes: number | null;
  /** Median time between the run's completed saves, or null before two saves. */
  saveIntervalMs: number | null;
}

export interface ClusterFacts {
  timeMs: number;
  /** The run is finished (trained to its target) or stopped by a person: nothing running is then expected. */
  runEnded: boolean;
  /** Trainboard controls the run (it submitted it and should keep it going): desired state `active`. */
  controlled: boolean;
  /** The run's jobs the scheduler knows now (live queue and recent history), oldest first. */
  jobs: RunJobFact[];
  partition: string | null;
  /** null when the backend could not list the partition this tick. */
  partitionState: 'up' | 'down' | 'drain' | 'inactive' | 'maint' | null;
  partitionNodes: PartitionNodeFact[] | null;
  reservations: ReservationFact[] | null;
  /** Nodes one job of the run needs, and the run's exclusion list. */
  nodesRequired: number | null;
  excludedNodes: string[];
  filesystem: FilesystemFact | null;
  /**
   * The wall-clock limit of the run's next job (ms), when known: a maintenance reservation starting within it
   * concerns the run now (F13). Optional: facts built without it look only at reservations active now.
   */
  timeLimitMs?: number | null;
  /**
   * A restart the recovery policy has planned and waits to make (its backoff): nothing running is then expected
   * until `notBeforeMs`. Optional: absent or null when none is planned.
   */
  restartPending?: { notBeforeMs: number } | null;
  /** An open maintenance incident holds the run's automatic restarts (F13): nothing running is expected. */
  maintenanceHold?: boolean;
}

/** One GPU on one node (nvidia-smi), for naming the suspect node of a throughput regression (F7). */
export interface GpuFact {
  index: number;
  smClockMhz: number | null;
  maxSmClockMhz: number | null;
  temperatureC: number | null;
  utilizationPct: number | null;
}

/** What one node of the run's current job reports, per GPU (the nodes service's probe). */
export interface NodeGpuFacts {
  timeMs: number;
  jobId: string | null;
  node: string;
  gpus: GpuFact[];
}
