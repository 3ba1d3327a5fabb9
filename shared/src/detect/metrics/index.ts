// The metric detectors (issue 15, first layer): loss spike (F5), divergence (F6) and throughput regression
// (F7, F16), each a pure state machine over the parser's iteration events. The framework (detector.ts) builds
// them per run with the shared RunState.
import type { DetectContext, Detector, DetectorFactory } from '../detector.js';
import { DivergenceDetector } from './divergence.js';
import { LossSpikeDetector } from './lossSpike.js';
import { ThroughputRegressionDetector } from './throughputRegression.js';

export const METRIC_DETECTOR_FACTORIES: readonly DetectorFactory[] = [
  (ctx) => new LossSpikeDetector(ctx),
  (ctx) => new DivergenceDetector(ctx),
  (ctx) => new ThroughputRegressionDetector(ctx),
];

/** One fresh instance of every metric detector for a run. */
export function metricDetectors(ctx: DetectContext): Detector[] {
  return METRIC_DETECTOR_FACTORIES.map((make) => make(ctx));
}

export { DivergenceDetector, LossSpikeDetector, ThroughputRegressionDetector };
