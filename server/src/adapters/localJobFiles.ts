// What the local executor keeps on disk so that a restarted server adopts its jobs instead of forgetting them:
// `<workDir>/jobs/<id>.json` (the job's record, rewritten atomically on every change), `<id>.sh` (the script) and
// `<id>.exit`, written by the wrapper when the script ends. A job whose process group is gone without an exit file
// was killed with the server (or cancelled).
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { SubmitSpec } from '@trainboard/shared/slurm/submit';

export type LocalJobState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** The durable part of a job. Times are epoch ms. */
export interface LocalJobRecord {
  id: string;
  name: string;
  comment: string | null;
  spec: Omit<SubmitSpec, 'script'>;
  state: LocalJobState;
  /** Jobs that must be terminal before this one starts (`afterany:`). */
  afterAny: string[];
  held: boolean;
  /** Pid of the wrapper = id of the job's process group (detached). */
  pgid: number | null;
  cwd: string;
  outputPath: string;
  submitTime: number;
  startTime: number | null;
  endTime: number | null;
  exitCode: number | null;
  exitSignal: number | null;
  cancelled: boolean;
}

/**
 * Runs the script, then records its exit status. A cancel's SIGTERM reaches the whole group: the wrapper's own
 * handler (reset to the default in the script, as handlers are on exec) only lets it outlive the script to record
 * 143. SIGKILL ends it without a record: the executor sees the signal, or (after a restart) the missing exit file.
 */
export const WRAPPER = `#!/usr/bin/env bash
# $1: the job script, $2: where its exit status goes.
trap ':' TERM INT HUP
bash "$1"
code=$?
printf '%s\\n' "$code" > "$2.tmp" && mv -f "$2.tmp" "$2"
exit "$code"
`;

export class LocalJobFiles {
  constructor(private readonly dir: string) {}

  scriptPath(id: string): string {
    return join(this.dir, `${id}.sh`);
  }

  exitPath(id: string): string {
    return join(this.dir, `${id}.exit`);
  }

  save(record: LocalJobRecord): void {
    const file = join(this.dir, `${record.id}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }

  /** Every record left by this or an earlier executor, oldest id first. */
  loadAll(): LocalJobRecord[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d+\.json$/.test(f))
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as LocalJobRecord)
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** One record as it is on disk now (another executor may have changed it). */
  load(id: string): LocalJobRecord | null {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${id}.json`), 'utf8')) as LocalJobRecord;
    } catch {
      return null;
    }
  }

  /** Atomically claims the start of a job (O_EXCL): false when another executor claimed it first. */
  claim(id: string): boolean {
    try {
      closeSync(openSync(join(this.dir, `${id}.claim`), 'wx'));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  }

  /** How long ago a job was claimed (Infinity when it was not). */
  claimAgeMs(id: string): number {
    try {
      return Date.now() - statSync(join(this.dir, `${id}.claim`)).mtimeMs;
    } catch {
      return Infinity;
    }
  }

  /** The script's exit status when the wrapper recorded one. */
  exitStatus(id: string): number | null {
    const file = this.exitPath(id);
    if (!existsSync(file)) return null;
    const text = readFileSync(file, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null;
  }
}

/** True while any process of the group is alive (zombies do not count: a container's PID 1 may not reap them). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return true; // no /proc: trust kill(0)
  }
  return entries.some((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // pid (comm) state ppid pgrp …; comm may contain spaces and parentheses, so read after the last `)`.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(pgrp) === pgid && state !== 'Z';
    } catch {
      return false; // exited while we looked
    }
  });
}

export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}
