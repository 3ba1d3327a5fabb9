import { HOSTLIST, InvalidSubmitSpecError, validateJobIds } from './submit.js';
import { parseExitCode } from './time.js';

export interface ScontrolJob {
  jobId: string;
  state: string | null;
  exitCode: number | null;
  exitSignal: number | null;
  restarts: number | null;
}

/**
 * Reads `scontrol --oneliner show job <id>`: `Key=Value` pairs separated by spaces. JobName (free text, may hold
 * spaces and `Key=`-looking words) comes right after JobId, so fields are read only after the first ` UserId=`,
 * which Slurm writes itself; paths later in the line (StdOut, WorkDir) come after the fields read here.
 */
export function parseScontrolJobs(stdout: string): ScontrolJob[] {
  const jobs: ScontrolJob[] = [];
  for (const line of stdout.split('\n')) {
    const id = /^JobId=(\d+)\s/.exec(line);
    const from = line.indexOf(' UserId=');
    if (!id || from < 0) continue;
    const rest = line.slice(from);
    const field = (key: string) => new RegExp(` ${key}=(\\S*)`).exec(rest)?.[1] ?? null;
    const exit = parseExitCode(field('ExitCode') ?? '');
    const restarts = field('Restarts');
    jobs.push({
      jobId: id[1] ?? '',
      state: field('JobState'),
      exitCode: exit.code,
      exitSignal: exit.signal,
      restarts: restarts !== null && /^\d+$/.test(restarts) ? Number(restarts) : null,
    });
  }
  return jobs;
}

// Changes to jobs that already exist. Each builder validates every value it puts in the argv (ids, hostlists), so
// the argv is safe for any Shell; over SSH it is quoted word by word as well.

function nonEmptyIds(ids: readonly string[]): string[] {
  const valid = validateJobIds(ids);
  if (!valid.length) throw new InvalidSubmitSpecError(['job ids: at least one is needed']);
  return valid;
}

/** `scontrol hold 12,13`: pending jobs stay pending (priority 0) until released. */
export function buildHoldArgv(ids: readonly string[]): string[] {
  return ['scontrol', 'hold', nonEmptyIds(ids).join(',')];
}

/** `scontrol release 12,13`: held jobs may start again. */
export function buildReleaseArgv(ids: readonly string[]): string[] {
  return ['scontrol', 'release', nonEmptyIds(ids).join(',')];
}

/** A hostlist such as `c[1-2],c4`; throws with the field named otherwise. */
export function validateHostlist(hostlist: string): string {
  if (!HOSTLIST.test(hostlist))
    throw new InvalidSubmitSpecError([`node list ${JSON.stringify(hostlist)}: must be a node list such as c[1-2],c4`]);
  return hostlist;
}

/** `scontrol update JobId=12 ExcNodeList=c4`, one argv per job (only pending jobs accept it). */
export function buildUpdateExcludeArgv(ids: readonly string[], hostlist: string): string[][] {
  const nodes = validateHostlist(hostlist);
  return nonEmptyIds(ids).map((id) => ['scontrol', 'update', `JobId=${id}`, `ExcNodeList=${nodes}`]);
}
