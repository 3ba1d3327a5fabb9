// F6, divergence: a NaN or missing loss, a non-finite grad norm, nan iterations, skipped iterations that keep
// coming, or a loss that stays far above its baseline longer than a spike would (F5 escalates here). It is
// critical and proposes a stop and a rollback to the last good checkpoint: the last save (or load) before the
// first anomalous line. One incident per episode; it resolves after a run of healthy lines (e.g. after a rollback).
import type { IterationEvent, ValidationEvent } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { copyIncidents } from './incidentParts.js';
import { DEFAULT_LOSS_BASELINE, LossBaseline, type LossBaselineOptions } from './lossBaseline.js';
import { usableGradNorm, usableLoss } from './lossSpike.js';
import { type SignalHit, iterationSignals, validationSignal } from './divergenceSignals.js';

export interface DivergenceOptions {
  baseline: LossBaselineOptions;
  /** A loss out of band and ≥ spikeRatio × baseline for this many iterations is divergence, not a spike… */
  highIterations: number;
  /** …over at least this many logged lines (logs every 10 iterations are common). */
  highLines: number;
  /** Consecutive lines reporting skipped iterations (an fp16 overflow now and then is normal). */
  skippedLines: number;
  /** Up to this iteration skipped iterations are the fp16 loss-scale calibration at the start of training. */
  skippedAfterIteration: number;
  /** Healthy lines in a row that resolve an open divergence. */
  healthyLines: number;
}

export const DEFAULT_DIVERGENCE: DivergenceOptions = {
  baseline: DEFAULT_LOSS_BASELINE,
  highIterations: 1000,
  highLines: 5,
  skippedLines: 5,
  skippedAfterIteration: 100,
  healthyLines: 5,
};

/** The first line of a stateful streak, with the good checkpoint as it was then. */
interface Streak {
  event: IterationEvent;
  goodCheckpoint: number | null;
  lines: number;
}

export class DivergenceDetector implements Detector {
  private readonly baseline: LossBaseline;
  private readonly all: Incident[] = [];
  private open: Incident | null = null;
  private healthy = 0;
  private high: Streak | null = null;
  private skipped: Streak | null = null;
  private lastIteration: number | null = null;

  constructor(
    private readonly ctx: DetectContext,
    private readonly opts: DivergenceOptions = DEFAULT_DIVERGENCE,
  ) {
    this.baseline = new LossBaseline(opts.baseline);
  }

  observe({ event, timeMs }: DetectInput): void {
    if (event.type === 'validation') {
      const hit = validationSignal(event);
      if (hit) this.raise(hit, event, event.iteration ?? event.afterIteration, this.goodCheckpoint(), timeMs);
    } else if (event.type === 'iteration') {
      this.observeIteration(event, timeMs);
    }
  }

  tick(): void {}

  incidents(): Incident[] {
    return copyIncidents(this.all);
  }

  private observeIteration(e: IterationEvent, timeMs: number): void {
    if (this.lastIteration !== null && e.iteration <= this.lastIteration) this.high = this.skipped = null;
    this.lastIteration = e.iteration;
    const loss = usableLoss(e);
    const gradNorm = usableGradNorm(e);
    const a = loss === null ? null : this.baseline.assess(loss, gradNorm);
    const isHigh = a !== null && !a.inBand && a.ratio >= this.opts.baseline.spikeRatio;
    if (loss !== null) this.high = isHigh ? this.extend(this.high, e) : null;
    const skipping = (e.skippedIterations ?? 0) > 0 && e.iteration > this.opts.skippedAfterIteration;
    if (e.skippedIterations !== null) this.skipped = skipping ? this.extend(this.skipped, e) : null;
    const immediate = iterationSignals(e);
    if (immediate.length > 0) {
      for (const hit of immediate) this.raise(hit, e, e.iteration, this.goodCheckpoint(), timeMs);
    } else if (this.high && this.isSustainedHigh(this.high, e)) {
      const text = `lm loss ≥ ${this.opts.baseline.spikeRatio}× its baseline and out of its band since iteration ${this.high.event.iteration}`;
      this.raise(
        { signal: 'loss_high', text },
        this.high.event,
        this.high.event.iteration,
        this.high.goodCheckpoint,
        timeMs,
      );
    } else if (this.skipped && this.skipped.lines >= this.opts.skippedLines) {
      const text = `skipped iterations on ${this.skipped.lines} lines in a row`;
      this.raise(
        { signal: 'skipped_iterations', text },
        this.skipped.event,
        this.skipped.event.iteration,
        this.skipped.goodCheckpoint,
        timeMs,
      );
    } else if (loss !== null && !isHigh && !skipping) {
      this.baseline.accept(loss, gradNorm);
      this.healthyLine(timeMs, e.iteration);
      return;
    }
    this.healthy = 0;
    if (this.open) this.updateWorkLost(this.open, e.iteration);
  }

  private extend(streak: Streak | null, e: IterationEvent): Streak {
    return streak
      ? { ...streak, lines: streak.lines + 1 }
      : { event: e, goodCheckpoint: this.goodCheckpoint(), lines: 1 };
  }

  private isSustainedHigh(high: Streak, e: IterationEvent): boolean {
    return high.lines >= this.opts.highLines && e.iteration - high.event.iteration >= this.opts.highIterations;
  }

  /** The last save or load: a checkpoint written before anything anomalous. */
  private goodCheckpoint(): number | null {
    const { lastSavedIteration: saved, loadedIteration: loaded } = this.ctx.run;
    return saved === null && loaded === null ? null : Math.max(saved ?? -1, loaded ?? -1);
  }

  private healthyLine(timeMs: number, iteration: number): void {
    this.healthy += 1;
    if (!this.open) return;
    this.updateWorkLost(this.open, iteration);
    if (this.healthy < this.opts.healthyLines) return;
    this.open.resolvedAtMs = timeMs;
    this.open.details!.resolvedIteration = iteration;
    this.open = null;
  }

  private updateWorkLost(open: Incident, iteration: number): void {
    const good = open.details!.lastGoodCheckpoint;
    if (typeof good === 'number') open.workLostIterations = Math.max(0, iteration - good);
  }

  private raise(
    hit: SignalHit,
    at: IterationEvent | ValidationEvent,
    iteration: number | null,
    goodCheckpoint: number | null,
    timeMs: number,
  ): void {
    const evidence = {
      offset: at.offset,
      line: at.line,
      text: `${iteration === null ? '' : `iteration ${iteration}: `}${hit.text}`,
    };
    if (this.open) {
      const signals = String(this.open.details!.signals).split(',');
      if (signals.includes(hit.signal) || this.open.evidence.length >= 6) return;
      this.open.evidence.push(evidence);
      this.open.details!.signals = [...signals, hit.signal].join(',');
      return;
    }
    this.open = divergenceIncident(hit, evidence, iteration, goodCheckpoint, timeMs);
    this.all.push(this.open);
  }
}

function divergenceIncident(
  hit: SignalHit,
  evidence: Incident['evidence'][number],
  iteration: number | null,
  good: number | null,
  timeMs: number,
): Incident {
  const at = iteration === null ? 'the first anomalous line' : `iteration ${iteration}`;
  const rollback =
    good === null
      ? `No checkpoint save before ${at} is in this log: resubmit from the last one saved before it`
      : `Resubmit from global_step${good}, the last checkpoint saved before ${at}`;
  return {
    key: `divergence:${evidence.offset}`,
    kind: 'divergence',
    severity: 'critical',
    title: `Training diverged at ${at}: ${hit.text}`,
    iteration,
    offset: evidence.offset,
    evidence: [evidence],
    suggestedAction: {
      kind: 'stop',
      text: `Stop the run (kill switch). ${rollback}, with a change (seed, data order, learning rate).`,
    },
    workLostIterations: good === null || iteration === null ? null : Math.max(0, iteration - good),
    openedAtMs: timeMs,
    resolvedAtMs: null,
    details: { signal: hit.signal, signals: hit.signal, lastGoodCheckpoint: good },
  };
}
