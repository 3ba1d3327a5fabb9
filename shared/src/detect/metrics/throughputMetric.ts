// Which throughput figure an iteration line gives, per GPU where it can be (F7, F16): TFLOPs are already per GPU;
// samples per second are divided by the world size when the banner gave it. Old or doc-wrapped lines may carry
// only the elapsed time (the tr11 throughput-drop excerpt's TFLOPs sit on a wrapped fragment), so the iteration
// rate is the last resort. Higher is always better, so a drop is the same ratio whatever the figure.
import type { IterationEvent } from '../../log/events.js';

export type ThroughputMetric =
  'tflops_per_gpu' | 'samples_per_second_per_gpu' | 'samples_per_second' | 'iterations_per_hour';

export interface ThroughputSample {
  metric: ThroughputMetric;
  value: number;
  /** The elapsed time per iteration, in seconds, when the line has it (what people read in the log). */
  secondsPerIteration: number | null;
}

/** How each figure reads for people, in titles and evidence. */
export const METRIC_LABELS: Record<ThroughputMetric, string> = {
  tflops_per_gpu: 'TFLOPs per GPU',
  samples_per_second_per_gpu: 'samples/s per GPU',
  samples_per_second: 'samples/s',
  iterations_per_hour: 'iterations/h',
};

const positive = (v: number | null): v is number => v !== null && Number.isFinite(v) && v > 0;

export function throughputOf(e: IterationEvent, worldSize: number | null): ThroughputSample | null {
  const seconds = positive(e.iterationTimeMs) ? e.iterationTimeMs / 1000 : null;
  if (positive(e.tflops)) return { metric: 'tflops_per_gpu', value: e.tflops, secondsPerIteration: seconds };
  let samplesPerSecond = positive(e.samplesPerSecond) ? e.samplesPerSecond : null;
  if (samplesPerSecond === null && seconds !== null && positive(e.globalBatchSize)) {
    samplesPerSecond = e.globalBatchSize / seconds;
  }
  if (samplesPerSecond !== null) {
    return positive(worldSize)
      ? { metric: 'samples_per_second_per_gpu', value: samplesPerSecond / worldSize, secondsPerIteration: seconds }
      : { metric: 'samples_per_second', value: samplesPerSecond, secondsPerIteration: seconds };
  }
  return seconds === null
    ? null
    : { metric: 'iterations_per_hour', value: 3600 / seconds, secondsPerIteration: seconds };
}
