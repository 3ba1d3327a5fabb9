// The public snapshot of a published run, built from the private overview data the server already has (latest
// iteration, recent speed, jobs, health, loss series). Pure, and the output is PublicSnapshotSchema.parse(...)'d:
// the allow-list is enforced by parsing, so a field added here by mistake fails instead of leaking.
import type { HealthState } from '../dashboard/runHealth.js';
import { runProgress } from '../dashboard/progress.js';
import { minMaxIndices } from '../metrics/downsample.js';
import {
  MAX_PUBLIC_POINTS,
  PublicSnapshotSchema,
  type PublicSnapshot,
  type PublicState,
  type PublicValidation,
} from './snapshot.js';
import { publicTimeline, type TimelineJob } from './timeline.js';

export interface PublicationSettings {
  slug: string;
  title: string;
  description: string | null;
  showNodes: boolean;
}

/** A series as columns (the series cache's shape): xs = iterations ascending, ys = values. */
export interface SeriesColumnsInput {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
}

export interface SnapshotInputs {
  nowMs: number;
  publication: PublicationSettings;
  latest: {
    iteration: number;
    trainIters: number | null;
    /** When the row was logged (ms). */
    timeMs: number | null;
    consumedTokens: number | null;
    tflops: number | null;
  } | null;
  /** Mean wall time of recent iterations, ms. */
  recentIterationMs: number | null;
  /** Tokens one iteration trains now (global batch × sequence length); null when unknown. */
  tokensPerIteration: number | null;
  targetTokens: number | null;
  lastCheckpointIteration: number | null;
  /** The run's health state (runHealth) and its desired state: a crash with an active run will be resubmitted. */
  health: HealthState;
  desiredState: string | null;
  /** Oldest first. */
  jobs: readonly TimelineJob[];
  checkpoints: readonly { iteration: number | null; timeMs: number | null }[];
  /** The current lm-loss series (any length: it is downsampled here). */
  train: SeriesColumnsInput;
  /** Validation lm loss of the first validation group, by iteration ascending. */
  validation: readonly { iteration: number; loss: number | null }[];
}

/** The public word for a health state: what a reader needs, none of the operator's detail. */
export function publicState(health: HealthState, desiredState: string | null): PublicState {
  switch (health) {
    case 'healthy':
      return 'training';
    case 'stalled':
      return 'stalled';
    case 'resubmitted':
      return 'restarting';
    case 'crashed':
      // The controller resubmits an active run; a crash of a followed or held run waits for a person.
      return desiredState === 'active' ? 'restarting' : 'stopped';
    case 'finished':
    case 'queued':
    case 'stopped':
      return health;
    default:
      return 'unknown';
  }
}

/** [iteration, value] pairs of finite values, min/max-downsampled to ≤ MAX_PUBLIC_POINTS (the newest point kept). */
export function publicCurve(series: SeriesColumnsInput, max = MAX_PUBLIC_POINTS): [number, number][] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < series.xs.length; i++) {
    const x = series.xs[i] as number;
    const y = series.ys[i] as number;
    // JSON has no NaN: a diverged step is left out of the public curve (the private charts show it).
    if (Number.isFinite(y) && Number.isInteger(x) && x >= 0) {
      xs.push(x);
      ys.push(y);
    }
  }
  // minMaxIndices keeps ≈ 2 per bucket plus the last point: ask for a little less so the cap always holds.
  const keep = minMaxIndices(ys, max - 2);
  const indexes = keep ?? xs.map((_, i) => i);
  return indexes.slice(-max).map((i) => [xs[i] as number, ys[i] as number]);
}

function validationOf(points: SnapshotInputs['validation']): {
  current: PublicValidation | null;
  best: PublicValidation | null;
  curve: [number, number][];
} {
  const finite = points.filter(
    (p): p is { iteration: number; loss: number } => p.loss !== null && Number.isFinite(p.loss),
  );
  const pv = (p: { iteration: number; loss: number }): PublicValidation => {
    const perplexity = Math.exp(p.loss);
    return { iteration: p.iteration, loss: p.loss, perplexity: Number.isFinite(perplexity) ? perplexity : null };
  };
  const last = finite.at(-1);
  const best = finite.reduce<(typeof finite)[number] | undefined>((b, p) => (!b || p.loss < b.loss ? p : b), undefined);
  const curve = publicCurve({ xs: finite.map((p) => p.iteration), ys: finite.map((p) => p.loss) });
  return { current: last ? pv(last) : null, best: best ? pv(best) : null, curve };
}

/** Wall time with a job running (ms) and when the first job started; overlapping jobs are counted once. */
export function trainedTime(
  jobs: readonly TimelineJob[],
  nowMs: number,
): { trainedMs: number; firstStartMs: number | null } {
  const spans = jobs
    .filter((j) => j.startedAt !== null)
    .map((j) => [j.startedAt as number, Math.min(j.endedAt ?? nowMs, nowMs)] as const)
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let trainedMs = 0;
  let reach = -Infinity;
  for (const [a, b] of spans) {
    const from = Math.max(a, reach);
    if (b > from) trainedMs += b - from;
    reach = Math.max(reach, b);
  }
  const firstStartMs = jobs.reduce<number | null>(
    (m, j) => (j.startedAt === null ? m : m === null ? j.startedAt : Math.min(m, j.startedAt)),
    null,
  );
  return { trainedMs, firstStartMs };
}

function progressOf(i: SnapshotInputs, state: PublicState): PublicSnapshot['progress'] {
  const latest = i.latest;
  const iterationTarget = latest?.trainIters && latest.trainIters > 0 ? latest.trainIters : null;
  const tokenTarget = i.targetTokens && i.targetTokens > 0 ? i.targetTokens : null;
  const tokensSeen = latest?.consumedTokens != null && latest.consumedTokens >= 0 ? latest.consumedTokens : null;
  if (!latest) return { iteration: null, iterationTarget, tokensSeen, tokenTarget, fraction: null, etaAt: null };
  const p = runProgress({
    iteration: latest.iteration,
    trainIters: iterationTarget ?? latest.iteration,
    recentIterationMs: i.recentIterationMs,
    lastCheckpointIteration: i.lastCheckpointIteration,
    consumedTokens: tokensSeen,
    targetTokens: tokenTarget,
  });
  const fraction = p.tokenFraction ?? (iterationTarget ? p.fraction : null);
  // Only a training run has an honest ETA; an ETA at the time of the last line, not of the rebuild.
  const etaMs = state === 'training' && iterationTarget !== null ? p.etaMs : null;
  const from = latest.timeMs ?? i.nowMs;
  return {
    iteration: latest.iteration,
    iterationTarget,
    tokensSeen,
    tokenTarget,
    fraction,
    etaAt: etaMs === null ? null : new Date(from + etaMs).toISOString(),
  };
}

function throughputOf(i: SnapshotInputs): PublicSnapshot['throughput'] {
  const perIt = i.recentIterationMs;
  const tokensPerSecond =
    i.tokensPerIteration !== null && i.tokensPerIteration > 0 && perIt !== null && perIt > 0
      ? i.tokensPerIteration / (perIt / 1000)
      : null;
  const tflops = i.latest?.tflops;
  return {
    tokensPerSecond: tokensPerSecond !== null && Number.isFinite(tokensPerSecond) ? tokensPerSecond : null,
    tflopsPerGpu: tflops != null && Number.isFinite(tflops) && tflops >= 0 ? tflops : null,
  };
}

/** The published run's snapshot: only allow-listed fields (parsed), texts written here, not copied. */
export function buildPublicSnapshot(i: SnapshotInputs): PublicSnapshot {
  const state = publicState(i.health, i.desiredState);
  const validation = validationOf(i.validation);
  const { trainedMs, firstStartMs } = trainedTime(i.jobs, i.nowMs);
  const wall = firstStartMs === null ? 0 : i.nowMs - firstStartMs;
  const { slug, title, description, showNodes } = i.publication;
  return PublicSnapshotSchema.parse({
    v: 1,
    slug,
    title,
    description: description || null,
    state,
    progress: progressOf(i, state),
    validation: { current: validation.current, best: validation.best },
    loss: { train: publicCurve(i.train), validation: validation.curve },
    throughput: throughputOf(i),
    time: {
      startedAt: firstStartMs === null ? null : new Date(firstStartMs).toISOString(),
      trainedSeconds: trainedMs / 1000,
      uptime: firstStartMs === null ? null : wall > 0 ? Math.min(1, trainedMs / wall) : 1,
    },
    timeline: publicTimeline({ jobs: i.jobs, checkpoints: i.checkpoints, showNodes }),
    updatedAt: i.latest?.timeMs != null ? new Date(i.latest.timeMs).toISOString() : null,
  });
}
