// Events as one-line JSON (`trainboard parse --json`). JSON has no NaN/Infinity, so non-finite numbers are
// written as the strings "NaN", "Infinity", "-Infinity" and read back as numbers by eventFromJson.

import type { LogEvent } from './events.js';

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

/**
 * Fields that carry text, whose value must stay a string even when it reads "NaN" (a message could).
 * Every other string "NaN"/"Infinity"/"-Infinity" came from a number.
 */
const TEXT_FIELDS = new Set(['type', 'message', 'group', 'split', 'path', 'reason', 'kind', 'jobState', 'jobId',
  'partition', 'nodeList']);

function decodeNonFinite(key: string, value: unknown): unknown {
  if (typeof value !== 'string' || TEXT_FIELDS.has(key)) return value;
  if (value === 'NaN') return NaN;
  if (value === 'Infinity') return Infinity;
  if (value === '-Infinity') return -Infinity;
  return value;
}

/**
 * Parses one line written by eventToJson.
 * @throws SyntaxError when the line is not JSON, or an Error when it is not an event object.
 */
export function eventFromJson(line: string): LogEvent {
  const value: unknown = JSON.parse(line, decodeNonFinite);
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new Error('not a log event: expected an object with a string "type"');
  }
  return value as LogEvent;
}
