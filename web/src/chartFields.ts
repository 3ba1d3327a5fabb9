// The metric series a run page charts, in display order (the loss first: it is drawn first).
import type { MetricField } from '@trainboard/shared/metrics/fields';

export const CHART_FIELDS: MetricField[] = [
  'lmLoss',
  'learningRate',
  'gradNorm',
  'lossScale',
  'samplesPerSecond',
  'tflops',
  'iterationTimeMs',
];
