// The metric series a run page charts by default, in display order (the loss first: it is drawn first). The web
// asks /series for these; the server warms its series cache with the same list.
import type { MetricField } from './fields.js';

export const DEFAULT_CHART_FIELDS: readonly MetricField[] = [
  'lmLoss',
  'learningRate',
  'gradNorm',
  'lossScale',
  'samplesPerSecond',
  'tflops',
  'iterationTimeMs',
];
