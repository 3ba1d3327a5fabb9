// `[<message>] datetime: <ts> ` milestones (megatron-log-format.md §7) and the exits they announce (§8).

import type { ExitReason } from './events.js';
import { readDateTime } from './datetime.js';

export interface Milestone {
  message: string;
  timestamp: number;
}

/** Parses `[msg] datetime: ts` from a payload starting with `[`; the message may contain brackets. */
export function parseMilestone(payload: string, start: number): Milestone | null {
  const marker = payload.lastIndexOf('] datetime: ');
  if (marker === -1 || marker < start) return null;
  const stamp = readDateTime(payload, marker + 12);
  if (!stamp) return null;
  return { message: payload.slice(start + 1, marker), timestamp: stamp.ms };
}

export interface ExitInfo {
  reason: ExitReason;
  iteration: number | null;
  durationMinutes: number | null;
}

const DURATION = /^exiting program after ([0-9.]+) minutes$/;
const INTERVAL = /^exiting program at iteration (\d+)$/;
const KILL_SWITCH = /^Detected kill switch at (.+?)(?:, iteration=(\d+))?\. Exiting$/;

/** The exit a milestone message announces, or null for an ordinary milestone. */
export function exitOf(message: string): ExitInfo | null {
  let m = DURATION.exec(message);
  if (m) return { reason: 'duration_limit', iteration: null, durationMinutes: Number(m[1]) };
  if ((m = INTERVAL.exec(message))) return { reason: 'exit_interval', iteration: Number(m[1]), durationMinutes: null };
  if ((m = KILL_SWITCH.exec(message))) {
    return { reason: 'kill_switch', iteration: m[2] === undefined ? null : Number(m[2]), durationMinutes: null };
  }
  if (message === 'after training is done') return { reason: 'train_done', iteration: null, durationMinutes: null };
  if (message.startsWith('exiting program after receiving SIGTERM')) {
    return { reason: 'sigterm', iteration: null, durationMinutes: null };
  }
  return null;
}
