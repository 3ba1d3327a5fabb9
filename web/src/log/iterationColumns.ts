// The log viewer's "columns" view: a displayed Megatron iteration line read into the four numbers people scan for
// (iteration, loss, grad norm, throughput). The line is parsed by the same label-based parser as ingestion
// (shared/src/log/iteration.ts), so the columns never disagree with the charts; any other line stays text.
import { formatValue } from '@trainboard/shared/dashboard/format';
import { isIterationAt, parseIteration } from '@trainboard/shared/log/iteration';

export interface IterationColumns {
  /** What precedes the record (a `[default0]:` rank prefix, a timestamp), trimmed; '' when nothing. */
  prefix: string;
  iteration: string;
  loss: string;
  gradNorm: string;
  throughput: string;
}

/** NVIDIA Megatron-LM prints its throughput under this label (it lands in `extra`). */
const NVIDIA_TFLOPS = 'throughput per GPU (TFLOP/s/GPU)';
const BASE = { offset: 0, line: 0, rank: null, timestamp: null, overhead: false };

/** Where the word `iteration` starts a record in `line` (after the start, a blank, `]` or `:`); -1 when nowhere. */
function recordStart(line: string): number {
  for (let i = line.indexOf('iteration'); i !== -1; i = line.indexOf('iteration', i + 1)) {
    const before = i === 0 ? ' ' : line[i - 1];
    if ((before === ' ' || before === ']' || before === ':') && isIterationAt(line, i)) return i;
  }
  return -1;
}

/** Whether `line` holds an iteration record (cheap: no parse), for the columns view's widths. */
export function isIterationLine(line: string): boolean {
  return recordStart(line) !== -1;
}

/** A loss with the precision a person compares runs by (6 significant digits), trailing zeros dropped. */
function formatLoss(v: number | null): string {
  return v === null ? '—' : String(Number(v.toPrecision(6)));
}

/** The line's columns, or null when it is not an iteration record. */
export function iterationColumns(line: string): IterationColumns | null {
  const start = recordStart(line);
  if (start === -1) return null;
  const e = parseIteration(line, start, line.length, BASE);
  if (!e) return null;
  const samplesPerSecond =
    e.samplesPerSecond ??
    (e.globalBatchSize !== null && e.iterationTimeMs ? (e.globalBatchSize * 1000) / e.iterationTimeMs : null);
  const tflops = e.tflops ?? e.extra[NVIDIA_TFLOPS] ?? null;
  const throughput = [
    samplesPerSecond === null ? null : `${formatValue(samplesPerSecond)} samples/s`,
    tflops === null ? null : `${formatValue(tflops)} TFLOPs`,
  ].filter((s) => s !== null);
  return {
    prefix: line.slice(0, start).trim(),
    iteration: `${e.iteration} / ${e.trainIters}`,
    loss: formatLoss(e.lmLoss),
    gradNorm: formatValue(e.gradNorm),
    throughput: throughput.length ? throughput.join(' · ') : '—',
  };
}
