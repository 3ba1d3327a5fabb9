import { HISTORY_FIELD_COUNT } from './formats.js';
import { expandHostlist } from './hostlist.js';
import { parseExitCode, parseSlurmDuration, parseSlurmTimestamp } from './time.js';
import type { JobHistoryRecord } from './types.js';

const orNull = (v: string | undefined): string | null =>
  v === undefined || v === '' || v === 'None assigned' || v === 'Unknown' ? null : v;

/**
 * Parses `sacct -P -n -o HISTORY_FIELDS` (database) or `sacct -c -P -n -o …` (jobcomp file) output.
 * Step records (`123.batch`, `123.0`) are skipped: one record per allocation.
 */
export function parseSacct(stdout: string): { records: JobHistoryRecord[]; rejected: string[] } {
  const records: JobHistoryRecord[] = [];
  const rejected: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('|');
    if (cols.length < HISTORY_FIELD_COUNT) {
      rejected.push(line);
      continue;
    }
    const [id = '', stateText = '', exit = '', start = '', end = '', elapsed = '', nodeList, partition] = cols;
    const name = cols.slice(HISTORY_FIELD_COUNT - 1).join('|');
    if (!/^\d+(?:_(?:\d+|\[[^\]]*\]))?(?:\.\S+)?$/.test(id)) {
      rejected.push(line);
      continue;
    }
    if (id.includes('.')) continue;
    const m = /^(\S+)(?: by (\S+))?/.exec(stateText);
    const { code, signal } = parseExitCode(exit);
    records.push({
      id,
      name,
      state: m?.[1] ?? stateText,
      cancelledBy: m?.[2] ?? null,
      exitCode: code,
      exitSignal: signal,
      startTime: parseSlurmTimestamp(start),
      endTime: parseSlurmTimestamp(end),
      elapsedSeconds: parseSlurmDuration(elapsed),
      nodeList: orNull(nodeList),
      nodes: expandHostlist(nodeList),
      partition: orNull(partition),
    });
  }
  return { records, rejected };
}

/** What sacct says when the cluster keeps no accounting database (then use `sacct -c` or squeue). */
export function isAccountingDisabled(output: string): boolean {
  return /accounting storage is disabled/i.test(output);
}
