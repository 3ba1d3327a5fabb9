// The nodes of each watched run, polled from the scheduler on one timer shared by every viewer: a browser request
// reads the cache and never reaches slurmctld (a 48-node production cluster must not see one sinfo per tab).
// Per poll: one `sinfo` for the cluster, one `squeue` for the watched runs' jobs, and one GPU probe per running
// job. When nvidia-smi is missing the probe says so once and is not asked again for a while.
import type { EventsRepo } from '../db/events.repo.js';
import type { JobsRepo } from '../db/jobs.repo.js';
import type { Logger } from 'pino';
import { summarizeGpuProbe } from '@trainboard/shared/nodes/nvidiaSmi';
import { buildNodeTiles, suspectsFromFailures, type FailureNaming } from '@trainboard/shared/nodes/tiles';
import type { GpuMetricsState, GpuSample, RunNodes } from '@trainboard/shared/nodes/types';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { InvalidSubmitSpecError, JOB_ID } from '@trainboard/shared/slurm/submit';
import type { NodeStatus } from '@trainboard/shared/slurm/types';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
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
  start(): void;
  stop(): Promise<void>;
}

interface WatchedRun {
  watchedAtMs: number;
  polledAtMs: number | null;
  job: { jobId: string; state: string; nodes: string[] } | null;
}

interface GpuResult {
  state: GpuMetricsState;
  reason: string | null;
  byNode: Map<string, GpuSample[]>;
  skippedLines: number;
  atMs: number | null;
}

const RUNNING = new Set(['RUNNING', 'COMPLETING']);

export function createNodesService(o: NodesServiceOptions): NodesService {
  const now = o.now ?? Date.now;
  const pollMs = o.pollMs ?? 15_000;
  const gpuRetryMs = o.gpuRetryMs ?? 600_000;
  const watchTtlMs = o.watchTtlMs ?? 60_000;
  const runs = new Map<number, WatchedRun>();
  const gpus = new Map<string, GpuResult>();
  let cluster: { nodes: Map<string, NodeStatus>; atMs: number | null; error: string | null } = {
    nodes: new Map(),
    atMs: null,
    error: null,
  };
  let gpuBlocked: { untilMs: number; reason: string } | null = null;
  let inflight: Promise<void> | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;

  async function pollOnce(): Promise<void> {
    const t = now();
    for (const [id, w] of runs) if (t - w.watchedAtMs > watchTtlMs) runs.delete(id);
    if (runs.size === 0) return;
    try {
      cluster = { nodes: new Map((await o.backend.nodes()).map((n) => [n.name, n])), atMs: t, error: null };
    } catch (err) {
      cluster = { ...cluster, error: (err as Error).message }; // keep the last known states, say they are stale
    }
    const rows = new Map([...runs.keys()].map((id) => [id, o.repos.jobs.last(id)]));
    // Only ids Slurm could have printed reach the scheduler; anything else keeps the database's view.
    const ids = [...new Set([...rows.values()].flatMap((r) => (r && JOB_ID.test(r.jobId) ? [r.jobId] : [])))];
    const live = ids.length ? await o.backend.status(ids).catch(() => null) : null;
    const running = new Map<string, string[]>();
    for (const [id, row] of rows) {
      const w = runs.get(id);
      if (!w) continue;
      w.polledAtMs = t;
      if (!row) {
        w.job = null;
        continue;
      }
      const status = live?.jobs.find((j) => j.id === row.jobId || j.jobId === row.jobId);
      const state = status?.state ?? row.state;
      let nodes = status?.nodes.length ? status.nodes : expandHostlist(row.nodeList);
      if (nodes.length === 0 && RUNNING.has(state) && JOB_ID.test(row.jobId))
        nodes = await o.backend.jobNodes(row.jobId).catch(() => []);
      w.job = { jobId: row.jobId, state, nodes };
      const none = (gpuState: GpuMetricsState, reason: string): GpuResult => ({
        state: gpuState,
        reason,
        byNode: new Map(),
        skippedLines: 0,
        atMs: t,
      });
      if (!JOB_ID.test(row.jobId))
        gpus.set(row.jobId, none('unavailable', `job id ${JSON.stringify(row.jobId)} is not a Slurm job id`));
      else if (RUNNING.has(state) && nodes.length) running.set(row.jobId, nodes);
      else gpus.set(row.jobId, none('not_running', `job ${row.jobId} is ${state}`));
    }
    for (const [jobId, nodes] of running) gpus.set(jobId, await sampleGpus(jobId, nodes, t));
  }

  async function sampleGpus(jobId: string, nodes: string[], t: number): Promise<GpuResult> {
    const unavailable = (reason: string): GpuResult => ({
      state: 'unavailable',
      reason,
      byNode: new Map(),
      skippedLines: 0,
      atMs: t,
    });
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
  }

  function poll(): Promise<void> {
    inflight ??= pollOnce().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  function suspects(runId: number) {
    const rows = o.repos.events.failures(runId);
    const named: FailureNaming[] = rows.map((r) => {
      const p = safeJson(r.payload);
      const nodes = Array.isArray(p.nodes) ? p.nodes.filter((n): n is string => typeof n === 'string') : [];
      return {
        kind: r.kind ?? 'unknown',
        timeMs: r.timeMs,
        message: r.message ?? '',
        nodes,
        shutdownNoise: p.shutdownNoise === true,
      };
    });
    return suspectsFromFailures(named);
  }

  function build(runId: number): RunNodes {
    const w = runs.get(runId);
    const job = w?.job ?? null;
    const gpu = job ? gpus.get(job.jobId) : undefined;
    const nodes = buildNodeTiles({
      jobNodes: job?.nodes ?? [],
      cluster: cluster.nodes,
      suspects: suspects(runId),
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
      nowMs: now(),
    };
  }

  return {
    async forRun(runId) {
      const w = runs.get(runId);
      if (w) w.watchedAtMs = now();
      else runs.set(runId, { watchedAtMs: now(), polledAtMs: null, job: null });
      // A poll already running may have read the run list before this run joined it: then one more.
      for (let i = 0; i < 2 && runs.get(runId)?.polledAtMs === null; i++) await poll();
      return build(runId);
    },
    poll,
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

function safeJson(text: string | null): Record<string, unknown> {
  if (text === null) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
