// The detector contract (issue 15): every detector is a small state machine fed the run's events in log order,
// each with its time. The same code runs live (times are arrival times, tick() when nothing arrives) and on an
// imported log (times come from the log's own stamps and iteration times, see logClock.ts; tick() once at the end).
import type { LogEvent } from '../log/events.js';
import type { ClusterFacts, NodeGpuFacts } from './clusterFacts.js';
import type { Incident } from './incident.js';
import type { RunState } from './runState.js';

/** One parser event with its time: epoch ms live, or the log's own clock on import (logClock.ts). */
export interface DetectInput {
  event: LogEvent;
  timeMs: number;
}

/**
 * Slurm facts about the run's job (squeue/sacct), for detectors that need them (F4 "still RUNNING", F10–F13).
 * A typed hook only: the offline replay has none, and no detector of this layer requires them.
 */
export interface JobFacts {
  timeMs: number;
  jobId: string;
  /** Slurm state as printed: RUNNING, PENDING, COMPLETED, FAILED, NODE_FAIL, TIMEOUT, CANCELLED, … */
  state: string;
  nodes: string[];
  reason?: string | null;
}

/** Node facts (sinfo / nvidia-smi), for F7/F12 later. A typed hook only. */
export interface NodeFacts {
  timeMs: number;
  node: string;
  state: string;
}

export interface Detector {
  /** The next event in log order. */
  observe(e: DetectInput): void;
  /** Time passes with no new event (live); also once at the end of an offline replay, with the last time seen. */
  tick(nowMs: number): void;
  /** Everything opened so far (open and resolved), at most one per failure group. */
  incidents(): Incident[];
  observeJob?(facts: JobFacts): void;
  observeNodes?(facts: NodeFacts): void;
  /** The scheduler's and the filesystem's view of the run, once per incident tick (F10–F13, F17). */
  observeCluster?(facts: ClusterFacts): void;
  /** One node's GPUs (nvidia-smi), to name the suspect node of a throughput regression (F7). */
  observeGpus?(facts: NodeGpuFacts): void;
}

/** What every detector may read: the run's shared state, already updated for the event being observed. */
export interface DetectContext {
  readonly run: RunState;
}

export type DetectorFactory = (ctx: DetectContext) => Detector;
