// The hot path: a well-formed iteration line parsed straight from bytes, before any UTF-8 decoding.
// Iteration lines are ~85% of a BLOOM log; decoding them to strings and scanning with charCodeAt cost more than
// everything else together. This accepts only the clean case (optional `[roleN]:` prefix, ` iteration N/M |`,
// then `label: number |` segments with known labels, ending with `|`) and returns null for anything else, which
// then takes the general string path in iteration.ts. Both paths must give identical events (tested).

import type { IterationEvent } from './events.js';
import { KNOWN_FIELDS, KNOWN_LABELS, assignField, blankIteration } from './iteration.js';

const LABEL_BYTES: Uint8Array[] = KNOWN_LABELS.map((label) => Uint8Array.from(label, (ch) => ch.charCodeAt(0)));
const LABEL_COUNT = LABEL_BYTES.length;
const ITERATION = Uint8Array.from('iteration', (ch) => ch.charCodeAt(0));

const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
  1e21, 1e22,
];

/** Shared scan state (no per-call allocation): where a scan stopped. */
const scan = { end: 0 };

function matches(b: Uint8Array, k: number, label: Uint8Array): boolean {
  const n = label.length;
  for (let m = 0; m < n; m++) if (b[k + m] !== label[m]) return false;
  return true;
}

/** A finite decimal number at `b[i]` (sign, digits, fraction, exponent); NaN when there is none. */
function scanFinite(b: Uint8Array, i: number, end: number): number {
  let c = b[i] as number;
  let negative = false;
  if (c === 45) {
    negative = true;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  while (i < end && (c = b[i] as number) >= 48 && c <= 57) {
    mantissa = mantissa * 10 + (c - 48);
    digits++;
    i++;
  }
  if (i < end && b[i] === 46) {
    i++;
    while (i < end && (c = b[i] as number) >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      fractionDigits++;
      i++;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  let exponent = 0;
  if (i < end && ((c = b[i] as number) === 69 || c === 101)) {
    let k = i + 1;
    let expNegative = false;
    c = b[k] as number;
    if (c === 43 || c === 45) {
      expNegative = c === 45;
      k++;
    }
    const expStart = k;
    while (k < end && (c = b[k] as number) >= 48 && c <= 57) {
      exponent = exponent * 10 + (c - 48);
      k++;
    }
    if (k === expStart) return NaN;
    i = k;
    if (expNegative) exponent = -exponent;
  }
  const e10 = exponent - fractionDigits;
  if (e10 < -22 || e10 > 22) return NaN; // rare: leave it to the string path's exact fallback
  scan.end = i;
  const v = e10 < 0 ? mantissa / (POW10[-e10] as number) : mantissa * (POW10[e10] as number);
  return negative ? -v : v;
}

/** The rank of a `[<letters><digits>]:` prefix at `b[k]` (its end in `scan.end`); -1 when there is none. */
function scanRankPrefix(b: Uint8Array, k: number): number {
  let m = k + 1;
  const lettersStart = m;
  let c = b[m] as number;
  while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) c = b[++m] as number;
  if (m === lettersStart) return -1;
  const digitsStart = m;
  let r = 0;
  while (c >= 48 && c <= 57) {
    r = r * 10 + (c - 48);
    c = b[++m] as number;
  }
  if (m === digitsStart || m - digitsStart > 6 || c !== 93 || b[m + 1] !== 58) return -1;
  scan.end = m + 2;
  return r;
}

/**
 * Parses `b[start, end)` as one clean iteration line.
 * @returns the event, or null when the line is anything else or not clean (then use the string path).
 */
export function parseIterationBytes(
  b: Uint8Array,
  start: number,
  end: number,
  base: { offset: number; line: number; overhead: boolean },
): IterationEvent | null {
  let k = start;
  while (k < end && b[k] === 32) k++;
  let rank: number | null = null;
  if (b[k] === 91) {
    rank = scanRankPrefix(b, k);
    if (rank < 0) return null;
    k = scan.end;
    while (k < end && b[k] === 32) k++;
  }
  if (end - k < 12 || !matches(b, k, ITERATION) || b[k + 9] !== 32) return null;
  k += 9;
  while (k < end && b[k] === 32) k++;
  let c = b[k] as number;
  if (c < 48 || c > 57) return null;
  let iteration = 0;
  while (k < end && (c = b[k] as number) >= 48 && c <= 57) {
    iteration = iteration * 10 + (c - 48);
    k++;
  }
  while (k < end && b[k] === 32) k++;
  if (b[k] !== 47) return null;
  k++;
  while (k < end && b[k] === 32) k++;
  c = b[k] as number;
  if (c < 48 || c > 57) return null;
  let trainIters = 0;
  while (k < end && (c = b[k] as number) >= 48 && c <= 57) {
    trainIters = trainIters * 10 + (c - 48);
    k++;
  }
  while (k < end && b[k] === 32) k++;
  if (b[k] !== 124) return null;
  k++;
  const event = blankIteration(base.offset, base.line, rank, iteration, trainIters, null, base.overhead);
  let expected = 0;
  for (;;) {
    while (k < end && b[k] === 32) k++;
    if (k >= end) break;
    let probe = expected;
    const limit = Math.min(LABEL_COUNT, expected + 4);
    let label: Uint8Array | undefined;
    for (; probe < limit; probe++) {
      const candidate = LABEL_BYTES[probe] as Uint8Array;
      if (b[k + candidate.length] === 58 && matches(b, k, candidate)) {
        label = candidate;
        break;
      }
    }
    if (label === undefined) {
      // Out of the usual order (e.g. no loss field): try every known label.
      for (probe = 0; probe < LABEL_COUNT; probe++) {
        const candidate = LABEL_BYTES[probe] as Uint8Array;
        if (b[k + candidate.length] === 58 && matches(b, k, candidate)) {
          label = candidate;
          break;
        }
      }
      if (label === undefined) return null;
    }
    expected = probe + 1;
    k += label.length + 1;
    while (k < end && b[k] === 32) k++;
    const value = scanFinite(b, k, end);
    if (value !== value) return null; // NaN: not a plain finite number
    k = scan.end;
    while (k < end && b[k] === 32) k++;
    if (b[k] !== 124) return null;
    k++;
    assignField(event, KNOWN_FIELDS[probe] as number, value);
  }
  return event;
}
