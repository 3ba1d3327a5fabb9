// The python processes of a local job's process group (Linux /proc), for the local executor's stack dump: SIGUSR1
// goes to them only, because bash (the job script) and tee die of it (their default action), as a batch shell
// would; Slurm's `scancel --signal` likewise spares the batch step.
import { readdirSync, readFileSync } from 'node:fs';

/** Pids whose process group is `pgid` and whose command name starts with `python`; [] where /proc is missing. */
export function pythonProcessesInGroup(pgid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && comm.startsWith('python')) found.push(Number(name));
  }
  return found;
}
