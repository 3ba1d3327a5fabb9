import { SQUEUE_FIELD_COUNT, SQUEUE_FORMAT } from './formats.js';
import { InvalidSubmitSpecError, NAME } from './submit.js';
import { expandHostlist } from './hostlist.js';
import { parseSlurmDuration, parseSlurmTimestamp } from './time.js';
import type { JobStatus } from './types.js';

const orNull = (v: string | undefined): string | null =>
  v === undefined || v === '' || v === 'N/A' || v === '(null)' ? null : v;

/**
 * Parses `squeue -h -o SQUEUE_FORMAT` output. Lines that do not have the expected columns are returned in
 * `rejected` (never thrown), so a version difference shows up instead of silently dropping jobs.
 */
export function parseSqueue(stdout: string): { jobs: JobStatus[]; rejected: string[] } {
  const jobs: JobStatus[] = [];
  const rejected: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const cols = line.split('|');
    if (cols.length < SQUEUE_FIELD_COUNT) {
      rejected.push(line);
      continue;
    }
    // The name is last and may itself contain `|`.
    const name = cols.slice(SQUEUE_FIELD_COUNT - 1).join('|');
    const [
      id = '',
      jobId = '',
      arrayJobId,
      arrayTaskId,
      state = '',
      reason,
      nodeList,
      partition,
      submit = '',
      start = '',
      end = '',
      elapsed = '',
      limit = '',
      count = '',
    ] = cols;
    if (!/^\d+/.test(id) || !/^\d+$/.test(jobId) || !state) {
      rejected.push(line);
      continue;
    }
    const isArray = arrayTaskId !== undefined && arrayTaskId !== 'N/A';
    jobs.push({
      id,
      jobId,
      arrayJobId: isArray ? orNull(arrayJobId) : null,
      arrayTaskId: isArray ? orNull(arrayTaskId) : null,
      name,
      state,
      reason: reason === 'None' ? null : orNull(reason),
      nodeList: orNull(nodeList),
      nodes: expandHostlist(nodeList),
      partition: orNull(partition),
      submitTime: parseSlurmTimestamp(submit),
      startTime: parseSlurmTimestamp(start),
      endTime: parseSlurmTimestamp(end),
      elapsedSeconds: parseSlurmDuration(elapsed),
      timeLimitSeconds: parseSlurmDuration(limit),
      nodeCount: /^\d+$/.test(count) ? Number(count) : null,
      exitCode: null,
      exitSignal: null,
    });
  }
  return { jobs, rejected };
}

/** squeue's answer when none of the ids is known any more (aged out of slurmctld memory). */
export function isInvalidJobIdError(stderr: string): boolean {
  return /Invalid job id specified/i.test(stderr);
}

/** Job names for `squeue --name=a,b` and sacct filters: the NAME pattern, so a comma can never split one. */
export function validateJobNames(names: readonly string[]): string[] {
  const bad = names.filter((n) => !NAME.test(n));
  if (bad.length)
    throw new InvalidSubmitSpecError(bad.map((n) => `job name ${JSON.stringify(n)}: must be letters, digits, ., _, -`));
  return [...names];
}

/** Every job (any state) squeue still knows with one of these names. */
export function buildSqueueByNamesArgv(names: readonly string[]): string[] {
  const valid = validateJobNames(names);
  if (!valid.length) throw new InvalidSubmitSpecError(['job names: at least one is needed']);
  return ['squeue', '--noheader', '--states=all', `--name=${valid.join(',')}`, `--format=${SQUEUE_FORMAT}`];
}
