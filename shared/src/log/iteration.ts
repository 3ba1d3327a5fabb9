// The per-iteration line (megatron-log-format.md §2): ` iteration <cur>/<total> |( <label>: <value> |)*`.
// Parsed by label, never by position; unknown numeric labels are kept under `extra`.
// Hot path: the expected next label is tried with startsWith (no allocation) before a generic lookup.

import type { IterationEvent } from './events.js';
import { cursor, parseNumber, scanNumber, scanUint } from './numbers.js';

const enum Field {
  ConsumedSamples,
  ConsumedTokens,
  TimeSeconds,
  TimeMs,
  LearningRate,
  GlobalBatchSize,
  LmLoss,
  LossScale,
  GradNorm,
  NumZeros,
  Skipped,
  Nan,
  SamplesPerSecond,
  Tflops,
}

/** Known labels, in the order the bigscience fork prints them. */
const KNOWN: ReadonlyArray<readonly [string, Field]> = [
  ['consumed samples', Field.ConsumedSamples],
  ['consumed tokens', Field.ConsumedTokens],
  ['elapsed time per iteration (s)', Field.TimeSeconds],
  ['elapsed time per iteration (ms)', Field.TimeMs],
  ['learning rate', Field.LearningRate],
  ['global batch size', Field.GlobalBatchSize],
  ['lm loss', Field.LmLoss],
  ['lm-loss', Field.LmLoss],
  ['loss scale', Field.LossScale],
  ['grad norm', Field.GradNorm],
  ['num zeros', Field.NumZeros],
  ['number of skipped iterations', Field.Skipped],
  ['number of nan iterations', Field.Nan],
  ['samples per second', Field.SamplesPerSecond],
  ['TFLOPs', Field.Tflops],
];
const BY_LABEL = new Map<string, Field>(KNOWN.map(([label, field]) => [label, field]));
/** Shared with the byte-level fast path (iterationBytes.ts). */
export const KNOWN_LABELS = KNOWN.map(([label]) => label);
export const KNOWN_FIELDS: number[] = KNOWN.map(([, field]) => field);
const KNOWN_COUNT = KNOWN.length;

/**
 * Whether `s[i...]` starts an iteration record: `iteration`, blanks, a digit.
 * (Excludes other frameworks' `iteration:` lines, e.g. HF M4's.)
 */
export function isIterationAt(s: string, i: number): boolean {
  if (!s.startsWith('iteration', i)) return false;
  let k = i + 9;
  if (s.charCodeAt(k) !== 32) return false;
  while (s.charCodeAt(k) === 32) k++;
  const c = s.charCodeAt(k);
  return c >= 48 && c <= 57;
}

/** `s.startsWith(label, k)` as a loop TurboFan can inline (startsWith is a builtin call on the hot path). */
function matchesAt(s: string, k: number, label: string): boolean {
  const n = label.length;
  for (let m = 0; m < n; m++) if (s.charCodeAt(k + m) !== label.charCodeAt(m)) return false;
  return true;
}

function skipBlanks(s: string, i: number, end: number): number {
  while (i < end && s.charCodeAt(i) === 32) i++;
  return i;
}

/**
 * Parses the iteration record in `s[…, end)` whose word `iteration` starts at `s[i]`.
 * @returns the event, or null when the `<cur>/<total> |` head is malformed.
 */
export function parseIteration(
  s: string,
  i: number,
  end: number,
  base: { offset: number; line: number; rank: number | null; timestamp: number | null; overhead: boolean },
): IterationEvent | null {
  let k = skipBlanks(s, i + 9, end);
  const cur = scanUint(s, k, end);
  if (cur < 0) return null;
  k = skipBlanks(s, cursor.end, end);
  if (s.charCodeAt(k) !== 47) return null;
  k = skipBlanks(s, k + 1, end);
  const total = scanUint(s, k, end);
  if (total < 0) return null;
  k = skipBlanks(s, cursor.end, end);
  if (k < end && s.charCodeAt(k) !== 124) return null;
  const event = blankIteration(base.offset, base.line, base.rank, cur, total, base.timestamp, base.overhead);
  k++;
  let expected = 0;
  while (k < end) {
    k = skipBlanks(s, k, end);
    if (k >= end) break;
    let field: Field | undefined;
    let colon = -1;
    // Fast path: the label that usually comes next, then a number, blanks and `|`.
    for (let probe = expected; probe < KNOWN_COUNT && probe < expected + 4; probe++) {
      const label = KNOWN_LABELS[probe] as string;
      if (matchesAt(s, k, label) && s.charCodeAt(k + label.length) === 58) {
        field = KNOWN_FIELDS[probe] as Field;
        colon = k + label.length;
        expected = probe + 1;
        break;
      }
    }
    if (field !== undefined) {
      const v = skipBlanks(s, colon + 1, end);
      const value = scanNumber(s, v, end);
      if (value !== undefined) {
        const after = skipBlanks(s, cursor.end, end);
        if (s.charCodeAt(after) === 124) {
          assign(event, field, value);
          k = after + 1;
          continue;
        }
      }
    }
    // General path: any label, any value text up to the next `|`.
    let bar = s.indexOf('|', k);
    if (bar === -1 || bar > end) bar = end;
    if (colon === -1) {
      colon = s.indexOf(':', k);
      if (colon === -1 || colon > bar) {
        k = bar + 1;
        continue;
      }
      let labelEnd = colon;
      while (labelEnd > k && s.charCodeAt(labelEnd - 1) === 32) labelEnd--;
      const label = s.slice(k, labelEnd);
      field = BY_LABEL.get(label);
      if (field === undefined) {
        const value = parseNumber(s, colon + 1, bar);
        if (value !== undefined && label.length > 0) event.extra[label] = value;
        k = bar + 1;
        continue;
      }
    }
    const value = parseNumber(s, colon + 1, bar);
    if (value !== undefined) assign(event, field as Field, value);
    k = bar + 1;
  }
  let last = end - 1;
  while (last >= i && s.charCodeAt(last) === 32) last--;
  event.truncated = s.charCodeAt(last) !== 124;
  return event;
}
/** Stores a value by field id (ids as in KNOWN_FIELDS). */
export function assignField(e: IterationEvent, field: number, v: number): void {
  assign(e, field as Field, v);
}

function assign(e: IterationEvent, field: Field, v: number): void {
  switch (field) {
    case Field.ConsumedSamples:
      e.consumedSamples = v;
      break;
    case Field.ConsumedTokens:
      e.consumedTokens = v;
      break;
    case Field.TimeSeconds:
      e.iterationTimeMs = Math.round(v * 1e6) / 1e3;
      break;
    case Field.TimeMs:
      e.iterationTimeMs = v;
      break;
    case Field.LearningRate:
      e.learningRate = v;
      break;
    case Field.GlobalBatchSize:
      e.globalBatchSize = v;
      break;
    case Field.LmLoss:
      e.lmLoss = v;
      break;
    case Field.LossScale:
      e.lossScale = v;
      break;
    case Field.GradNorm:
      e.gradNorm = v;
      break;
    case Field.NumZeros:
      e.numZeros = v;
      break;
    case Field.Skipped:
      e.skippedIterations = v;
      break;
    case Field.Nan:
      e.nanIterations = v;
      break;
    case Field.SamplesPerSecond:
      e.samplesPerSecond = v;
      break;
    case Field.Tflops:
      e.tflops = v;
      break;
  }
}

/** An iteration event with every metric absent (null): the parsers fill in what the line carries. */
export function blankIteration(
  offset: number,
  line: number,
  rank: number | null,
  iteration: number,
  trainIters: number,
  timestamp: number | null,
  overhead: boolean,
): IterationEvent {
  return {
    type: 'iteration',
    offset,
    line,
    rank,
    iteration,
    trainIters,
    consumedSamples: null,
    consumedTokens: null,
    iterationTimeMs: null,
    learningRate: null,
    globalBatchSize: null,
    lmLoss: null,
    lossScale: null,
    gradNorm: null,
    numZeros: null,
    skippedIterations: null,
    nanIterations: null,
    samplesPerSecond: null,
    tflops: null,
    extra: {},
    timestamp,
    overhead,
    truncated: false,
  };
}
