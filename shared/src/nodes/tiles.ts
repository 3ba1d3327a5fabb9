// Assembles the nodes view of a run from what the server gathered: the job's node names, Slurm's view of the
// cluster, the failures the log named nodes in, and the GPU rows per node. Pure, so the rules (which failures make
// a node suspect, which GPU is slow, the order of the tiles) are tested without a scheduler.
import { failureText } from '../dashboard/jobs.js';
import { mostSpecificFailure } from '../log/classify.js';
import type { NodeStatus } from '../slurm/types.js';
import { slowGpuReasons } from './slowGpu.js';
import type { GpuSample, NodeSuspicion, NodeTile } from './types.js';

export interface FailureNaming {
  kind: string;
  timeMs: number | null;
  message: string;
  nodes: readonly string[];
  /** Shutdown noise after a clean exit (`driver shutting down`) accuses no node. */
  shutdownNoise: boolean;
  /** The last iteration logged before it: the reports of one crash share it. */
  iteration: number | null;
}

/**
 * Per node named by a failure of the run: the latest incident that named it and how many did (F2 repeat offenders,
 * F9). An incident is the run of consecutive reports of one crash (same last iteration): the CUDA error names the
 * kind, srun's task exit names the node, so the node is suspected of the CUDA error, under the same name
 * (failureText) as the jobs table and the chart marks give it.
 */
export function suspectsFromFailures(failures: readonly FailureNaming[]): Map<string, NodeSuspicion> {
  const out = new Map<string, NodeSuspicion>();
  for (const incident of incidentsOf(failures.filter((f) => !f.shutdownNoise))) {
    const named = mostSpecificFailure(incident) as FailureNaming;
    const latest = incident.at(-1) as FailureNaming;
    const text = failureText(named.kind) ?? named.kind;
    for (const node of new Set(incident.flatMap((f) => f.nodes))) {
      const count = (out.get(node)?.count ?? 0) + 1;
      // Input is in log order: the last incident wins.
      out.set(node, { kind: named.kind, text, timeMs: latest.timeMs, message: named.message, count });
    }
  }
  return out;
}

function incidentsOf(failures: readonly FailureNaming[]): FailureNaming[][] {
  const incidents: FailureNaming[][] = [];
  for (const f of failures) {
    const current = incidents.at(-1);
    const previous = current?.at(-1);
    if (current && previous && f.iteration !== null && f.iteration === previous.iteration) current.push(f);
    else incidents.push([f]);
  }
  return incidents;
}

export interface TileInputs {
  /** Nodes of the current (or last) job, in hostlist order. */
  jobNodes: readonly string[];
  cluster: ReadonlyMap<string, NodeStatus>;
  suspects: ReadonlyMap<string, NodeSuspicion>;
  gpusByNode: ReadonlyMap<string, readonly GpuSample[]>;
}

/** Job nodes first (hostlist order), then suspects outside the job, most recent failure first. */
export function buildNodeTiles(input: TileInputs): NodeTile[] {
  const inJob = new Set(input.jobNodes);
  const outside = [...input.suspects]
    .filter(([name]) => !inJob.has(name))
    .sort(([, a], [, b]) => (b.timeMs ?? 0) - (a.timeMs ?? 0))
    .map(([name]) => name);
  // Slow is judged across every GPU of the job: a throttled GPU stands out against siblings on all its nodes.
  const jobGpus = input.jobNodes.flatMap((n) => input.gpusByNode.get(n) ?? []);
  const reasons = slowGpuReasons(jobGpus);
  const slow = new Map(jobGpus.map((g, i) => [g, reasons[i] ?? null]));
  return [...input.jobNodes, ...outside].map((name) => {
    const s = input.cluster.get(name);
    return {
      name,
      inJob: inJob.has(name),
      slurm: s
        ? {
            state: s.state,
            rawState: s.rawState,
            notResponding: s.notResponding,
            reason: s.reason,
            cpus: s.cpus,
            gpus: s.gpus,
            ...(s.disruptions?.length ? { disruptions: s.disruptions } : {}),
          }
        : null,
      suspect: input.suspects.get(name) ?? null,
      gpus: (input.gpusByNode.get(name) ?? []).map((g) => ({ ...g, slow: slow.get(g) ?? null })),
    };
  });
}
