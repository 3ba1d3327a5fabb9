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
