// Validation result lines (megatron-log-format.md §3): `<group> loss at <where> | <key> value: X | <key> PPL: Y | `,
// the old ` validation loss at …` form, and `… at the end of training for val data`. The dash lines around them
// carry nothing and are ignored. Group names are kept as printed (`valid`, `valid_en`, `validation`).

import type { ValidationEvent } from './events.js';
import { parseNumber } from './numbers.js';

const HEAD = /^\s?([A-Za-z0-9_.-]+?)\s?loss at (.+?) \|(.*)$/;
const SEGMENT = /^\s*(.+?) (value|PPL):\s*(\S+)\s*$/;
const END_OF_TRAINING = /^the end of training for (.+)$/;

/** Cheap pre-check before the regex: does the payload mention ` loss at `? */
export function mayBeValidation(s: string, from: number): boolean {
  const i = s.indexOf('loss at ', from);
  return i !== -1 && i - from < 80;
}

/** Parses a validation result payload; null when it is not one or carries no value. */
export function parseValidation(
  payload: string,
  base: { offset: number; line: number; rank: number | null; afterIteration: number | null },
): ValidationEvent | null {
  const head = HEAD.exec(payload);
  if (!head) return null;
  const group = head[1] as string;
  const where = (head[2] as string).trim();
  let iteration: number | null = null;
  let split: string | null = null;
  if (where.startsWith('iteration ')) {
    const n = parseNumber(where, 10, where.length);
    if (n === undefined || !Number.isInteger(n)) return null;
    iteration = n;
  } else {
    const end = END_OF_TRAINING.exec(where);
    if (!end) return null;
    split = end[1] as string;
  }
  const event: ValidationEvent = {
    type: 'validation',
    offset: base.offset,
    line: base.line,
    rank: base.rank,
    iteration,
    group,
    split,
    lmLoss: null,
    ppl: null,
    extra: {},
    afterIteration: base.afterIteration,
  };
  let found = false;
  for (const part of (head[3] as string).split('|')) {
    const m = SEGMENT.exec(part);
    if (!m) continue;
    const key = m[1] as string;
    const kind = m[2] as string;
    const value = parseNumber(m[3] as string, 0, (m[3] as string).length);
    if (value === undefined) continue;
    found = true;
    if (key === 'lm loss' || key === 'lm-loss') {
      if (kind === 'value') event.lmLoss = value;
      else event.ppl = value;
    } else {
      event.extra[`${key} ${kind}`] = value;
    }
  }
  return found ? event : null;
}
