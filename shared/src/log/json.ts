// Events as one-line JSON (`trainboard parse --json`). JSON has no NaN/Infinity, so non-finite numbers are
// written as the strings "NaN", "Infinity", "-Infinity" and read back as numbers by eventFromJson.

import { ITERATION_NUMBER_FIELDS, type LogEvent } from './events.js';

function encodeNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  return value;
}

/** One line of JSON for an event. */
export function eventToJson(event: LogEvent): string {
  return JSON.stringify(event, encodeNonFinite);
}

/** Top-level number fields that can hold NaN/±Infinity; `extra` and `timers` values are numbers too. */
const FLOAT_FIELDS: readonly string[] = [...ITERATION_NUMBER_FIELDS, 'ppl', 'durationMinutes'];

function toNumber(value: unknown): unknown {
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}

/** Turns the strings eventToJson wrote back into numbers, only where numbers live (text stays text). */
function reviveNumbers(event: Record<string, unknown>): void {
  for (const field of FLOAT_FIELDS) if (field in event) event[field] = toNumber(event[field]);
  for (const map of ['extra', 'timers']) {
    const values = event[map];
    if (typeof values === 'object' && values !== null) {
      for (const [k, v] of Object.entries(values)) (values as Record<string, unknown>)[k] = toNumber(v);
    }
  }
}

/**
 * Parses one line written by eventToJson.
 * @throws SyntaxError when the line is not JSON, or an Error when it is not an event object.
 */
export function eventFromJson(line: string): LogEvent {
  const value: unknown = JSON.parse(line);
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new Error('not a log event: expected an object with a string "type"');
  }
  reviveNumbers(value as Record<string, unknown>);
  return value as LogEvent;
}
