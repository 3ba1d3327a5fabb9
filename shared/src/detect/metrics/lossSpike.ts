// F5, a loss spike that recovers: a jump of the training loss well above its rolling baseline (lossBaseline.ts),
// open while the loss stays out of the baseline band, resolved when it comes back. The baseline is frozen while a
// spike is open so the spike never becomes its own normal. It only warns: a spike is not rolled back (F5 "don't"),
// and grad-norm jumps alone never open one — they only lower the bar for the loss. The first line of a segment
// (a banner, a job start, iterations going back) gets no such help: after a restart the grad norm is often out of
// line and the loss shifted with the topology (tr11 reshape tp1-pp72: loss 1.94 → 2.04, grad norm ×10), then settle.
import type { IterationEvent } from '../../log/events.js';
import type { DetectContext, DetectInput, Detector } from '../detector.js';
import type { Incident } from '../incident.js';
import { copyIncidents, detail, fmt, iterationEvidence } from './incidentParts.js';
import { DEFAULT_LOSS_BASELINE, type LossAssessment, LossBaseline, type LossBaselineOptions } from './lossBaseline.js';

interface OpenSpike {
  incident: Incident;
  peakLoss: number;
  peakGradNorm: number | null;
}

/** A finite positive loss, or null (missing, NaN, ±∞: the divergence detector's business). */
export function usableLoss(e: IterationEvent): number | null {
  return e.lmLoss !== null && Number.isFinite(e.lmLoss) && e.lmLoss > 0 ? e.lmLoss : null;
}

export function usableGradNorm(e: IterationEvent): number | null {
  return e.gradNorm !== null && Number.isFinite(e.gradNorm) && e.gradNorm > 0 ? e.gradNorm : null;
}

export class LossSpikeDetector implements Detector {
  private readonly baseline: LossBaseline;
  private readonly all: Incident[] = [];
  private open: OpenSpike | null = null;
  private segment = -1;
  private lastIteration: number | null = null;

  constructor(
    private readonly ctx: DetectContext,
    opts: LossBaselineOptions = DEFAULT_LOSS_BASELINE,
  ) {
    this.baseline = new LossBaseline(opts);
  }

  observe({ event, timeMs }: DetectInput): void {
    if (event.type !== 'iteration') return;
    const first = this.startsSegment(event);
    const loss = usableLoss(event);
    if (loss === null) return;
    const gradNorm = first ? null : usableGradNorm(event);
    const a = this.baseline.assess(loss, gradNorm);
    if (this.open) {
      this.follow(this.open, event, loss, gradNorm, a, timeMs);
    } else if (a?.spike) {
      this.open = this.start(event, loss, gradNorm, a, timeMs);
      this.all.push(this.open.incident);
    } else {
      this.baseline.accept(loss, gradNorm);
    }
  }

  tick(): void {}

  private startsSegment(e: IterationEvent): boolean {
    const restart = this.segment !== this.ctx.run.segment || (this.lastIteration ?? -1) >= e.iteration;
    this.segment = this.ctx.run.segment;
    this.lastIteration = e.iteration;
    return restart;
  }

  incidents(): Incident[] {
    return copyIncidents(this.all);
  }

  private start(
    e: IterationEvent,
    loss: number,
    gradNorm: number | null,
    a: LossAssessment,
    timeMs: number,
  ): OpenSpike {
    const saved = this.ctx.run.lastSavedIteration;
    const before = saved === null ? `the last checkpoint saved before iteration ${e.iteration}` : `global_step${saved}`;
    const grad = gradNorm === null ? '' : `, grad norm ${fmt(gradNorm)}`;
    const gradJump = a.gradRatio !== null && a.gradRatio >= 2 ? ` with grad norm ×${fmt(a.gradRatio)}` : '';
    const incident: Incident = {
      key: `loss_spike:${e.offset}`,
      kind: 'loss_spike',
      severity: 'warning',
      title: `Loss spike at iteration ${e.iteration}: lm loss ${fmt(loss)}, ×${fmt(a.ratio)} its baseline ${fmt(a.baselineLoss)}${gradJump}`,
      iteration: e.iteration,
      offset: e.offset,
      evidence: [
        iterationEvidence(e, `first spiking line, lm loss ${fmt(loss)} (baseline ${fmt(a.baselineLoss)})${grad}`),
      ],
      suggestedAction: {
        kind: 'none',
        text: `Pin ${before} and the first checkpoint saved after the spike so retention keeps them; no rollback while it recovers.`,
      },
      workLostIterations: null,
      openedAtMs: timeMs,
      resolvedAtMs: null,
      details: {
        score: detail(a.score),
        mode: a.mode,
        baselineLoss: detail(a.baselineLoss),
        baselineGradNorm: detail(a.baselineGradNorm),
        baselinePoints: a.baselinePoints,
        peakLoss: detail(loss),
        peakIteration: e.iteration,
        peakGradNorm: detail(gradNorm),
        lastSavedIteration: saved,
      },
    };
    return { incident, peakLoss: loss, peakGradNorm: gradNorm };
  }

  private follow(
    open: OpenSpike,
    e: IterationEvent,
    loss: number,
    gradNorm: number | null,
    a: LossAssessment | null,
    timeMs: number,
  ): void {
    const { incident } = open;
    const details = incident.details!;
    if (gradNorm !== null && (open.peakGradNorm === null || gradNorm > open.peakGradNorm)) {
      open.peakGradNorm = gradNorm;
      details.peakGradNorm = detail(gradNorm);
    }
    if (loss > open.peakLoss) {
      open.peakLoss = loss;
      Object.assign(details, { peakLoss: detail(loss), peakIteration: e.iteration, score: detail(a?.score ?? null) });
      incident.evidence = [incident.evidence[0]!, iterationEvidence(e, `peak, lm loss ${fmt(loss)}`)];
    }
    if (a?.inBand) {
      incident.resolvedAtMs = timeMs;
      details.resolvedIteration = e.iteration;
      this.open = null;
      this.baseline.accept(loss, gradNorm);
    }
  }
}
