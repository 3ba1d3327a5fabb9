// Gathers one ClusterFacts per controlled run for the cluster-state detectors (F10–F13, F17): the run's jobs as the
// control store holds them, refreshed by squeue; the partition's state, nodes and reservations; the checkpoint
// filesystem (df, and du of the latest checkpoint, at most every 5 min per run: du walks terabytes).
// A round per cluster: the gathers a tick asks for one cluster share one squeue of all their live jobs and one read
// per partition, one command at a time on that cluster (its login node's MaxSessions); clusters gather in parallel.
// Cost per round for R runs on P partitions: 1 squeue + P partition reads, and every 5 min one df and one du over the
// runs whose disk is due (one more of each per 64 paths, per 16 checkpoint folders), against R squeues + R
// partition reads + R df + R du before. A stopped or finished run asks the cluster nothing: its facts only say it
// ended (which resolves its cluster incidents). The config read is the submitted one (the submit's audit row).
// Bounded: one gather in flight per run, every backend call under a budget, failures logged (details to the server
// log only) and reported as "unknown this tick" (null fields), never as a cleared condition. The budgets are the
// backend's own (its commands' timeouts, after which the shell kills them), so a read is given up only once its
// command has ended; should one still be given up, no other read starts on that cluster until it has settled.
// Also the recovery policy's intent: a restart waiting for its backoff, a maintenance hold (F10 stays quiet then).
import { posix } from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ClusterFacts, FilesystemFact, RunJobFact } from '@trainboard/shared/detect/clusterFacts';
import type { RunCapacity } from '@trainboard/shared/detect/recovery';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { parseSlurmDuration } from '@trainboard/shared/slurm/time';
import { isTerminalState, type JobStatus } from '@trainboard/shared/slurm/types';
import {
  DISK_REQUESTS_PER_READ,
  type ClusterBackend,
  type DiskReport,
  type DiskRequest,
  type PartitionReport,
} from '../adapters/clusterBackend.js';
import type { ControlJobRow } from '../db/jobs.repo.js';
import type { Repositories } from '../db/repositories.js';
import type { RecoveryStore } from '../control/recoveryStore.js';
import type { RunControlRow } from '../db/runControl.repo.js';

export const DISK_EVERY_MS = 5 * 60_000;
/** A backend call the backend gives no budget for (squeue of the live jobs) before the gather gives up on it. */
export const CALL_TIMEOUT_MS = 60_000;
const CHECKPOINTS_FOR_CADENCE = 10;

export interface ClusterFactsDeps {
  repos: Pick<Repositories, 'runControl' | 'runs' | 'jobs' | 'events' | 'audit'>;
  /** The backend of a cluster row, or null when the cluster is gone or unusable. */
  backendOf(clusterId: number): ClusterBackend | null;
  logger: Logger;
  now?: () => number;
  diskEveryMs?: number;
  /** One budget for every call (tests); by default each read's budget is the backend's own (readBudgetsMs). */
  callTimeoutMs?: number;
  /** The recovery policy's store: a planned restart and a maintenance hold (F10 is quiet while either waits). */
  recovery?: Pick<RecoveryStore, 'pending' | 'maintenanceOpen'>;
  /**
   * How long one partition read serves the other runs on it: keep it under the incident tick, or a partition that
   * went down is seen several ticks late (default PARTITION_SHARE_MS, for the 15 s tick).
   */
  partitionShareMs?: number;
}

export interface ClusterFactsSource {
  /**
   * The run's facts now, or null when it is not a run on a cluster (or a gather is already in flight for it).
   * Never rejects: a failed read is logged and leaves its fields null.
   */
  gather(runId: number): Promise<ClusterFacts | null>;
  /**
   * Where the run's jobs may run, from the last partition read of any gather (no cluster call: the recovery policy
   * asks synchronously before a restart that excludes nodes); null when the run is not on a cluster. Partition
   * membership barely changes, so an older read serves; `partitionNodes` is null until one was made.
   */
  capacity(runId: number): RunCapacity | null;
}

/** What the gatherer reads of a stored run config (zod at the boundary; other fields are the renderer's). */
const StoredConfig = z
  .object({
    cluster: z
      .object({
        partition: z.string().optional(),
        nodes: z.number().int().positive().optional(),
        exclude: z.string().optional(),
        timeLimit: z.string().optional(),
      })
      .partial()
      .optional(),
    checkpointing: z
      .object({ dir: z.string().min(1) })
      .partial()
      .optional(),
  })
  .partial();
type StoredConfig = z.infer<typeof StoredConfig>;

interface DiskCache {
  atMs: number;
  fact: FilesystemFact | null;
}

export function createClusterFactsSource(deps: ClusterFactsDeps): ClusterFactsSource {
  const now = deps.now ?? Date.now;
  const inFlight = new Set<number>();
  const g: Gatherer = {
    deps,
    now,
    disks: new Map(),
    partitions: new Map(),
    abandoned: new Map(),
    configs: new Map(),
    shareMs: deps.partitionShareMs ?? PARTITION_SHARE_MS,
  };
  const lanes = new Map<number, Lane>();
  return {
    async gather(runId) {
      if (inFlight.has(runId)) return null;
      const run = deps.repos.runControl.get(runId);
      if (!run || run.clusterId === null || run.desiredState === null) return null;
      // An ended run asks the cluster nothing (its partition may be gone): the facts only say it ended, which
      // resolves its open cluster incidents (clusterDetector), and its jobs as the store last saw them.
      if (isEnded(run)) return endedFacts(g, run);
      const backend = deps.backendOf(run.clusterId);
      if (!backend) return null;
      inFlight.add(runId);
      try {
        return await joinRound(g, lanes, run, backend);
      } finally {
        inFlight.delete(runId);
      }
    },
    capacity(runId) {
      const run = deps.repos.runControl.get(runId);
      if (!run || run.clusterId === null) return null;
      const config = readConfig(g, run);
      const report = g.partitions.get(partitionKey(run.clusterId, config.cluster?.partition ?? null))?.report ?? null;
      return {
        partitionNodes: report?.nodes ?? null,
        excludedNodes: excludedOf(run, config),
        nodesRequired: config.cluster?.nodes ?? null,
      };
    },
  };
}

const partitionKey = (clusterId: number, partition: string | null) => `${clusterId}:${partition ?? ''}`;

/** The run's exclusion list now (every exclusion since submit) and its config's, as one list. */
function excludedOf(run: RunControlRow, config: StoredConfig): string[] {
  return [...new Set([...expandHostlist(run.excludeNodes), ...expandHostlist(config.cluster?.exclude)])];
}

/**
 * Per cluster: the round being collected (the gathers asked before it starts) and the chain of rounds. One round
 * at a time per cluster, one command at a time in it: each holds at most one exec channel on the login node
 * (OpenSSH's MaxSessions is 10, shared with the followers' SFTP channels and the controller). Clusters run theirs
 * in parallel.
 */
interface Lane {
  next: Waiting[] | null;
  chain: Promise<unknown>;
}

interface Waiting {
  run: RunControlRow;
  resolve(facts: ClusterFacts | null): void;
}

function joinRound(g: Gatherer, lanes: Map<number, Lane>, run: RunControlRow, backend: ClusterBackend) {
  const clusterId = run.clusterId ?? -1;
  let lane = lanes.get(clusterId);
  if (!lane) lanes.set(clusterId, (lane = { next: null, chain: Promise.resolve() }));
  const l = lane;
  return new Promise<ClusterFacts | null>((resolve) => {
    if (l.next === null) {
      const batch: Waiting[] = [];
      l.next = batch;
      // Starts in a later microtask at the earliest: every run the tick's (synchronous) loop asks about joins.
      l.chain = l.chain
        .then(() => {
          if (l.next === batch) l.next = null;
          return gatherRound(g, clusterId, batch, backend);
        })
        .catch((err: unknown) => {
          g.deps.logger.error({ err, clusterId }, 'cluster facts: the round failed');
          for (const w of batch) w.resolve(null);
        });
    }
    l.next.push({ run, resolve });
  });
}

interface Gatherer {
  deps: ClusterFactsDeps;
  now: () => number;
  disks: Map<number, DiskCache>;
  /** The last partition report per cluster and partition: runs sharing a partition share one read per tick. */
  partitions: Map<string, { atMs: number; report: PartitionReport | null }>;
  /** Per cluster: a read given up on that may still hold an exec channel; no other read starts there until it settles. */
  abandoned: Map<number, Promise<unknown>>;
  /** The submitted config's fields per run (it never changes once submitted). */
  configs: Map<number, StoredConfig>;
  shareMs: number;
}

/** How long one partition read serves the other runs on it (less than a tick: each tick reads it afresh). */
export const PARTITION_SHARE_MS = 10_000;

/**
 * One round for a cluster's runs: one squeue of all their live jobs, one read per partition they use (shared
 * within partitionShareMs), then the disks of the runs due for one (each at its own cadence) in one batched read.
 * Commands one after the other.
 */
async function gatherRound(g: Gatherer, clusterId: number, batch: Waiting[], backend: ClusterBackend) {
  const who = { clusterId, runIds: batch.map((w) => w.run.runId) };
  const rows = new Map(batch.map((w) => [w.run.runId, g.deps.repos.jobs.controlOfRun(w.run.runId)]));
  const live = await attempt(g, who, backend, 'status', () => liveStatus(backend, [...rows.values()].flat()));
  const runs = batch.map((w) => ({ run: w.run, config: readConfig(g, w.run) }));
  const reports: (PartitionReport | null)[] = [];
  for (const { run, config } of runs) {
    const partition = config.cluster?.partition ?? null;
    reports.push(await partitionReport(g, { clusterId, runIds: [run.runId] }, backend, partition));
  }
  const filesystems = await diskFacts(g, clusterId, runs, backend);
  batch.forEach((w, i) => {
    const { run, config } = runs[i]!;
    const facts = factsOf(g, run, config, rows.get(run.runId) ?? [], live, reports[i] ?? null, filesystems[i] ?? null);
    w.resolve(facts);
  });
}

function isEnded(run: RunControlRow): boolean {
  return run.desiredState === 'stopped' || run.desiredState === 'done' || ENDED_STATES.has(run.state);
}

function endedFacts(g: Gatherer, run: RunControlRow): ClusterFacts {
  const config = readConfig(g, run);
  return factsOf(g, run, config, g.deps.repos.jobs.controlOfRun(run.runId), null, null, null);
}

function factsOf(
  g: Gatherer,
  run: RunControlRow,
  config: StoredConfig,
  rows: ControlJobRow[],
  live: Map<string, JobStatus> | null,
  report: PartitionReport | null,
  filesystem: FilesystemFact | null,
): ClusterFacts {
  const partition = config.cluster?.partition ?? null;
  return {
    timeMs: g.now(),
    runEnded: isEnded(run),
    controlled: run.desiredState === 'active',
    jobs: jobFacts(rows, live),
    partition: report?.partition ?? partition,
    partitionState: report?.state ?? null,
    partitionNodes: report?.nodes ?? null,
    reservations: report?.reservations ?? null,
    nodesRequired: config.cluster?.nodes ?? null,
    excludedNodes: excludedOf(run, config),
    filesystem,
    timeLimitMs: timeLimitMs(config.cluster?.timeLimit),
    ...recoveryIntent(g, run.runId),
  };
}

/** What the recovery policy waits for on purpose (absent without a recovery store). */
function recoveryIntent(g: Gatherer, runId: number): Pick<ClusterFacts, 'restartPending' | 'maintenanceHold'> {
  const store = g.deps.recovery;
  if (!store) return {};
  const pending = store.pending(runId);
  return {
    restartPending: pending ? { notBeforeMs: pending.notBeforeMs } : null,
    maintenanceHold: store.maintenanceOpen(runId),
  };
}

async function partitionReport(
  g: Gatherer,
  who: Who,
  backend: ClusterBackend,
  partition: string | null,
): Promise<PartitionReport | null> {
  if (!backend.partition) return null;
  const key = partitionKey(who.clusterId, partition);
  const shared = g.partitions.get(key);
  if (shared && g.now() - shared.atMs < g.shareMs) return shared.report;
  const report = await attempt(g, who, backend, 'partition', () => backend.partition!(partition));
  g.partitions.set(key, { atMs: g.now(), report });
  return report;
}

const ENDED_STATES = new Set(['completed', 'cancelled', 'done', 'finished']);

/**
 * The run config as submitted, for the few fields used here; {} when absent or unreadable. Not `runs.config`: the
 * ingest replaces that with each start-up banner's arguments, which name no partition, exclusion or time limit.
 * The submit's audit row keeps the submitted config (submitRun.service.ts); runs.config is the fallback for runs
 * submitted before it did (until their first banner it still holds the submitted config).
 */
function readConfig(g: Gatherer, run: RunControlRow): StoredConfig {
  const cached = g.configs.get(run.runId);
  if (cached) return cached;
  const submit = g.deps.repos.audit.ofRunSince(run.runId, 'run.submit', 0)[0];
  const submitted = submit?.details?.config;
  if (submitted !== undefined) {
    const parsed = StoredConfig.safeParse(submitted);
    const config = parsed.success ? parsed.data : {};
    g.configs.set(run.runId, config);
    return config;
  }
  const text = g.deps.repos.runs.get(run.runId)?.config ?? null;
  if (!text) return {};
  try {
    const parsed = StoredConfig.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

type Read = 'status' | 'partition' | 'disk';
/** Whose facts a read is for (the log's context). */
interface Who {
  clusterId: number;
  runIds: number[];
}

/**
 * Runs `fn` under its budget; a failure or timeout is logged and answers null (unknown this tick). A read given up
 * on is remembered per cluster until it settles (the shell kills it at its own timeout): meanwhile the cluster's
 * other reads answer null instead of opening another exec channel beside it.
 */
async function attempt<T>(
  g: Gatherer,
  who: Who,
  backend: ClusterBackend,
  what: Read,
  fn: () => Promise<T>,
): Promise<T | null> {
  const { clusterId, runIds } = who;
  if (g.abandoned.has(clusterId)) {
    g.deps.logger.warn({ runIds, what }, 'cluster facts: skipped, an earlier read there still runs');
    return null;
  }
  const budget = g.deps.callTimeoutMs ?? backend.readBudgetsMs?.[what] ?? CALL_TIMEOUT_MS;
  const call = fn();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandon(g, clusterId, call);
        reject(new Error(`${what} took longer than ${budget} ms`));
      }, budget);
    });
    return await Promise.race([call, timeout]);
  } catch (err) {
    g.deps.logger.warn({ err, runIds, what }, 'cluster facts: a read failed');
    return null;
  } finally {
    clearTimeout(timer);
  }
}

function abandon(g: Gatherer, clusterId: number, call: Promise<unknown>): void {
  const settled = call.then(
    () => undefined,
    () => undefined,
  );
  g.abandoned.set(clusterId, settled);
  void settled.then(() => {
    if (g.abandoned.get(clusterId) === settled) g.abandoned.delete(clusterId);
  });
}

/** squeue of the run's jobs the store does not hold as finished: their state and pending reason now. */
async function liveStatus(backend: ClusterBackend, rows: ControlJobRow[]): Promise<Map<string, JobStatus>> {
  const ids = rows
    .filter((r) => r.schedulerJobId && r.phase === 'submitted' && !isTerminalState(r.state.split(' ')[0] ?? ''))
    .map((r) => r.schedulerJobId!);
  const out = new Map<string, JobStatus>();
  if (!ids.length) return out;
  const { jobs } = await backend.status(ids);
  for (const j of jobs) out.set(j.jobId, j);
  return out;
}

/**
 * The run's jobs oldest first: a row whose sbatch is in flight is `SUBMITTING` (a resubmission under way is not
 * "nothing running"); lost and duplicate rows never ran; the rest take squeue's word when it has one.
 */
export function jobFacts(rows: readonly ControlJobRow[], live: Map<string, JobStatus> | null): RunJobFact[] {
  const out: RunJobFact[] = [];
  for (const r of rows) {
    if (r.phase === 'submitting') {
      out.push({ jobId: '', state: 'SUBMITTING', reason: null, nodes: [], nodesRequested: null });
      continue;
    }
    if (r.phase !== 'submitted' || !r.schedulerJobId) continue;
    const s = live?.get(r.schedulerJobId);
    out.push({
      jobId: r.schedulerJobId,
      state: s?.state ?? r.state,
      reason: s ? s.reason : r.reasonText,
      nodes: expandHostlist(s?.nodeList ?? r.nodeList),
      nodesRequested: s?.nodeCount ?? null,
    });
  }
  return out;
}

function timeLimitMs(text: string | undefined): number | null {
  const s = text === undefined ? null : parseSlurmDuration(/^\d+$/.test(text) ? `${text}:00` : text);
  return s === null ? null : s * 1000;
}

/** A run whose disk is due this round: what to ask, and what to build its fact from. */
interface DueDisk {
  index: number;
  run: RunControlRow;
  request: DiskRequest;
  saves: { timeMs: number | null }[];
  cached: FilesystemFact | null;
}

/**
 * The checkpoint filesystem of each run, read at most every DISK_EVERY_MS per run (the cached fact in between):
 * the runs due this round in one batched read (disks()), DISK_REQUESTS_PER_READ per call, each call under the
 * backend's disk budget. A run whose path could not be read keeps its cached fact (unknown, not cleared).
 */
async function diskFacts(
  g: Gatherer,
  clusterId: number,
  runs: { run: RunControlRow; config: StoredConfig }[],
  backend: ClusterBackend,
): Promise<(FilesystemFact | null)[]> {
  const out: (FilesystemFact | null)[] = runs.map(() => null);
  if (!backend.disks) return out;
  const due: DueDisk[] = [];
  runs.forEach(({ run, config }, index) => {
    if (!run.runDir) return;
    const cached = g.disks.get(run.runId);
    if (cached && g.now() - cached.atMs < (g.deps.diskEveryMs ?? DISK_EVERY_MS)) return void (out[index] = cached.fact);
    g.disks.set(run.runId, { atMs: g.now(), fact: cached?.fact ?? null }); // no second du while this one runs
    due.push({ index, run, ...diskRequest(g, run, run.runDir, config), cached: cached?.fact ?? null });
  });
  for (let i = 0; i < due.length; i += DISK_REQUESTS_PER_READ) {
    const part = due.slice(i, i + DISK_REQUESTS_PER_READ);
    const who = { clusterId, runIds: part.map((d) => d.run.runId) };
    const reports = await attempt(g, who, backend, 'disk', () => backend.disks!(part.map((d) => d.request)));
    part.forEach((d, j) => (out[d.index] = diskFact(g, d, reports?.[j] ?? null)));
  }
  return out;
}

/** df of the checkpoint folder, du of the latest save in it; the run folder before the first save. */
function diskRequest(g: Gatherer, run: RunControlRow, runDir: string, config: StoredConfig) {
  const dir = config.checkpointing?.dir ? posix.resolve(runDir, config.checkpointing.dir) : null;
  const saves = g.deps.repos.events.recentCheckpoints(run.runId, CHECKPOINTS_FOR_CADENCE);
  const latest = saves.at(-1)?.iteration ?? null;
  // Before the first save the checkpoint folder may not exist yet: the run folder is on the same filesystem.
  const path = dir !== null && latest !== null ? dir : runDir;
  const folder = dir !== null && latest !== null ? posix.join(dir, `global_step${latest}`) : null;
  return { request: { path, folder }, saves };
}

/** The run's fact from its report; an Error (its path unread) is logged and leaves the cached fact. */
function diskFact(g: Gatherer, d: DueDisk, report: DiskReport | Error | null): FilesystemFact | null {
  if (report instanceof Error)
    g.deps.logger.warn({ err: report, runIds: [d.run.runId], what: 'disk' }, 'cluster facts: a read failed');
  const fact: FilesystemFact | null =
    report && !(report instanceof Error)
      ? {
          path: d.request.path,
          totalBytes: report.totalBytes,
          usedBytes: report.usedBytes,
          availableBytes: report.availableBytes,
          checkpointBytes: report.folderBytes,
          saveIntervalMs: medianInterval(d.saves.map((s) => s.timeMs)),
        }
      : null;
  g.disks.set(d.run.runId, { atMs: g.now(), fact: fact ?? d.cached });
  return fact ?? d.cached;
}

/** Median time between consecutive saves (ms), or null before two dated saves. */
export function medianInterval(times: readonly (number | null)[]): number | null {
  const t = times.filter((x): x is number => x !== null);
  const gaps = t
    .slice(1)
    .map((x, i) => x - t[i]!)
    .filter((d) => d > 0)
    .sort((a, b) => a - b);
  if (!gaps.length) return null;
  const mid = Math.floor(gaps.length / 2);
  return gaps.length % 2 ? gaps[mid]! : (gaps[mid - 1]! + gaps[mid]!) / 2;
}
