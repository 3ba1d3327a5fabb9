// The numeric series of an iteration that charts, the REST API and the socket stream know by name.
// Names are the parser's IterationEvent field names, so one vocabulary runs from the log line to the chart.

export const METRIC_FIELDS = [
  'lmLoss',
  'learningRate',
  'gradNorm',
  'lossScale',
  'iterationTimeMs',
  'samplesPerSecond',
  'tflops',
  'consumedSamples',
  'consumedTokens',
  'globalBatchSize',
  'numZeros',
  'skippedIterations',
  'nanIterations',
] as const;

export type MetricField = (typeof METRIC_FIELDS)[number];

/**
 * A metric value on the wire. JSON has no NaN or Infinity (socket.io and JSON.stringify turn them into null, which
 * would read as "not logged"), so non-finite values travel as these strings; null means the line did not carry it.
 */
export type WireNumber = number | null | 'NaN' | 'Infinity' | '-Infinity';

export function toWireNumber(v: number | null): WireNumber {
  if (v === null || Number.isFinite(v)) return v;
  return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

export function fromWireNumber(v: WireNumber): number | null {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

export function isMetricField(name: string): name is MetricField {
  return (METRIC_FIELDS as readonly string[]).includes(name);
}
