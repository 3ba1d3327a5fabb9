// The metric detectors (F5 loss spike, F6 divergence, F7/F16 throughput): helper F's branch h/metricdet fills this.
import type { DetectorFactory } from '../detector.js';

export const METRIC_DETECTORS: DetectorFactory[] = [];
