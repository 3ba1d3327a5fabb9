// A ClusterBackend that runs each job script as a local process group, so Trainboard works on a laptop with no
// cluster (the embedded default beside SQLite). It plays a one-node Slurm: the script runs under bash with the
// SLURM_* variables a batch script reads, an `srun` shim on PATH runs the job step in place, and the output goes
// to the job's log file (`--output`, `%j`/`%x` expanded, appended). Jobs wait for `afterany:` dependencies and
// holds; every job is recorded on disk (localJobFiles.ts), so a new executor on the same folder adopts them.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { validateHostlist } from '@trainboard/shared/slurm/scontrol';
import { validateJobNames } from '@trainboard/shared/slurm/squeue';
import { validateSubmitSpec, type SubmitSpec } from '@trainboard/shared/slurm/submit';
import {
  historyRecordOf,
  type JobHistoryRecord,
  type JobStatus,
  type NodeStatus,
} from '@trainboard/shared/slurm/types';
import type {
  ClusterBackend,
  DiskReport,
  DiskRequest,
  HistoryReport,
  StackDumpReport,
  StatusReport,
  SubmittedJob,
} from './clusterBackend.js';
import { localDisks } from './localDisk.js';
import { pythonProcessesInGroup } from './processGroup.js';
import {
  LocalJobFiles,
  WRAPPER,
  groupAlive,
  signalGroup,
  type LocalJobRecord,
  type LocalJobState,
} from './localJobFiles.js';

export type { LocalJobState } from './localJobFiles.js';

export interface LocalExecutorOptions {
  /** Folder for job scripts, records and the srun shim; the default working directory of jobs. */
  workDir: string;
  /** Added to every job's environment (after the executor's own environment). */
  env?: Record<string, string>;
  /** Name the single "node" reports (default: this host's name). */
  nodeName?: string;
  /** Grace period between SIGTERM and SIGKILL on cancel, as Slurm's KillWait. */
  killWaitMs?: number;
  /** close() leaves running jobs alone (a server restart adopts them) instead of cancelling them. */
  keepJobsOnClose?: boolean;
  /** How often jobs adopted from an earlier executor are checked for their end. */
  pollMs?: number;
}

interface LocalJob {
  rec: LocalJobRecord;
  child: ChildProcess | null;
  /** Started by another executor on the same folder (it won the claim): watched through the files only. */
  foreign: boolean;
  done: Promise<void>;
  ended: () => void;
}

const AFTER_ANY = /^afterany(?::\d+)+$/;
/** How long a claimed job may take to record its process group before it counts as never started. */
const CLAIM_START_MS = 10_000;
const TERMINAL: ReadonlySet<LocalJobState> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);

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

function newJob(rec: LocalJobRecord): LocalJob {
  let ended = () => {};
  const done = new Promise<void>((r) => (ended = r));
  return { rec, child: null, foreign: false, done, ended };
}

class LocalJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LocalJobError';
  }
}

export class LocalExecutor implements ClusterBackend {
  readonly kind = 'local' as const;
  readonly target: string;
  private readonly jobs = new Map<string, LocalJob>();
  private nextId = 1;
  private readonly binDir: string;
  private readonly nodeName: string;
  private readonly files: LocalJobFiles;
  private poller: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: LocalExecutorOptions) {
    this.nodeName = options.nodeName ?? hostname();
    this.target = `local:${this.nodeName}`;
    this.binDir = join(options.workDir, 'bin');
    const jobsDir = join(options.workDir, 'jobs');
    mkdirSync(jobsDir, { recursive: true });
    mkdirSync(this.binDir, { recursive: true });
    for (const [file, text] of [
      ['srun', SRUN_SHIM],
      ['job-wrapper', WRAPPER],
    ] as const) {
      writeFileSync(join(this.binDir, file), text);
      chmodSync(join(this.binDir, file), 0o755);
    }
    this.files = new LocalJobFiles(jobsDir);
    this.adopt();
    this.schedule();
  }

  /** Takes over the jobs an earlier executor recorded in the same folder. */
  private adopt(): void {
    for (const rec of this.files.loadAll()) {
      const job = newJob(rec);
      this.jobs.set(rec.id, job);
      this.nextId = Math.max(this.nextId, Number(rec.id) + 1);
      if (TERMINAL.has(rec.state)) job.ended();
      else if (rec.pgid !== null) this.checkAdopted(job);
    }
    this.watchAdopted();
  }

  // async: an invalid spec rejects the promise, as a refused sbatch would, instead of throwing at the call.
  async submit(input: SubmitSpec): Promise<SubmittedJob> {
    const { script, ...spec } = validateSubmitSpec(input);
    if (spec.array !== undefined) throw new LocalJobError('the local executor does not support: array');
    const afterAny = this.dependencyOf(spec.dependency);
    const id = String(this.nextId++);
    const name = spec.name ?? 'job';
    const cwd = resolve(this.options.workDir, spec.chdir ?? '.');
    const output = (spec.output ?? 'slurm-%j.out').replaceAll('%j', id).replaceAll('%x', name);
    writeFileSync(this.files.scriptPath(id), script, { mode: 0o755 });
    const job = newJob({
      id,
      name,
      comment: spec.comment ?? null,
      spec,
      state: 'PENDING',
      afterAny,
      held: spec.hold === true,
      pgid: null,
      cwd,
      outputPath: isAbsolute(output) ? output : join(cwd, output),
      submitTime: Date.now(),
      startTime: null,
      endTime: null,
      exitCode: null,
      exitSignal: null,
      cancelled: false,
    });
    this.jobs.set(id, job);
    this.files.save(job.rec);
    this.schedule();
    return { jobId: id, cluster: null };
  }

  /** Only `afterany:<id>[:<id>…]` on jobs this executor knows, as sbatch refuses unknown ids. */
  private dependencyOf(dependency: string | undefined): string[] {
    if (dependency === undefined) return [];
    if (!AFTER_ANY.test(dependency))
      throw new LocalJobError('the local executor supports only afterany:<job id> dependencies');
    const ids = dependency.split(':').slice(1);
    const unknown = ids.filter((id) => !this.jobs.has(id));
    if (unknown.length) throw new LocalJobError(`Job dependency problem: unknown job ${unknown.join(', ')}`);
    return ids;
  }

  /** Why a pending job waits, or null when it may start now. */
  private waitReason(rec: LocalJobRecord): string | null {
    if (rec.held) return 'JobHeldUser';
    if (rec.afterAny.some((id) => !TERMINAL.has(this.jobs.get(id)?.rec.state ?? 'COMPLETED'))) return 'Dependency';
    if (rec.spec.exclude && expandHostlist(rec.spec.exclude).includes(this.nodeName)) return 'ReqNodeNotAvail';
    return null;
  }

  /** Starts every pending job whose dependencies ended and that is neither held nor excluded from this node. */
  private schedule(): void {
    if (this.closed) return;
    for (const job of this.jobs.values()) {
      if (job.rec.state !== 'PENDING' || job.rec.pgid !== null || job.foreign || this.waitReason(job.rec) !== null)
        continue;
      // Two executors on one folder (two servers) must never both start a job: the claim file decides.
      if (this.files.claim(job.rec.id)) this.start(job);
      else {
        job.foreign = true;
        this.watchAdopted();
      }
    }
  }

  private start(job: LocalJob): void {
    const rec = job.rec;
    mkdirSync(rec.cwd, { recursive: true });
    const fd = openSync(rec.outputPath, rec.spec.openMode === 'truncate' ? 'w' : 'a');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...this.options.env,
      PATH: `${this.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      SLURM_JOB_ID: rec.id,
      SLURM_JOBID: rec.id,
      SLURM_JOB_NAME: rec.name,
      SLURM_NNODES: '1',
      SLURM_JOB_NUM_NODES: '1',
      SLURM_NTASKS: '1',
      SLURM_PROCID: '0',
      SLURM_LOCALID: '0',
      SLURM_NODEID: '0',
      SLURMD_NODENAME: this.nodeName,
      SLURM_JOB_NODELIST: this.nodeName,
      SLURM_SUBMIT_DIR: rec.cwd,
    };
    const wrapper = join(this.binDir, 'job-wrapper');
    const argv = [wrapper, this.files.scriptPath(rec.id), this.files.exitPath(rec.id)];
    // detached: the job gets its own process group, so cancel reaches every process the script started.
    const child = spawn('bash', argv, { cwd: rec.cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    job.child = child;
    rec.state = 'RUNNING';
    rec.startTime = Date.now();
    rec.pgid = child.pid ?? null;
    this.files.save(rec);
    child.once('error', (err) => {
      writeFileSync(rec.outputPath, `local executor: cannot start the job: ${err.message}\n`, { flag: 'a' });
      this.finish(job, 127, null);
    });
    child.once('exit', (code, signal) => this.finish(job, code, signal ? signalNumber(signal) : null));
  }

  private finish(job: LocalJob, code: number | null, signal: number | null): void {
    const rec = job.rec;
    if (TERMINAL.has(rec.state)) return;
    rec.endTime = Date.now();
    rec.startTime ??= rec.endTime;
    rec.exitCode = code;
    rec.exitSignal = signal;
    rec.state = rec.cancelled ? 'CANCELLED' : code === 0 && signal === null ? 'COMPLETED' : 'FAILED';
    job.child = null;
    if (!this.closed) this.files.save(rec);
    job.ended();
    this.schedule();
  }

  /** A job started by an earlier executor: ended when its exit file exists or its process group is gone. */
  private checkAdopted(job: LocalJob): void {
    if (job.rec.pgid === null) {
      // Claimed by another executor: its record gets the process group once the job started.
      const rec = this.files.load(job.rec.id);
      if (rec && TERMINAL.has(rec.state)) {
        job.rec = rec; // it already ended there
        job.ended();
        return this.schedule();
      }
      if (rec?.pgid != null) job.rec = { ...rec, cancelled: rec.cancelled || job.rec.cancelled };
      else if (this.files.claimAgeMs(job.rec.id) < CLAIM_START_MS) return;
      else return this.finish(job, null, null); // claimed, never started: that executor died in between
    }
    const code = this.files.exitStatus(job.rec.id);
    if (code !== null) return this.finish(job, code, null);
    if (job.rec.pgid !== null && groupAlive(job.rec.pgid)) {
      job.rec.state = 'RUNNING';
      return;
    }
    // Killed together with the earlier server (or cancelled): no exit status survives.
    this.finish(job, null, null);
  }

  private watchAdopted(): void {
    const adopted = () =>
      [...this.jobs.values()].filter(
        (j) => j.child === null && (j.rec.pgid !== null || j.foreign) && !TERMINAL.has(j.rec.state),
      );
    if (this.poller || adopted().length === 0) return;
    this.poller = setInterval(() => {
      const left = adopted();
      left.forEach((j) => this.checkAdopted(j));
      if (adopted().length === 0 && this.poller) {
        clearInterval(this.poller);
        this.poller = null;
      }
    }, this.options.pollMs ?? 500);
    this.poller.unref();
  }

  status(jobIds: readonly string[]): Promise<StatusReport> {
    const jobs: JobStatus[] = [];
    const missing: string[] = [];
    for (const id of jobIds) {
      const job = this.jobs.get(id);
      if (job) jobs.push(this.toStatus(job.rec));
      else missing.push(id);
    }
    return Promise.resolve({ jobs, missing });
  }

  history(query?: { jobIds?: string[] }): Promise<HistoryReport> {
    const wanted = query?.jobIds ? new Set(query.jobIds) : null;
    const records: JobHistoryRecord[] = [...this.jobs.values()]
      .filter((j) => !wanted || wanted.has(j.rec.id))
      .map((j) => historyRecordOf(this.toStatus(j.rec), j.rec.cancelled ? String(process.getuid?.() ?? 0) : null));
    return Promise.resolve({ source: 'queue', records, note: 'the local executor keeps the jobs of its work folder' });
  }

  async lookupByNames(names: readonly string[]): Promise<Map<string, JobStatus[]>> {
    const found = new Map<string, JobStatus[]>(validateJobNames(names).map((n) => [n, []]));
    for (const job of this.jobs.values()) found.get(job.rec.name)?.push(this.toStatus(job.rec));
    return found;
  }

  async cancel(jobIds: readonly string[]): Promise<void> {
    await Promise.all(jobIds.map((id) => this.cancelOne(id)));
  }

  private async cancelOne(id: string): Promise<void> {
    const job = this.jobs.get(id);
    if (!job || TERMINAL.has(job.rec.state)) return;
    job.rec.cancelled = true;
    this.files.save(job.rec);
    const pgid = job.rec.pgid;
    if (pgid === null) return this.finish(job, null, null); // still pending: nothing runs
    signalGroup(pgid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), this.options.killWaitMs ?? 5_000);
    this.watchAdopted();
    await job.done;
    clearTimeout(timer);
    signalGroup(pgid, 'SIGKILL'); // stragglers that ignored SIGTERM after the script itself exited
  }

  /** The pending jobs among `ids`; like scontrol, refuses unknown ids and jobs that already started. */
  private pendingJobs(ids: readonly string[], what: string): LocalJob[] {
    return ids.map((id) => {
      const job = this.jobs.get(id);
      if (!job) throw new LocalJobError(`${what} ${id}: Invalid job id specified`);
      if (job.rec.state !== 'PENDING') throw new LocalJobError(`${what} ${id}: Job is no longer pending execution`);
      return job;
    });
  }

  async hold(jobIds: readonly string[]): Promise<void> {
    for (const job of this.pendingJobs(jobIds, 'hold')) {
      job.rec.held = true;
      this.files.save(job.rec);
    }
  }

  async release(jobIds: readonly string[]): Promise<void> {
    for (const job of this.pendingJobs(jobIds, 'release')) {
      job.rec.held = false;
      this.files.save(job.rec);
    }
    this.schedule();
  }

  async updateExclude(jobIds: readonly string[], hostlist: string): Promise<void> {
    const nodes = validateHostlist(hostlist);
    for (const job of this.pendingJobs(jobIds, 'update')) {
      job.rec.spec = { ...job.rec.spec, exclude: nodes };
      this.files.save(job.rec);
    }
    this.schedule();
  }

  async resubmit(jobId: string, options: Omit<SubmitSpec, 'script'>): Promise<SubmittedJob> {
    const job = this.jobs.get(jobId);
    if (!job) throw new LocalJobError(`unknown job ${jobId}`);
    const { dependency: _dependency, hold: _hold, ...previous } = job.rec.spec;
    const script = readFileSync(this.files.scriptPath(jobId), 'utf8');
    return this.submit({ ...previous, ...options, script });
  }

  nodes(): Promise<NodeStatus[]> {
    const busy = [...this.jobs.values()].some((j) => j.rec.state === 'RUNNING');
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
    return Promise.resolve(job?.rec.startTime ? [this.nodeName] : []);
  }

  /**
   * SIGUSR1 to the job's python processes (not its bash script): the fake trainer's (or the template's) faulthandler
   * prints their stacks into the job's log.
   */
  stackDump(jobId: string, nowMs = Date.now()): Promise<StackDumpReport> {
    const job = this.jobs.get(jobId);
    const pgid = job && !TERMINAL.has(job.rec.state) ? job.rec.pgid : null;
    const pids = pgid === null ? [] : pythonProcessesInGroup(pgid);
    let sent = 0;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGUSR1');
        sent += 1;
      } catch {
        // ended meanwhile
      }
    }
    if (!sent) return Promise.resolve({ ok: false, method: 'none', detail: `job ${jobId} runs no python process` });
    const at = new Date(nowMs).toISOString();
    return Promise.resolve({ ok: true, method: 'signal', detail: `SIGUSR1 sent; stacks are in the log from ${at}` });
  }

  /** The log file a job writes to (absolute). */
  outputPath(jobId: string): string | null {
    return this.jobs.get(jobId)?.rec.outputPath ?? null;
  }

  /** Resolves when the job has ended (immediately for unknown jobs). */
  async waitFor(jobId: string): Promise<LocalJobState | null> {
    const job = this.jobs.get(jobId);
    if (!job) return null;
    await job.done;
    return job.rec.state;
  }

  /** statfs of each path and bounded walks of the folders (no partition(): there is no scheduler to ask). */
  disks(requests: readonly DiskRequest[]): Promise<(DiskReport | Error)[]> {
    return localDisks(requests);
  }

  /** Cancels every job still running and waits for them, unless keepJobsOnClose (then they run on, recorded). */

  async close(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    if (this.options.keepJobsOnClose) {
      this.closed = true;
      for (const job of this.jobs.values()) job.child?.unref();
      return;
    }
    await this.cancel([...this.jobs.keys()]);
    this.closed = true;
  }

  private toStatus(rec: LocalJobRecord): JobStatus {
    const started = rec.startTime !== null;
    const elapsed = started ? Math.round(((rec.endTime ?? Date.now()) - (rec.startTime ?? 0)) / 1000) : null;
    return {
      id: rec.id,
      jobId: rec.id,
      arrayJobId: null,
      arrayTaskId: null,
      name: rec.name,
      state: rec.state,
      reason: rec.state === 'FAILED' ? 'NonZeroExitCode' : rec.state === 'PENDING' ? this.waitReason(rec) : null,
      nodeList: started ? this.nodeName : null,
      nodes: started ? [this.nodeName] : [],
      partition: 'local',
      submitTime: slurmTime(rec.submitTime),
      startTime: rec.startTime !== null ? slurmTime(rec.startTime) : null,
      endTime: rec.endTime !== null ? slurmTime(rec.endTime) : null,
      elapsedSeconds: elapsed,
      timeLimitSeconds: null,
      nodeCount: 1,
      exitCode: rec.exitCode,
      exitSignal: rec.exitSignal,
    };
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
function slurmTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
