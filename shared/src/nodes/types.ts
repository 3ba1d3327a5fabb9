// What the nodes view shows for a run: its job's nodes with their Slurm state, the nodes its failures named
// (suspects, F2/F9), and per-GPU metrics when the nodes have nvidia-smi. Filled by the server, drawn by the web.
import type { NodeDisruption } from '../slurm/types.js';

export type { NodeDisruption };

/** One GPU as nvidia-smi reported it; null where it printed `[N/A]` or nothing usable. */
export interface GpuSample {
  index: number;
  name: string | null;
  utilPct: number | null;
  memUsedMb: number | null;
  memTotalMb: number | null;
  temperatureC: number | null;
  powerW: number | null;
  smClockMhz: number | null;
  /** clocks.max.sm; absent from samples taken before it was queried. */
  maxSmClockMhz?: number | null;
  /** Why this GPU looks slow against its siblings in the job (`sm clock 900 MHz < 90% of median 1410`), or null. */
  slow: string | null;
}

export interface NodeSuspicion {
  /** The failure kind of the latest incident that named the node (`node_failure`, `ecc_error`, …). */
  kind: string;
  /** That failure's one name, as the jobs table and chart marks give it ('CUDA error'): show this, not `kind`. */
  text: string;
  timeMs: number | null;
  message: string;
  /** How many failure incidents of the run named it. */
  count: number;
}

export interface NodeTile {
  name: string;
  /** True for a node of the current (or last) job; false for a suspect from an earlier job. */
  inJob: boolean;
  /** Slurm's view (sinfo); null when the scheduler does not list it (renamed, removed, or not answered yet). */
  slurm: {
    state: string;
    rawState: string;
    notResponding: boolean;
    reason: string | null;
    cpus: number | null;
    gpus: number | null;
    /** Recent evictions and preemptions on the node (Kubernetes), newest first; absent when none. */
    disruptions?: NodeDisruption[];
  } | null;
  suspect: NodeSuspicion | null;
  gpus: GpuSample[];
}

/**
 * `ok`: metrics below; `unavailable`: nvidia-smi missing or failing (reason says which; asked again later);
 * `not_running`: the job is not running, nothing to measure; `pending`: not sampled yet.
 */
export type GpuMetricsState = 'ok' | 'unavailable' | 'not_running' | 'pending';

export interface RunNodes {
  runId: number;
  job: { jobId: string; state: string } | null;
  nodes: NodeTile[];
  gpu: { state: GpuMetricsState; reason: string | null; sampledAtMs: number | null; skippedLines: number };
  slurm: { sampledAtMs: number | null; error: string | null };
  nowMs: number;
}
