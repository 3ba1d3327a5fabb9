// The published runs' public snapshots, one entry per slug shared by every viewer: the snapshot, its JSON text and
// strong ETag, computed once per rebuild (never per request). A rebuild reads the run's overview (the same latest-row
// queries as the run page's header), its lm-loss series from the series source (the cache: only rows appended since
// the last read) and builds the allow-listed snapshot (shared/src/public/buildSnapshot.ts).
//
// When a run is rebuilt:
// - after an ingest commit, at most once per second per run: the first commit after a quiet second rebuilds at once
//   (low live latency), later commits within that second coalesce into one trailing rebuild at its end;
// - every 15 s when nothing came (health changes with no new line: a stall), which also picks up publications
//   written by another process (the CLI on the database);
// - at once on publish, update or unpublish (publicationChanged).
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { buildPublicSnapshot, type SnapshotInputs } from '@trainboard/shared/public/buildSnapshot';
import { MAX_TIMELINE_ENTRIES } from '@trainboard/shared/public/timeline';
import type { Publication } from '../db/publications.repo.js';
import type { Repositories } from '../db/repositories.js';
import { runOverview } from '../routes/runOverview.js';
import type { SeriesSource } from '../series/seriesSource.js';
import type { PublicChange, PublicEntry, PublicSnapshots } from './ports.js';

export const PUBLIC_REBUILD_MIN_MS = 1000;
export const PUBLIC_IDLE_REBUILD_MS = 15_000;

export interface PublicSnapshotsOptions {
  repos: Repositories;
  series: SeriesSource;
  logger?: Pick<Logger, 'warn'>;
  now?: () => number;
  minIntervalMs?: number;
  idleMs?: number;
}

export interface PublicSnapshotsService extends PublicSnapshots {
  publicationChanged(runId: number): void;
  /** An ingest commit of the run's rows (the followers' onCommitted). */
  committed(runId: number): void;
  /** Builds every published run once and starts the idle timer; resolves when the first builds are done. */
  start(): Promise<void>;
  /** Stops the timers; pending rebuilds are dropped. */
  stop(): void;
  /** Resolves when no rebuild is running or scheduled to run at once (tests). */
  idle(): Promise<void>;
}

interface RunState {
  slug: string;
  /** The last rebuild of any cause (the idle timer rebuilds a run quiet this long). */
  lastBuildMs: number;
  /** The last rebuild caused by a commit: the once-a-second limit counts only these, so the idle rebuild never makes
   *  the next line wait for a slot (at most one extra rebuild per idle period). */
  lastCommitBuildMs: number;
  trailing: NodeJS.Timeout | null;
  /** The rebuilds of one run run one after another. */
  chain: Promise<void>;
}

/** A strong ETag of the JSON text: quoted sha1, base64url. */
export function etagOf(json: string): string {
  return `"${createHash('sha1').update(json).digest('base64url')}"`;
}

/** Per run, the current lm-loss series plus consumed tokens (the newest two give the tokens of one iteration). */
const SERIES_FIELDS = ['lmLoss', 'consumedTokens'] as const;

export function createPublicSnapshots(o: PublicSnapshotsOptions): PublicSnapshotsService {
  return new PublicSnapshotStore(o);
}

class PublicSnapshotStore implements PublicSnapshotsService {
  private readonly now: () => number;
  private readonly minMs: number;
  private readonly idleMs: number;
  private readonly bySlug = new Map<string, PublicEntry>();
  private readonly runs = new Map<number, RunState>();
  private readonly listeners = new Set<(change: PublicChange) => void>();
  private idleTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly o: PublicSnapshotsOptions) {
    this.now = o.now ?? Date.now;
    this.minMs = o.minIntervalMs ?? PUBLIC_REBUILD_MIN_MS;
    this.idleMs = o.idleMs ?? PUBLIC_IDLE_REBUILD_MS;
  }

  get(slug: string): PublicEntry | undefined {
    return this.bySlug.get(slug);
  }

  onChange(listener: (change: PublicChange) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  publicationChanged(runId: number): void {
    const p = this.o.repos.publications.ofRun(runId);
    if (!p) return this.drop(runId);
    this.track(p);
    void this.rebuild(runId);
  }

  committed(runId: number): void {
    const st = this.runs.get(runId);
    // Not published, or a trailing rebuild is due and will read this commit too.
    if (!st || st.trailing || this.stopped) return;
    const since = this.now() - st.lastCommitBuildMs;
    if (since >= this.minMs) void this.rebuild(runId, 'commit');
    else st.trailing = setTimeout(() => void this.rebuild(runId, 'commit'), this.minMs - since);
  }

  async start(): Promise<void> {
    await Promise.all(this.syncPublications());
    if (this.stopped || this.idleTimer) return;
    this.idleTimer = setInterval(() => {
      try {
        void Promise.all(this.syncPublications());
      } catch (err) {
        this.o.logger?.warn({ err }, 'public snapshots: reading the publications failed');
      }
    }, this.idleMs);
    this.idleTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const st of this.runs.values()) if (st.trailing) clearTimeout(st.trailing);
  }

  async idle(): Promise<void> {
    await Promise.all([...this.runs.values()].map((st) => st.chain));
  }

  private emit(change: PublicChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (err) {
        this.o.logger?.warn({ err }, 'public snapshot listener failed');
      }
    }
  }

  private drop(runId: number): void {
    const st = this.runs.get(runId);
    if (!st) return;
    if (st.trailing) clearTimeout(st.trailing);
    this.runs.delete(runId);
    if (this.bySlug.delete(st.slug)) this.emit({ slug: st.slug, entry: null });
  }

  private track(p: Publication): RunState {
    let st = this.runs.get(p.runId);
    if (!st) {
      st = {
        slug: p.slug,
        lastBuildMs: -Infinity,
        lastCommitBuildMs: -Infinity,
        trailing: null,
        chain: Promise.resolve(),
      };
      this.runs.set(p.runId, st);
    }
    return st;
  }

  /** The publications table is the truth: new ones are built, removed ones dropped, idle ones rebuilt. */
  private syncPublications(): Promise<void>[] {
    const published = new Map(this.o.repos.publications.list().map((p) => [p.runId, p]));
    for (const runId of [...this.runs.keys()]) if (!published.has(runId)) this.drop(runId);
    const builds: Promise<void>[] = [];
    for (const p of published.values()) {
      const st = this.track(p);
      if (this.now() - st.lastBuildMs >= this.idleMs || !this.bySlug.has(st.slug)) builds.push(this.rebuild(p.runId));
    }
    return builds;
  }

  private rebuild(runId: number, cause: 'commit' | 'other' = 'other'): Promise<void> {
    const st = this.runs.get(runId);
    if (!st || this.stopped) return Promise.resolve();
    const cleared = st.trailing !== null;
    if (st.trailing) clearTimeout(st.trailing);
    st.trailing = null;
    st.lastBuildMs = this.now();
    // A pending trailing rebuild is done by this one, whatever its cause: it counts as the commit's slot.
    if (cause === 'commit' || cleared) st.lastCommitBuildMs = st.lastBuildMs;
    st.chain = st.chain
      .then(() => this.build(runId))
      .catch((err: unknown) =>
        this.o.logger?.warn({ err, runId }, 'public snapshot rebuild failed; the last one stays'),
      );
    return st.chain;
  }

  /** Reads and builds, all synchronous after the series read: the publication read here is the one that applies
   *  (an unpublish during the read is never undone). */
  private async build(runId: number): Promise<void> {
    const series = await this.o.series.snapshot(runId, SERIES_FIELDS);
    if (this.stopped) return;
    const pub = this.o.repos.publications.ofRun(runId);
    const st = this.runs.get(runId);
    if (!pub || !st) return this.drop(runId);
    if (st.slug !== pub.slug) {
      if (this.bySlug.delete(st.slug)) this.emit({ slug: st.slug, entry: null });
      st.slug = pub.slug;
    }
    const [loss, tokens] = series.columns;
    const snapshot = buildPublicSnapshot(snapshotInputs(this.o.repos, runId, pub, loss, tokens, this.now()));
    const json = JSON.stringify(snapshot);
    const previous = this.bySlug.get(pub.slug);
    if (previous?.json === json && previous.showNodes === pub.showNodes) return;
    const entry: PublicEntry = { snapshot, json, etag: etagOf(json), showNodes: pub.showNodes };
    this.bySlug.set(pub.slug, entry);
    this.emit({ slug: pub.slug, entry });
  }
}

/** The builder's inputs from the run's overview (shared with the run page's header), its newest checkpoint saves,
 *  the first validation group and the series columns. Bounded reads only. */
function snapshotInputs(
  repos: PublicSnapshotsOptions['repos'],
  runId: number,
  pub: Publication,
  loss: { xs: Float64Array; ys: Float64Array } | undefined,
  tokens: { xs: Float64Array; ys: Float64Array } | undefined,
  nowMs: number,
): SnapshotInputs {
  const ov = runOverview(repos, runId);
  const { healthInputs: hi } = ov;
  return {
    nowMs,
    publication: { slug: pub.slug, title: pub.title, description: pub.description, showNodes: pub.showNodes },
    latest: ov.latest && {
      iteration: ov.latest.iteration,
      trainIters: hi.run.trainIters ?? ov.latest.trainIters,
      timeMs: ov.latest.timeMs,
      consumedTokens: ov.latest.consumedTokens,
      tflops: ov.latest.tflops,
    },
    recentIterationMs: ov.recentIterationMs,
    tokensPerIteration: tokensPerIteration(tokens),
    targetTokens: ov.targetTokens,
    lastCheckpointIteration: ov.lastCheckpoint?.iteration ?? null,
    health: ov.health.state,
    desiredState: hi.run.desiredState,
    jobs: hi.jobs,
    checkpoints: repos.events.recentCheckpoints(runId, MAX_TIMELINE_ENTRIES),
    train: loss ?? { xs: new Float64Array(0), ys: new Float64Array(0) },
    validation: firstGroup(repos.validations.currentLosses(runId)),
  };
}

/** Tokens of one iteration now, from the newest two consumed-token counts (right under a batch-size ramp-up). */
function tokensPerIteration(c: { xs: Float64Array; ys: Float64Array } | undefined): number | null {
  const n = c?.xs.length ?? 0;
  if (!c || n < 2) return null;
  const dx = (c.xs[n - 1] as number) - (c.xs[n - 2] as number);
  const dy = (c.ys[n - 1] as number) - (c.ys[n - 2] as number);
  return dx > 0 && dy > 0 && Number.isFinite(dy) ? dy / dx : null;
}

/** The validation group shown publicly: the first by name (rows come by group, then iteration). */
function firstGroup(rows: { g: string; iteration: number; loss: number | null }[]) {
  const g = rows[0]?.g;
  return rows.filter((r) => r.g === g).map(({ iteration, loss }) => ({ iteration, loss }));
}
