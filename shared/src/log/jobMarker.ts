// The job start marker: Trainboard's templates echo it into the run's main log as each job's first line, so every
// line after it (failures, exits) is known to belong to that job, not to whichever job's time window it fell in.
//   TRAINBOARD JOB START id=1528763 nodes=jean-zay-iam[01-04] time=1765000000
import type { JobStartEvent } from './events.js';

export const JOB_START_MARKER = 'TRAINBOARD JOB START ';
const MARKER = /^TRAINBOARD JOB START id=([A-Za-z0-9_.-]+)(?: nodes=(\S*))?(?: time=(\d{1,12}))?\s*$/;

/** The marker as printed by the templates (`date +%s` seconds), or null for any other line. */
export function parseJobStart(payload: string, base: { offset: number; line: number; rank: number | null }) {
  const m = MARKER.exec(payload);
  if (!m) return null;
  const event: JobStartEvent = {
    type: 'job_start',
    ...base,
    jobId: m[1] as string,
    nodeList: m[2] ? m[2] : null,
    timestamp: m[3] === undefined ? null : Number(m[3]) * 1000,
  };
  return event;
}
