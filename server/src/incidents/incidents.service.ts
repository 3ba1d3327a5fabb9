// Live incident detection (issue 15): one detection state per followed run, fed the rows the ingest path committed
// (read back by id cursor, so a line committed twice — the unique keys skipped it — is never seen twice), ticked on
// a timer for hangs and silence, with the run's latest job from the jobs table. Incidents are upserted by key and
// every stored change goes to the listeners (alerts, the recovery policy).
//
// After a restart a followed run is replayed from its first row in pages (PAGE_ROWS per table, the event loop free
// between pages), not resumed from a stored state: the detectors' windows are small but not serialisable, and the
// replay is a read of rows already on disk. Replayed incidents that are already stored, unchanged, emit nothing.
import type { Logger } from 'pino';
import type { NodeGpuFacts } from '@trainboard/shared/detect/clusterFacts';
import type { JobFacts } from '@trainboard/shared/detect/detector';
import type { Incident } from '@trainboard/shared/detect/incident';
import type { IncidentChange, IncidentsResponse, StoredIncident } from '@trainboard/shared/detect/incidentApi';
import type { DeadlineOptions } from '@trainboard/shared/detect/rhythm';
import type { ClusterDetectorOptions } from '@trainboard/shared/detect/runDetectors';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import type { FeedCursor } from '../db/incidents.repo.js';
import type { Repositories } from '../db/repositories.js';
import type { ClusterFactsSource } from './clusterFacts.js';
import {
  isClusterKey,
  newClusterFeed,
  requestFacts,
  STALE_AFTER_OBSERVATIONS,
  takeFacts,
  type ClusterFeed,
} from './clusterFeed.js';
import { advance, clipPage, feedItems, pageFull } from './feed.js';
import { createRunDetection, type RunDetection } from './runDetection.js';

/** Rows per table and page: ~25 ms of detection, so a 115k-iteration replay (~5 s) never holds the loop for long. */
export const PAGE_ROWS = 500;
const DEFAULT_TICK_MS = 15_000;

export type IncidentListener = (c: IncidentChange) => void;

export interface IncidentsService {
  /** Starts detecting on the run (the followers' beforeStart): replays its stored rows first, in pages. */
  follow(runId: number): void;
  /** The ingest path committed rows of the run (the followers' onCommitted). */
  committed(runId: number): void;
  /** The run's log held `size` bytes when first followed (the followers' onBacklog): incidents there are history. */
  backlog(runId: number, size: number): void;
  /** One tick of every followed run at `nowMs` (the timer calls it; tests call it with their own time). */
  tick(nowMs?: number): void;
  /** The nodes' GPUs of a followed run's running job (the nodes poller), for F7's suspect node. */
  observeGpus(runId: number, facts: readonly NodeGpuFacts[]): void;
  /** Followed runs with an open throughput regression: the ones worth probing nvidia-smi for. */
  wantsGpus(): number[];
  onChange(listener: IncidentListener): () => void;
  /**
   * The recovery policy wrote its note on the incident: an 'updated' change, so listeners see what the policy did
   * at once. The severity is unchanged, so alerts send nothing for it (decideAlerts: only a rise re-alerts).
   */
  noted(incident: StoredIncident): void;
  list(runId: number): IncidentsResponse;
  /** True while the run's stored rows are being replayed (its changes are older news). */
  catchingUp(runId: number): boolean;
  /** Resolves when no run has rows waiting (tests). */
  idle(): Promise<void>;
  start(): void;
  stop(): void;
}

export interface IncidentsDeps {
  repos: Pick<Repositories, 'incidents' | 'jobs'>;
  logger: Logger;
  tickMs?: number;
  deadlines?: DeadlineOptions;
  /** Knobs of the cluster-state detectors (pending_idle's confirm time); the defaults when absent. */
  clusterDetectors?: ClusterDetectorOptions;
  now?: () => number;
  /** The cluster-state facts (F10–F13, F17) gathered on each tick; without it those detectors stay silent. */
  clusterFacts?: ClusterFactsSource;
}

interface RunState {
  runId: number;
  detection: RunDetection;
  cursor: FeedCursor;
  /** What is stored per key (JSON of the incident), so only changes are written and emitted. */
  stored: Map<string, { json: string; id: number; resolved: boolean }>;
  pumping: Promise<void> | null;
  again: boolean;
  catchingUp: boolean;
  /** Rows arrived after the catch-up: the log is live, so its silence means something. */
  sawLive: boolean;
  /** Log bytes that were already written when the log was first followed: what they show is old news. */
  backlogEnd: number;
  cluster: ClusterFeed;
}

const yieldLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** What the per-run functions share. */
interface Ctx {
  repos: IncidentsDeps['repos'];
  logger: Logger;
  now: () => number;
  deadlines: DeadlineOptions | undefined;
  clusterDetectors: ClusterDetectorOptions | undefined;
  clusterFacts: ClusterFactsSource | null;
  emit(c: IncidentChange): void;
}

function newRunState(ctx: Ctx, runId: number): RunState {
  const stored = new Map(
    ctx.repos.incidents
      .ofRun(runId)
      .map((i) => [i.key, { json: signature(i), id: i.id, resolved: i.resolvedAtMs !== null }]),
  );
  return {
    runId,
    detection: createRunDetection(ctx.deadlines, ctx.clusterDetectors),
    cursor: { iterationId: 0, validationId: 0, eventId: 0 },
    stored,
    pumping: null,
    again: false,
    catchingUp: true,
    sawLive: false,
    backlogEnd: 0,
    cluster: newClusterFeed(),
  };
}

/** Stores the incidents whose content changed since last stored, and tells the listeners. */
function persist(ctx: Ctx, s: RunState, now: 'log' | 'clock' = 'log'): void {
  for (const incident of s.detection.incidents()) {
    const json = signature(incident);
    const before = s.stored.get(incident.key);
    if (before?.json === json) continue;
    // While replaying, the run's latest job is not the job of an old incident: only the evidence names one.
    const jobId = jobOf(incident, s.catchingUp ? null : (ctx.repos.jobs.last(s.runId)?.jobId ?? null));
    const { stored } = ctx.repos.incidents.upsert({ runId: s.runId, incident, jobId, nowMs: ctx.now() });
    s.stored.set(incident.key, { json, id: stored.id, resolved: stored.resolvedAtMs !== null });
    // What time or the scheduler says (a hang, silence, the cluster's state) is about now, wherever the log stops.
    const historical = now === 'log' && (s.catchingUp || (incident.offset !== null && incident.offset < s.backlogEnd));
    ctx.emit({ change: changeOf(before, stored), incident: stored, historical });
  }
}

/**
 * Reads and feeds the run's committed rows page by page until none wait; one pump per run at a time. A commit
 * while one runs (or has just finished, its promise not yet settled) sets `again`, and the pump goes round again.
 */
function pump(ctx: Ctx, s: RunState): Promise<void> {
  s.again = true;
  if (s.pumping) return s.pumping;
  const run = async () => {
    while (s.again) {
      s.again = false;
      for (;;) {
        const page = clipPage(ctx.repos.incidents.feedPage(s.runId, s.cursor, PAGE_ROWS), PAGE_ROWS);
        const items = feedItems(page);
        s.detection.observe(items);
        if (!s.catchingUp && items.some((it) => it.event.offset >= s.backlogEnd)) s.sawLive = true;
        s.cursor = advance(s.cursor, page);
        persist(ctx, s);
        if (!pageFull(page, PAGE_ROWS)) break;
        await yieldLoop();
      }
      s.catchingUp = false;
    }
  };
  s.pumping = run()
    .catch((err: unknown) => ctx.logger.error({ err, runId: s.runId }, 'incident detection failed'))
    .finally(() => {
      s.pumping = null;
      if (s.again) void pump(ctx, s);
    });
  return s.pumping;
}

function tickRun(ctx: Ctx, s: RunState, at: number): void {
  const job = ctx.repos.jobs.last(s.runId);
  if (job) {
    const facts: JobFacts = { timeMs: at, jobId: job.jobId, state: job.state, nodes: expandHostlist(job.nodeList) };
    s.detection.observeJob(facts);
  }
  // Silence means something only while the job runs, or, with no job known, once the log has grown since this
  // server started: an old log that simply stopped (a finished run without an exit line) is not a hang.
  if (job ? job.state === 'RUNNING' : s.sawLive) s.detection.tick(at);
  applyCluster(ctx, s);
  persist(ctx, s, 'clock');
  if (ctx.clusterFacts) requestFacts(ctx.clusterFacts, s.runId, s.cluster, ctx.logger, () => clusterArrived(ctx, s));
}

/** Facts arrived: applied now unless the run's rows are being read (then the next tick applies them). */
function clusterArrived(ctx: Ctx, s: RunState): void {
  if (s.pumping || s.catchingUp) return;
  try {
    applyCluster(ctx, s);
    persist(ctx, s, 'clock');
  } catch (err) {
    ctx.logger.error({ err, runId: s.runId }, 'cluster facts: applying them failed');
  }
}

function applyCluster(ctx: Ctx, s: RunState): void {
  const facts = takeFacts(s.cluster);
  if (!facts) return;
  s.detection.observeCluster(facts);
  if (s.cluster.applied === STALE_AFTER_OBSERVATIONS) resolveStale(ctx, s, facts.timeMs);
}

/** Open cluster-state incidents an earlier process stored and this one does not find again: their condition ended
 * while no one watched (or it holds still, and this process opened its own). */
function resolveStale(ctx: Ctx, s: RunState, at: number): void {
  const current = new Set(s.detection.incidents().map((i) => i.key));
  for (const [key, st] of s.stored) {
    if (st.resolved || current.has(key) || !isClusterKey(key)) continue;
    const old = ctx.repos.incidents.byId(st.id);
    if (!old) continue;
    const incident = { ...old, resolvedAtMs: at };
    const { stored } = ctx.repos.incidents.upsert({ runId: s.runId, incident, jobId: old.jobId, nowMs: ctx.now() });
    s.stored.set(key, { json: signature(incident), id: stored.id, resolved: true });
    ctx.emit({ change: 'resolved', incident: stored });
  }
}

export function createIncidentsService(deps: IncidentsDeps): IncidentsService {
  const runs = new Map<number, RunState>();
  const listeners = new Set<IncidentListener>();
  const ctx: Ctx = {
    repos: deps.repos,
    logger: deps.logger,
    now: deps.now ?? Date.now,
    deadlines: deps.deadlines,
    clusterDetectors: deps.clusterDetectors,
    clusterFacts: deps.clusterFacts ?? null,
    emit(c) {
      for (const l of listeners) {
        try {
          l(c);
        } catch (err) {
          deps.logger.warn({ err, runId: c.incident.runId }, 'an incident listener failed');
        }
      }
    },
  };
  let timer: NodeJS.Timeout | null = null;
  const ensure = (runId: number): RunState => {
    let s = runs.get(runId);
    if (!s) runs.set(runId, (s = newRunState(ctx, runId)));
    return s;
  };
  const tick = (nowMs = ctx.now()) => {
    for (const s of runs.values()) {
      if (s.pumping) continue; // its rows are still being read: the next tick sees it whole
      try {
        tickRun(ctx, s, nowMs);
      } catch (err) {
        deps.logger.error({ err, runId: s.runId }, 'incident tick failed');
      }
    }
  };
  return {
    follow: (runId) => void pump(ctx, ensure(runId)),
    observeGpus(runId, facts) {
      const s = runs.get(runId);
      if (!s || s.catchingUp) return; // a replay's regressions are history: today's GPUs say nothing about them
      for (const f of facts) s.detection.observeGpus(f);
      persist(ctx, s);
    },
    wantsGpus: () =>
      [...runs.values()]
        .filter((s) => !s.catchingUp && s.detection.incidents().some(isOpenRegression))
        .map((s) => s.runId),
    committed: (runId) => void pump(ctx, ensure(runId)),
    backlog(runId, size) {
      const s = ensure(runId);
      s.backlogEnd = Math.max(s.backlogEnd, size);
    },
    tick,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    noted: (incident) => ctx.emit({ change: 'updated', incident }),
    list: (runId) => ({
      incidents: deps.repos.incidents.list(runId),
      openCount: deps.repos.incidents.openCount(runId),
    }),
    catchingUp: (runId) => runs.get(runId)?.catchingUp ?? false,
    async idle() {
      for (let busy = [...runs.values()].filter((s) => s.pumping); busy.length;) {
        await Promise.all(busy.map((s) => s.pumping));
        busy = [...runs.values()].filter((s) => s.pumping);
      }
    },
    start() {
      timer ??= setInterval(() => tick(), deps.tickMs ?? DEFAULT_TICK_MS).unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

/** What identifies an incident's content (what the detectors say; ids and job ids are the store's). */
function signature(i: Incident): string {
  return JSON.stringify([
    i.kind,
    i.severity,
    i.failureKind ?? null,
    i.title,
    i.iteration,
    i.offset,
    i.evidence,
    i.suggestedAction,
    i.workLostIterations,
    i.resolvedAtMs === null ? null : Math.round(i.resolvedAtMs),
    i.details ?? null,
  ]);
}

function jobOf(i: Incident, fallback: string | null): string | null {
  return i.evidence.find((e) => e.jobId)?.jobId ?? fallback;
}

function changeOf(before: { resolved: boolean } | undefined, now: StoredIncident): IncidentChange['change'] {
  if (now.resolvedAtMs !== null) return before?.resolved ? 'updated' : 'resolved';
  return before ? 'updated' : 'opened';
}

const isOpenRegression = (i: Incident) => i.kind === 'throughput_regression' && i.resolvedAtMs === null;
