// How far a training loss is above its recent normal: the one judgement both the loss-spike (F5) and the
// divergence (F6) detectors make. Scores are on ln(loss) and ln(grad norm), where a spike is a ratio, against a
// median and MAD of the last points the caller accepted. With fewer points than that (a post-mortem excerpt often
// starts a few iterations before the jump) plain ratios against the previous points decide instead.
import { RollingWindow } from './robust.js';

export interface LossBaselineOptions {
  /** Points in the rolling baseline (a few hundred iterations at log interval 1, F5). */
  window: number;
  /** Fewer accepted points than this: the few-points ratio rule. */
  minPoints: number;
  /** Robust score (ln loss above the median, in robust standard deviations) that makes a spike. */
  spikeScore: number;
  /** …and the loss must be at least this multiple of the baseline: a flat loss has a tiny MAD. */
  spikeRatio: number;
  /** Below this score the loss is back in the baseline band. */
  bandScore: number;
  /** Smallest spread assumed for ln(loss) (0.01 ≈ 1%): real steady-state noise is ~0.3%. */
  sigmaFloor: number;
  /** A grad norm this many times its baseline lowers the bar for the loss (F5: they usually come together). */
  gradJump: number;
  /** The lowered bar: a score and a ratio a loss must still reach with a grad-norm jump. */
  gradAssistedScore: number;
  gradAssistedRatio: number;
  /** Few-points rule: a loss this many times the median of the previous points is a spike… */
  fewPointsRatio: number;
  /** …and one below this multiple is back in band. */
  fewPointsBandRatio: number;
}

export const DEFAULT_LOSS_BASELINE: LossBaselineOptions = {
  window: 100,
  minPoints: 8,
  spikeScore: 6,
  spikeRatio: 1.1,
  bandScore: 3,
  sigmaFloor: 0.01,
  gradJump: 10,
  gradAssistedScore: 3,
  gradAssistedRatio: 1.05,
  fewPointsRatio: 1.5,
  fewPointsBandRatio: 1.2,
};

export interface LossAssessment {
  mode: 'robust' | 'few_points';
  /** ln(loss / baseline) in robust standard deviations (with the floor spread in few-points mode). */
  score: number;
  /** loss / baseline loss. */
  ratio: number;
  baselineLoss: number;
  /** grad norm / baseline grad norm, or null without both. */
  gradRatio: number | null;
  baselineGradNorm: number | null;
  baselinePoints: number;
  spike: boolean;
  inBand: boolean;
}

export class LossBaseline {
  private readonly lnLoss: RollingWindow;
  private readonly lnGrad: RollingWindow;

  constructor(private readonly opts: LossBaselineOptions = DEFAULT_LOSS_BASELINE) {
    this.lnLoss = new RollingWindow(opts.window);
    this.lnGrad = new RollingWindow(opts.window);
  }

  /** Adds a point to the baseline. Grad norm ≤ 0 (2021 fp16 logs print 0.000) is no information. */
  accept(loss: number, gradNorm: number | null): void {
    this.lnLoss.push(Math.log(loss));
    if (gradNorm !== null && gradNorm > 0) this.lnGrad.push(Math.log(gradNorm));
  }

  /** Judges a finite positive loss against the accepted points; null before the first one. */
  assess(loss: number, gradNorm: number | null): LossAssessment | null {
    const n = this.lnLoss.size;
    if (n === 0) return null;
    const o = this.opts;
    const lnMedian = this.lnLoss.median();
    const lnRatio = Math.log(loss) - lnMedian;
    const ratio = Math.exp(lnRatio);
    const gradMedian = this.lnGrad.size > 0 ? Math.exp(this.lnGrad.median()) : null;
    const gradRatio = gradMedian !== null && gradNorm !== null && gradNorm > 0 ? gradNorm / gradMedian : null;
    const gradJumped = gradRatio !== null && gradRatio >= o.gradJump;
    const robust = n >= o.minPoints;
    const score = lnRatio / (robust ? this.lnLoss.sigma(o.sigmaFloor) : o.sigmaFloor);
    const spike = robust
      ? (score >= o.spikeScore && ratio >= o.spikeRatio) ||
        (gradJumped && score >= o.gradAssistedScore && ratio >= o.gradAssistedRatio)
      : ratio >= o.fewPointsRatio || (gradJumped && ratio >= o.gradAssistedRatio);
    const inBand = robust ? score < o.bandScore : ratio < o.fewPointsBandRatio;
    return {
      mode: robust ? 'robust' : 'few_points',
      score,
      ratio,
      baselineLoss: Math.exp(lnMedian),
      gradRatio,
      baselineGradNorm: gradMedian,
      baselinePoints: n,
      spike,
      inBand,
    };
  }
}
