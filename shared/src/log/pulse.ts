// Watchdog lines appended by bigscience `tools/slurm-status.py` (megatron-log-format.md §9):
// 2022 `[ts] PULSE: <text>`, 2021 `[ts] <text>` without the token, and the ALERT text. A pulse says a job is
// queued or running; it says nothing about training progress.

import type { PulseEvent } from './events.js';
import { readDateTime } from './datetime.js';

const STATE_2021 = /^\S+ is (running|waiting|scheduled|unknown)\b/;
const RUNNING = / is running for /;
const PENDING = / is (waiting|scheduled to start)/;
const WHERE = /\((\S+) on '([^']+)' partition(?: \(([^)]*)\))?/;

type Base = { offset: number; line: number; rank: number | null };

function build(message: string, timestamp: number | null, base: Base): PulseEvent {
  const alert = message.startsWith('***ALERT:');
  const where = WHERE.exec(message);
  return {
    type: 'pulse',
    offset: base.offset,
    line: base.line,
    rank: base.rank,
    timestamp,
    message,
    jobState: alert ? null : RUNNING.test(message) ? 'RUNNING' : PENDING.test(message) ? 'PENDING' : null,
    alert,
    jobId: where ? (where[1] as string) : null,
    partition: where ? (where[2] as string) : null,
    nodeList: where && where[3] !== undefined ? where[3] : null,
  };
}

/** Parses a payload that starts with `[` followed by a timestamp; null when it is not a watchdog line. */
export function parsePulse(payload: string, start: number, base: Base): PulseEvent | null {
  const stamp = readDateTime(payload, start + 1);
  if (!stamp || payload.charCodeAt(stamp.next) !== 93 || payload.charCodeAt(stamp.next + 1) !== 32) return null;
  const rest = payload.slice(stamp.next + 2).trimEnd();
  if (rest.startsWith('PULSE: ')) return build(rest.slice(7), stamp.ms, base);
  if (rest.startsWith('***ALERT:') || STATE_2021.test(rest)) return build(rest, stamp.ms, base);
  return null;
}

/** The ALERT text without its `[ts]` preamble (as quoted in the tr11 README). */
export function parseBareAlert(payload: string, start: number, base: Base): PulseEvent | null {
  if (!payload.startsWith('***ALERT:', start)) return null;
  return build(payload.slice(start).trimEnd(), null, base);
}
