// The nodes of each watched run, polled from the scheduler on one timer shared by every viewer: a browser request
// reads the cache and never reaches slurmctld (a 48-node production cluster must not see one sinfo per tab).
// Per poll: one `sinfo` for the cluster, one `squeue` for the watched runs' jobs, and one GPU probe per running
// job. When nvidia-smi is missing the probe says so once and is not asked again for a while. A run may also be
// watched with nobody viewing it (`watch`: the incident detection of a run with an open throughput regression), and
// every GPU sample of a run's running job goes to the `onGpus` listeners (F7's suspect node).
import type { EventsRepo } from '../db/events.repo.js';
import type { JobsRepo } from '../db/jobs.repo.js';
import type { Logger } from 'pino';
import type { NodeGpuFacts } from '@trainboard/shared/detect/clusterFacts';
import { summarizeGpuProbe } from '@trainboard/shared/nodes/nvidiaSmi';
import { buildNodeTiles, suspectsFromFailures, type FailureNaming } from '@trainboard/shared/nodes/tiles';
import type { GpuMetricsState, GpuSample, RunNodes } from '@trainboard/shared/nodes/types';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { InvalidSubmitSpecError, JOB_ID } from '@trainboard/shared/slurm/submit';
import type { NodeStatus } from '@trainboard/shared/slurm/types';
import type { ClusterBackend, StatusReport } from '../adapters/clusterBackend.js';
import type { GpuProbe } from './gpuProbe.js';

export interface NodesServiceOptions {
  /** The runs' recorded jobs and failures (the repositories, not the connection). */
  repos: { jobs: JobsRepo; events: EventsRepo };
  backend: Pick<ClusterBackend, 'nodes' | 'status' | 'jobNodes'>;
  /** null: this scheduler has no way to reach the nodes' GPUs. */
  gpuProbe: GpuProbe | null;
  logger: Logger;
  /** Between polls (default 15 s): node states change in minutes, GPU throttling persists. */
  pollMs?: number;
  /** After nvidia-smi was found missing or failing, ask again after this long (default 10 min). */
  gpuRetryMs?: number;
  /** A run nobody asked about for this long is no longer polled (default 60 s). */
  watchTtlMs?: number;
  now?: () => number;
}

export interface NodesService {
  /** The run's nodes from the cache; only the first request for a run waits for a poll. */
  forRun(runId: number): Promise<RunNodes>;
  /** One poll of every watched run now; concurrent calls share it. The timer calls this. */
  poll(): Promise<void>;
  /** Keeps the run in the next polls (for the watch TTL) without waiting for one. */
  watch(runId: number): void;
  /** Called with each GPU sample of a watched run's running job, one entry per node. */
  onGpus(listener: GpuListener): () => void;
  start(): void;
  stop(): Promise<void>;
}

interface WatchedJob {
  jobId: string;
  state: string;
  nodes: string[];
}

interface WatchedRun {
  watchedAtMs: number;
  polledAtMs: number | null;
  job: WatchedJob | null;
}

interface GpuResult {
  state: GpuMetricsState;
  reason: string | null;
  byNode: Map<string, GpuSample[]>;
  skippedLines: number;
  atMs: number | null;
}

interface ClusterView {
  nodes: Map<string, NodeStatus>;
  atMs: number | null;
  error: string | null;
}

type JobRow = NonNullable<ReturnType<JobsRepo['last']>>;

const RUNNING = new Set(['RUNNING', 'COMPLETING']);

export function createNodesService(o: NodesServiceOptions): NodesService {
  const now = o.now ?? Date.now;
  const pollMs = o.pollMs ?? 15_000;
  const watchTtlMs = o.watchTtlMs ?? 60_000;
  const sampleGpus = createGpuSampler(o);
  const runs = new Map<number, WatchedRun>();
  const gpus = new Map<string, GpuResult>();
  let cluster: ClusterView = { nodes: new Map(), atMs: null, error: null };
  let inflight: Promise<void> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  const gpuListeners = new Set<GpuListener>();

  async function pollOnce(): Promise<void> {
    const t = now();
    for (const [id, w] of runs) if (t - w.watchedAtMs > watchTtlMs) runs.delete(id);
    if (runs.size === 0) return;
    cluster = await readCluster(o.backend, cluster, t);
    const rows = new Map([...runs.keys()].map((id) => [id, o.repos.jobs.last(id)]));
    // Only ids Slurm could have printed reach the scheduler; anything else keeps the database's view.
    const ids = [...new Set([...rows.values()].flatMap((r) => (r && JOB_ID.test(r.jobId) ? [r.jobId] : [])))];
    const live = ids.length ? await o.backend.status(ids).catch(() => null) : null;
    const running = new Map<string, string[]>();
    for (const [id, row] of rows) {
      const w = runs.get(id);
      if (!w) continue;
      w.polledAtMs = t;
      w.job = row ? await currentJob(o.backend, row, live) : null;
      if (!w.job) continue;
      const { jobId, state, nodes } = w.job;
      if (!JOB_ID.test(jobId))
        gpus.set(jobId, noGpuSample('unavailable', `job id ${JSON.stringify(jobId)} is not a Slurm job id`, t));
      else if (RUNNING.has(state) && nodes.length) running.set(jobId, nodes);
      else gpus.set(jobId, noGpuSample('not_running', `job ${jobId} is ${state}`, t));
    }
    for (const [jobId, nodes] of running) gpus.set(jobId, await sampleGpus(jobId, nodes, t));
    tellGpus(runs, gpus, gpuListeners, o.logger);
  }

  function watch(runId: number): void {
    const w = runs.get(runId);
    if (w) w.watchedAtMs = now();
    else runs.set(runId, { watchedAtMs: now(), polledAtMs: null, job: null });
  }

  function poll(): Promise<void> {
    inflight ??= pollOnce().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  function build(runId: number): RunNodes {
    const job = runs.get(runId)?.job ?? null;
    const gpu = job ? gpus.get(job.jobId) : undefined;
    return runNodesView(runId, job, gpu, cluster, suspectsOf(o.repos.events, runId), now());
  }

  return {
    async forRun(runId) {
      watch(runId);
      // A poll already running may have read the run list before this run joined it: then one more.
      for (let i = 0; i < 2 && runs.get(runId)?.polledAtMs === null; i++) await poll();
      return build(runId);
    },
    poll,
    watch,
    onGpus(listener) {
      gpuListeners.add(listener);
      return () => gpuListeners.delete(listener);
    },
    start() {
      timer ??= setInterval(
        () => void poll().catch((err: unknown) => o.logger.error({ err: (err as Error).message }, 'nodes poll failed')),
        pollMs,
      );
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await inflight?.catch(() => undefined);
    },
  };
}

/** One sinfo: the cluster's node states; on failure the last known states, marked stale by the error. */
async function readCluster(
  backend: NodesServiceOptions['backend'],
  previous: ClusterView,
  t: number,
): Promise<ClusterView> {
  try {
    return { nodes: new Map((await backend.nodes()).map((n) => [n.name, n])), atMs: t, error: null };
  } catch (err) {
    return { ...previous, error: (err as Error).message }; // keep the last known states, say they are stale
  }
}

/** The run's last job as the scheduler reports it now, else as the database recorded it. */
async function currentJob(
  backend: NodesServiceOptions['backend'],
  row: JobRow,
  live: StatusReport | null,
): Promise<WatchedJob> {
  const status = live?.jobs.find((j) => j.id === row.jobId || j.jobId === row.jobId);
  const state = status?.state ?? row.state;
  let nodes = status?.nodes.length ? status.nodes : expandHostlist(row.nodeList);
  if (nodes.length === 0 && RUNNING.has(state) && JOB_ID.test(row.jobId))
    nodes = await backend.jobNodes(row.jobId).catch(() => []);
  return { jobId: row.jobId, state, nodes };
}

type GpuListener = (runId: number, facts: NodeGpuFacts[]) => void;

/** Hands each watched run's latest GPU sample of its running job to the listeners (F7). */
function tellGpus(
  runs: Map<number, WatchedRun>,
  gpus: Map<string, GpuResult>,
  listeners: Set<GpuListener>,
  logger: Logger,
): void {
  if (!listeners.size) return;
  for (const [runId, w] of runs) {
    const sample = w.job ? gpus.get(w.job.jobId) : undefined;
    if (!w.job || sample?.state !== 'ok' || sample.atMs === null) continue;
    const facts = gpuFacts(w.job.jobId, sample.byNode, sample.atMs);
    for (const l of listeners) {
      try {
        l(runId, facts);
      } catch (err) {
        logger.warn({ err: (err as Error).message, runId }, 'a GPU listener failed');
      }
    }
  }
}

/** A sample in the detectors' terms (shared/src/detect/clusterFacts.ts). */
function gpuFacts(jobId: string, byNode: Map<string, GpuSample[]>, atMs: number): NodeGpuFacts[] {
  return [...byNode].map(([node, list]) => ({
    timeMs: atMs,
    jobId,
    node,
    gpus: list.map((g) => ({
      index: g.index,
      smClockMhz: g.smClockMhz,
      maxSmClockMhz: g.maxSmClockMhz ?? null,
      temperatureC: g.temperatureC,
      utilizationPct: g.utilPct,
    })),
  }));
}

function noGpuSample(state: GpuMetricsState, reason: string, t: number): GpuResult {
  return { state, reason, byNode: new Map(), skippedLines: 0, atMs: t };
}

/**
 * Returns a sampler of a running job's GPUs. When nvidia-smi is missing or failing it says so once, and answers
 * that without probing until the retry delay has passed.
 */
function createGpuSampler(
  o: Pick<NodesServiceOptions, 'gpuProbe' | 'logger' | 'gpuRetryMs'>,
): (jobId: string, nodes: string[], t: number) => Promise<GpuResult> {
  const gpuRetryMs = o.gpuRetryMs ?? 600_000;
  let gpuBlocked: { untilMs: number; reason: string } | null = null;
  return async function sampleGpus(jobId, nodes, t) {
    const unavailable = (reason: string): GpuResult => noGpuSample('unavailable', reason, t);
    if (!o.gpuProbe) return unavailable("this scheduler offers no way to query the nodes' GPUs");
    if (gpuBlocked && t < gpuBlocked.untilMs) return unavailable(gpuBlocked.reason);
    try {
      const out = await o.gpuProbe.sample(jobId, nodes.length);
      if (out.parse.hosts.length === 0) {
        // The step did not start (job ending, srun refused): not a fact about the nodes, so try again next poll.
        return unavailable(out.stderr.trim().split('\n')[0] || `the probe step printed nothing (exit ${out.exitCode})`);
      }
      const summary = summarizeGpuProbe(out.parse);
      if (summary.state === 'unavailable') {
        if (gpuBlocked?.reason !== summary.reason)
          o.logger.warn({ jobId, reason: summary.reason, retryMs: gpuRetryMs }, 'GPU metrics unavailable');
        gpuBlocked = { untilMs: t + gpuRetryMs, reason: summary.reason };
        return unavailable(summary.reason);
      }
      gpuBlocked = null;
      const byNode = new Map<string, GpuSample[]>();
      for (const h of out.parse.hosts) {
        const node = h.node ?? nodes[Number(h.task)] ?? null; // --ntasks-per-node=1: task i runs on the i-th node
        if (node && h.gpus.length) byNode.set(node, h.gpus);
      }
      if (out.parse.skipped.length)
        o.logger.warn({ jobId, skipped: out.parse.skipped.slice(0, 3) }, 'nvidia-smi lines skipped');
      return { state: 'ok', reason: summary.reason, byNode, skippedLines: out.parse.skipped.length, atMs: t };
    } catch (err) {
      if (err instanceof InvalidSubmitSpecError)
        return unavailable(`job id ${JSON.stringify(jobId)} is not a Slurm job id`);
      return unavailable(`GPU probe failed: ${(err as Error).message}`);
    }
  };
}

/** The nodes the run's failures name as suspects. */
function suspectsOf(events: EventsRepo, runId: number) {
  const named: FailureNaming[] = events.failures(runId).map((r) => {
    const p = safeJson(r.payload);
    const nodes = Array.isArray(p.nodes) ? p.nodes.filter((n): n is string => typeof n === 'string') : [];
    return {
      kind: r.kind ?? 'unknown',
      timeMs: r.timeMs,
      message: r.message ?? '',
      nodes,
      shutdownNoise: p.shutdownNoise === true,
      iteration: typeof p.lastIteration === 'number' ? p.lastIteration : null,
    };
  });
  return suspectsFromFailures(named);
}

/** What the run's nodes page shows, from the cached job, GPU sample and cluster states. */
function runNodesView(
  runId: number,
  job: WatchedJob | null,
  gpu: GpuResult | undefined,
  cluster: ClusterView,
  suspects: ReturnType<typeof suspectsFromFailures>,
  nowMs: number,
): RunNodes {
  const nodes = buildNodeTiles({
    jobNodes: job?.nodes ?? [],
    cluster: cluster.nodes,
    suspects,
    gpusByNode: gpu?.byNode ?? new Map(),
  });
  return {
    runId,
    job: job ? { jobId: job.jobId, state: job.state } : null,
    nodes,
    gpu: gpu
      ? { state: gpu.state, reason: gpu.reason, sampledAtMs: gpu.atMs, skippedLines: gpu.skippedLines }
      : {
          state: job ? 'pending' : 'not_running',
          reason: job ? null : 'the run has no job',
          sampledAtMs: null,
          skippedLines: 0,
        },
    slurm: { sampledAtMs: cluster.atMs, error: cluster.error },
    nowMs,
  };
}

function safeJson(text: string | null): Record<string, unknown> {
  if (text === null) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
