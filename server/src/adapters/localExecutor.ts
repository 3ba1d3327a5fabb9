// A ClusterBackend that runs each job script as a local process group, so Trainboard works on a laptop with no
// cluster (the embedded default beside SQLite). It plays a one-node Slurm: the script runs under bash with the
// SLURM_* variables a batch script reads, an `srun` shim on PATH runs the job step in place, and the output goes
// to the job's log file (`--output`, `%j`/`%x` expanded, appended). No queue: a job starts when submitted.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { JobHistoryRecord, JobStatus, NodeStatus } from '@trainboard/shared/slurm/types';
import { validateSubmitSpec, type SubmitSpec } from '@trainboard/shared/slurm/submit';
import type { ClusterBackend, HistoryReport, StatusReport, SubmittedJob } from './clusterBackend.js';

export type LocalJobState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface LocalExecutorOptions {
  /** Folder for job scripts and the srun shim; the default working directory of jobs. */
  workDir: string;
  /** Added to every job's environment (after the executor's own environment). */
  env?: Record<string, string>;
  /** Name the single "node" reports (default: this host's name). */
  nodeName?: string;
  /** Grace period between SIGTERM and SIGKILL on cancel, as Slurm's KillWait. */
  killWaitMs?: number;
}

interface LocalJob {
  id: string;
  name: string;
  script: string;
  spec: SubmitSpec;
  state: LocalJobState;
  child: ChildProcess | null;
  outputPath: string;
  submitTime: Date;
  startTime: Date | null;
  endTime: Date | null;
  exitCode: number | null;
  exitSignal: number | null;
  cancelled: boolean;
  done: Promise<void>;
}

/** Slurm options a one-node local run cannot honour: refused with a clear message rather than ignored. */
const UNSUPPORTED: (keyof SubmitSpec)[] = ['array', 'dependency', 'hold'];

// Skips srun's own options (including those that take a separate value) and runs the step in place.
const SRUN_SHIM = `#!/usr/bin/env bash
# srun for the Trainboard local executor: one node, one task, the step runs in place.
while [[ $# -gt 0 && $1 == -* ]]; do
  case $1 in
    --jobid|-J|--job-name|-N|--nodes|-n|--ntasks|-c|--cpus-per-task|-w|--nodelist|-p|--partition|-t|--time) shift 2 ;;
    *) shift ;;
  esac
done
exec "$@"
`;

export class LocalExecutor implements ClusterBackend {
  readonly kind = 'local' as const;
  readonly target: string;
  private readonly jobs = new Map<string, LocalJob>();
  private nextId = 1;
  private readonly binDir: string;
  private readonly nodeName: string;

  constructor(private readonly options: LocalExecutorOptions) {
    this.nodeName = options.nodeName ?? hostname();
    this.target = `local:${this.nodeName}`;
    this.binDir = join(options.workDir, 'bin');
    mkdirSync(join(options.workDir, 'jobs'), { recursive: true });
    mkdirSync(this.binDir, { recursive: true });
    writeFileSync(join(this.binDir, 'srun'), SRUN_SHIM);
    chmodSync(join(this.binDir, 'srun'), 0o755);
  }

  // async: an invalid spec rejects the promise, as a refused sbatch would, instead of throwing at the call.
  async submit(input: SubmitSpec): Promise<SubmittedJob> {
    const spec = validateSubmitSpec(input);
    const refused = UNSUPPORTED.filter((k) => spec[k] !== undefined && spec[k] !== false);
    if (refused.length > 0) throw new Error(`the local executor does not support: ${refused.join(', ')}`);
    const id = String(this.nextId++);
    const name = spec.name ?? 'job';
    const cwd = resolve(this.options.workDir, spec.chdir ?? '.');
    const output = (spec.output ?? 'slurm-%j.out').replaceAll('%j', id).replaceAll('%x', name);
    const outputPath = isAbsolute(output) ? output : join(cwd, output);
    const scriptPath = join(this.options.workDir, 'jobs', `${id}.sh`);
    writeFileSync(scriptPath, spec.script, { mode: 0o755 });
    const job: LocalJob = {
      id,
      name,
      script: spec.script,
      spec,
      state: 'PENDING',
      child: null,
      outputPath,
      submitTime: new Date(),
      startTime: null,
      endTime: null,
      exitCode: null,
      exitSignal: null,
      cancelled: false,
      done: Promise.resolve(),
    };
    this.jobs.set(id, job);
    job.done = this.start(job, scriptPath, cwd);
    return { jobId: id, cluster: null };
  }

  private start(job: LocalJob, scriptPath: string, cwd: string): Promise<void> {
    mkdirSync(cwd, { recursive: true });
    const fd = openSync(job.outputPath, openFlagOf(job.spec));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.options.env,
      PATH: `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      SLURM_JOB_ID: job.id,
      SLURM_JOBID: job.id,
      SLURM_JOB_NAME: job.name,
      SLURM_NNODES: '1',
      SLURM_JOB_NUM_NODES: '1',
      SLURM_NTASKS: '1',
      SLURM_PROCID: '0',
      SLURM_LOCALID: '0',
      SLURM_NODEID: '0',
      SLURMD_NODENAME: this.nodeName,
      SLURM_JOB_NODELIST: this.nodeName,
      SLURM_SUBMIT_DIR: cwd,
    };
    // detached: the job gets its own process group, so cancel reaches every process the script started.
    const child = spawn('bash', [scriptPath], { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    job.child = child;
    return new Promise<void>((done) => {
      child.once('spawn', () => {
        job.state = 'RUNNING';
        job.startTime = new Date();
      });
      child.once('error', (err) => {
        writeFileSync(job.outputPath, `local executor: cannot start the job: ${err.message}\n`, { flag: 'a' });
        this.finish(job, 127, null);
        done();
      });
      child.once('exit', (code, signal) => {
        this.finish(job, code, signal ? signalNumber(signal) : null);
        done();
      });
    });
  }

  private finish(job: LocalJob, code: number | null, signal: number | null): void {
    if (job.endTime) return;
    job.endTime = new Date();
    job.startTime ??= job.endTime;
    job.exitCode = code ?? 0;
    job.exitSignal = signal;
    job.state = job.cancelled ? 'CANCELLED' : code === 0 && signal === null ? 'COMPLETED' : 'FAILED';
    job.child = null;
  }

  status(jobIds: readonly string[]): Promise<StatusReport> {
    const jobs: JobStatus[] = [];
    const missing: string[] = [];
    for (const id of jobIds) {
      const job = this.jobs.get(id);
      if (job) jobs.push(this.toStatus(job));
      else missing.push(id);
    }
    return Promise.resolve({ jobs, missing });
  }

  history(query?: { jobIds?: string[] }): Promise<HistoryReport> {
    const wanted = query?.jobIds ? new Set(query.jobIds) : null;
    const records: JobHistoryRecord[] = [...this.jobs.values()]
      .filter((j) => !wanted || wanted.has(j.id))
      .map((j) => {
        const s = this.toStatus(j);
        return {
          id: s.id,
          name: s.name,
          state: s.state,
          cancelledBy: j.cancelled ? String(process.getuid?.() ?? 0) : null,
          exitCode: s.exitCode,
          exitSignal: s.exitSignal,
          startTime: s.startTime,
          endTime: s.endTime,
          elapsedSeconds: s.elapsedSeconds,
          nodeList: s.nodeList,
          nodes: s.nodes,
          partition: s.partition,
        };
      });
    return Promise.resolve({
      source: 'queue',
      records,
      note: 'the local executor keeps history for its own lifetime only',
    });
  }

  async cancel(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.cancelOne(id)));
  }

  private async cancelOne(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job || job.endTime) return;
    job.cancelled = true;
    const pid = job.child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), this.options.killWaitMs ?? 5_000);
    await job.done;
    clearTimeout(timer);
    signalGroup(pid, 'SIGKILL'); // stragglers that ignored SIGTERM after the script itself exited
  }

  resubmit(jobId: string, options: Omit<SubmitSpec, 'script'>): Promise<SubmittedJob> {
    const job = this.jobs.get(jobId);
    if (!job) return Promise.reject(new Error(`unknown job ${jobId}`));
    const { script: _script, ...previous } = job.spec;
    return this.submit({ ...previous, ...options, script: job.script });
  }

  nodes(): Promise<NodeStatus[]> {
    const busy = [...this.jobs.values()].some((j) => j.state === 'RUNNING');
    const state = busy ? 'allocated' : 'idle';
    return Promise.resolve([
      {
        name: this.nodeName,
        state,
        rawState: state,
        notResponding: false,
        cpus: null,
        memoryMb: null,
        gpus: null,
        reason: null,
      },
    ]);
  }

  jobNodes(jobId: string): Promise<string[]> {
    const job = this.jobs.get(jobId);
    return Promise.resolve(job?.startTime ? [this.nodeName] : []);
  }

  /** The log file a job writes to (absolute). */
  outputPath(jobId: string): string | null {
    return this.jobs.get(jobId)?.outputPath ?? null;
  }

  /** Resolves when the job has ended (immediately for unknown jobs). */
  async waitFor(jobId: string): Promise<LocalJobState | null> {
    const job = this.jobs.get(jobId);
    if (!job) return null;
    await job.done;
    return job.state;
  }

  /** Cancels every job still running and waits for them. */
  async close(): Promise<void> {
    await this.cancel([...this.jobs.keys()]);
  }

  private toStatus(job: LocalJob): JobStatus {
    const started = job.startTime !== null;
    const elapsed = started
      ? Math.round(((job.endTime ?? new Date()).getTime() - (job.startTime as Date).getTime()) / 1000)
      : null;
    return {
      id: job.id,
      jobId: job.id,
      arrayJobId: null,
      arrayTaskId: null,
      name: job.name,
      state: job.state,
      reason: job.state === 'FAILED' ? 'NonZeroExitCode' : null,
      nodeList: started ? this.nodeName : null,
      nodes: started ? [this.nodeName] : [],
      partition: 'local',
      submitTime: slurmTime(job.submitTime),
      startTime: job.startTime ? slurmTime(job.startTime) : null,
      endTime: job.endTime ? slurmTime(job.endTime) : null,
      elapsedSeconds: elapsed,
      timeLimitSeconds: null,
      nodeCount: 1,
      exitCode: job.exitCode,
      exitSignal: job.exitSignal,
    };
  }
}

function openFlagOf(spec: SubmitSpec): 'a' | 'w' {
  return spec.openMode === 'truncate' ? 'w' : 'a';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGTERM: 15,
};
function signalNumber(signal: NodeJS.Signals): number {
  return SIGNALS[signal] ?? 0;
}

/** `YYYY-MM-DDTHH:MM:SS` in local time, as squeue and sacct print times. */
function slurmTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
