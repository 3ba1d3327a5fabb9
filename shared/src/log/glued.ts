// Two records on one physical line (megatron-log-format.md §1.6): several processes share the stream, so a
// writer's partial line can be followed directly by another writer's record. We split only at the starts of
// known records: `[<role>N]:`, `[Rank N] (after`, `srun: `, `slurmstepd: `, `[YYYY-MM-DD HH:MM:SS] PULSE:`, and
// ` iteration ` right after a `|`.

import { prefixTokenLength } from './prefix.js';
import { readDateTime } from './datetime.js';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isRankReport(s: string, i: number): boolean {
  if (!s.startsWith('[Rank ', i)) return false;
  let k = i + 6;
  if (!isDigit(s.charCodeAt(k))) return false;
  while (isDigit(s.charCodeAt(k))) k++;
  return s.startsWith('] (after', k);
}

function isPulseStart(s: string, i: number): boolean {
  if (!isDigit(s.charCodeAt(i + 1))) return false;
  const stamp = readDateTime(s, i + 1);
  return stamp !== null && s.startsWith('] PULSE:', stamp.next);
}

/** The first known record start at or after `from`, or -1. */
function nextBracketStart(s: string, from: number): number {
  let i = s.indexOf('[', from);
  while (i !== -1) {
    if (prefixTokenLength(s, i) > 0 || isRankReport(s, i) || isPulseStart(s, i)) return i;
    i = s.indexOf('[', i + 1);
  }
  return -1;
}

function nextIterationStart(s: string, from: number): number {
  let i = s.indexOf('| iteration ', from);
  while (i !== -1) {
    let k = i + 12;
    while (s.charCodeAt(k) === 32) k++;
    if (isDigit(s.charCodeAt(k))) return i + 1;
    i = s.indexOf('| iteration ', i + 1);
  }
  return -1;
}

function nextWordStart(s: string, word: string, from: number): number {
  const i = s.indexOf(word, from);
  return i;
}

/**
 * Positions (char indices into `s`) where a glued record starts, searching after `from`.
 * `s` must be byte-indexed for the positions to be byte offsets (see framing.ts).
 * @returns an empty array for the usual line with one record.
 */
export function findGluedStarts(s: string, from: number): number[] {
  let starts: number[] | null = null;
  let pos = from;
  for (;;) {
    let best = nextBracketStart(s, pos);
    for (const p of [
      nextWordStart(s, 'srun: ', pos),
      nextWordStart(s, 'slurmstepd: ', pos),
      nextIterationStart(s, pos),
    ]) {
      if (p !== -1 && (best === -1 || p < best)) best = p;
    }
    if (best === -1) break;
    (starts ??= []).push(best);
    pos = best + 1;
  }
  return starts ?? NO_STARTS;
}

const NO_STARTS: number[] = [];
