// ClusterBackend on Slurm's command-line tools, through any Shell (SSH to a login node, or local).
// Every argv element is a validated id/option or a fixed format string; the batch script travels on stdin.
import {
  HISTORY_FIELDS,
  SINFO_FORMAT,
  SQUEUE_FORMAT,
  RESERVATIONS_ARGV,
  MAX_DISK_OPERANDS,
  buildDfArgv,
  buildDuArgv,
  chunked,
  validateDiskPath,
  buildHoldArgv,
  buildPartitionArgv,
  buildPartitionNodesArgv,
  buildReleaseArgv,
  buildSbatchArgv,
  buildSqueueByNamesArgv,
  buildUpdateExcludeArgv,
  isAccountingDisabled,
  isInvalidJobIdError,
  isTerminalState,
  parseSacct,
  parseDf,
  parseDu,
  parsePartitions,
  parseReservations,
  parseStackDumpStep,
  signalStepsArgv,
  jobStepsArgv,
  signallableSteps,
  stackDumpFileName,
  stackDumpStepArgv,
  stackDumpText,
  storeStackDumpArgv,
  STACK_DUMP_DIR_TEXT,
  parseSbatchParsable,
  parseScontrolJobs,
  parseSinfoNodes,
  parseSqueue,
  validateJobIds,
  validateJobNames,
  validateSubmitSpec,
  type DfBytes,
  type JobHistoryRecord,
  type JobStatus,
  type NodeStatus,
  type SubmitSpec,
} from '@trainboard/shared/slurm/index';
import type {
  ClusterBackend,
  DiskReport,
  DiskRequest,
  HistoryQuery,
  HistoryReport,
  HistorySource,
  PartitionReport,
  StackDumpReport,
  StatusReport,
  SubmittedJob,
} from './clusterBackend.js';
import { DISK_REQUESTS_PER_READ } from './clusterBackend.js';
import { CommandFailedError, type Shell, type ShellResult } from './shell.js';
import { slurmGpuProbe, type GpuProbe } from '../nodes/gpuProbe.js';

/** Bounds of the cluster-state reads (F11–F13, F17): scheduler queries, and du, which walks a whole checkpoint. */
const QUERY_TIMEOUT_MS = 20_000;
const DU_TIMEOUT_MS = 120_000;
/**
 * Folders per du command: du's time is its walk of all of them, and one DU_TIMEOUT_MS bounded one checkpoint; a
 * few per command keeps that bound meaningful (df reads only the filesystems' counters: MAX_DISK_OPERANDS each).
 */
const DU_OPERANDS = 16;

/** Slack over the commands' own timeouts: connection set-up and parsing. */
const READ_MARGIN_MS = 5_000;

const SINCE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/;
/** A py-spy step that takes longer is abandoned (py-spy itself gives up on a process after 20 s). */
const STACK_DUMP_TIMEOUT_MS = 90_000;

/** A Slurm command's answer we could not read; the raw lines are kept for the bug report. */
export class UnexpectedOutputError extends Error {
  constructor(
    readonly command: string,
    readonly lines: string[],
  ) {
    super(`${command} printed ${lines.length} line(s) Trainboard cannot read, e.g. ${JSON.stringify(lines[0])}`);
    this.name = 'UnexpectedOutputError';
  }
}

export class SlurmBackend implements ClusterBackend {
  readonly kind = 'slurm' as const;
  /** Learned on first use: which history source this cluster has. */
  private historySource: HistorySource | null = null;

  /**
   * partition(): three queries one after the other; disks() of up to DISK_REQUESTS_PER_READ runs: their df
   * commands, then their du commands. Each command is killed at its own timeout, so these bound the whole read
   * (the cluster-facts gatherer waits this long, never less).
   */
  readonly readBudgetsMs = {
    partition: 3 * QUERY_TIMEOUT_MS + READ_MARGIN_MS,
    disk:
      Math.ceil(DISK_REQUESTS_PER_READ / MAX_DISK_OPERANDS) * QUERY_TIMEOUT_MS +
      Math.ceil(DISK_REQUESTS_PER_READ / DU_OPERANDS) * DU_TIMEOUT_MS +
      READ_MARGIN_MS,
  };

  constructor(private readonly shell: Shell) {}

  /** nvidia-smi on a job's nodes, as one `srun --overlap` step over this backend's shell. */
  gpuProbe(): GpuProbe {
    return slurmGpuProbe(this.shell);
  }

  get target(): string {
    return this.shell.target;
  }

  private async run(argv: readonly string[], stdin?: string, timeoutMs?: number): Promise<ShellResult> {
    const r = await this.shell.exec(argv, {
      ...(stdin === undefined ? {} : { stdin }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return r;
  }

  private async ok(argv: string[], stdin?: string): Promise<ShellResult> {
    const r = await this.run(argv, stdin);
    if (r.code !== 0) throw new CommandFailedError(argv, r);
    return r;
  }

  async submit(spec: SubmitSpec): Promise<SubmittedJob> {
    const valid = validateSubmitSpec(spec);
    const argv = buildSbatchArgv(valid);
    const r = await this.ok(argv, valid.script);
    const parsed = parseSbatchParsable(r.stdout);
    if (!parsed) throw new UnexpectedOutputError('sbatch --parsable', r.stdout.split('\n').filter(Boolean));
    return parsed;
  }

  async status(jobIds: readonly string[]): Promise<StatusReport> {
    const ids = validateJobIds(jobIds);
    if (ids.length === 0) return { jobs: [], missing: [] };
    const argv = ['squeue', '--noheader', '--states=all', `--jobs=${ids.join(',')}`, `--format=${SQUEUE_FORMAT}`];
    const r = await this.run(argv);
    if (r.code !== 0 && !isInvalidJobIdError(r.stderr)) throw new CommandFailedError(argv, r);
    const { jobs, rejected } = parseSqueue(r.code === 0 ? r.stdout : '');
    if (rejected.length) throw new UnexpectedOutputError('squeue', rejected);
    const seen = new Set(jobs.flatMap((j) => [j.id, j.jobId, j.arrayJobId ?? '']));
    const missing = ids.filter((id) => !seen.has(id));
    await this.fillExitCodes(jobs.filter((j) => isTerminalState(j.state)));
    return { jobs, missing };
  }

  /**
   * squeue has no exit-code column. Finished jobs get theirs from history (one call) when the cluster keeps one,
   * else from `scontrol show job` (one call per job, all over the same connection), which knows every job
   * slurmctld still holds (MinJobAge).
   */
  private async fillExitCodes(finished: JobStatus[]): Promise<void> {
    if (!finished.length) return;
    const hist =
      this.historySource === 'queue'
        ? null
        : await this.history({ jobIds: finished.map((j) => j.jobId) }).catch(() => null);
    const byId = new Map((hist?.source === 'queue' ? [] : (hist?.records ?? [])).map((h) => [h.id, h]));
    const unknown: JobStatus[] = [];
    for (const j of finished) {
      // jobcomp keys array members by their own job id (`9`), slurmdbd by `<array>_<task>` (`4_1`).
      const h = byId.get(j.jobId) ?? byId.get(j.id);
      if (h && h.exitCode !== null) {
        j.exitCode = h.exitCode;
        j.exitSignal = h.exitSignal;
      } else {
        unknown.push(j);
      }
    }
    const answers = await Promise.all(
      unknown.map((j) => this.run(['scontrol', '--oneliner', 'show', 'job', j.jobId]).catch(() => null)),
    );
    unknown.forEach((j, i) => {
      const s = parseScontrolJobs(answers[i]?.stdout ?? '').find((x) => x.jobId === j.jobId);
      if (s) {
        j.exitCode = s.exitCode;
        j.exitSignal = s.exitSignal;
      }
    });
  }

  async history(query: HistoryQuery = {}): Promise<HistoryReport> {
    const filter: string[] = [];
    if (query.jobIds?.length) filter.push(`--jobs=${validateJobIds(query.jobIds).join(',')}`);
    if (query.since !== undefined) {
      if (!SINCE.test(query.since))
        throw new Error(`history since: must look like 2022-05-01T00:00:00, got ${JSON.stringify(query.since)}`);
      filter.push(`--starttime=${query.since}`);
    }
    if (this.historySource !== 'jobcomp' && this.historySource !== 'queue') {
      const argv = ['sacct', '--allocations', '--parsable2', '--noheader', `--format=${HISTORY_FIELDS}`, ...filter];
      const r = await this.run(argv);
      if (r.code === 0 && !isAccountingDisabled(r.stderr)) {
        this.historySource = 'accounting';
        return { source: 'accounting', records: this.readSacct(r.stdout), note: null };
      }
      if (!isAccountingDisabled(r.stdout + r.stderr)) throw new CommandFailedError(argv, r);
    }
    const note = 'this cluster has no accounting database (slurmdbd)';
    if (this.historySource !== 'queue') {
      const argv = [
        'sacct',
        '--completion',
        '--allocations',
        '--parsable2',
        '--noheader',
        `--format=${HISTORY_FIELDS}`,
        ...filter,
      ];
      const r = await this.run(argv);
      if (r.code === 0) {
        this.historySource = 'jobcomp';
        return {
          source: 'jobcomp',
          records: this.readSacct(r.stdout),
          note: `${note}; history comes from the job completion file`,
        };
      }
      if (this.historySource !== 'jobcomp') this.historySource = 'queue'; // a jobcomp file that worked once is retried next time
    }
    return {
      source: 'queue',
      records: await this.historyFromQueue(query.jobIds),
      note: `${note} nor job completion file; only jobs still in squeue are listed`,
    };
  }

  private readSacct(stdout: string): JobHistoryRecord[] {
    const { records, rejected } = parseSacct(stdout);
    if (rejected.length) throw new UnexpectedOutputError('sacct', rejected);
    return records;
  }

  private async historyFromQueue(jobIds?: string[]): Promise<JobHistoryRecord[]> {
    const argv = ['squeue', '--noheader', '--states=all', `--format=${SQUEUE_FORMAT}`];
    if (jobIds?.length) argv.push(`--jobs=${validateJobIds(jobIds).join(',')}`);
    const r = await this.run(argv);
    if (r.code !== 0 && !isInvalidJobIdError(r.stderr)) throw new CommandFailedError(argv, r);
    return parseSqueue(r.code === 0 ? r.stdout : '').jobs.map((j) => ({
      id: j.jobId,
      name: j.name,
      state: j.state,
      cancelledBy: null,
      exitCode: null,
      exitSignal: null,
      startTime: j.startTime,
      endTime: j.endTime,
      elapsedSeconds: j.elapsedSeconds,
      nodeList: j.nodeList,
      nodes: j.nodes,
      partition: j.partition,
    }));
  }

  async cancel(jobIds: readonly string[]): Promise<void> {
    const ids = validateJobIds(jobIds);
    if (ids.length) await this.ok(['scancel', ...ids]);
  }

  async resubmit(jobId: string, options: Omit<SubmitSpec, 'script'>): Promise<SubmittedJob> {
    const [id = ''] = validateJobIds([jobId]);
    // Slurm keeps the script of every job it still knows; `-` writes it to stdout.
    const r = await this.ok(['scontrol', 'write', 'batch_script', id, '-']);
    return this.submit({ ...options, script: r.stdout });
  }

  async lookupByNames(names: readonly string[], since?: string): Promise<Map<string, JobStatus[]>> {
    const wanted = validateJobNames(names);
    const found = new Map<string, JobStatus[]>(wanted.map((n) => [n, []]));
    if (!wanted.length) return found;
    const argv = buildSqueueByNamesArgv(wanted);
    const r = await this.run(argv);
    if (r.code !== 0) throw new CommandFailedError(argv, r);
    const { jobs, rejected } = parseSqueue(r.stdout);
    if (rejected.length) throw new UnexpectedOutputError('squeue', rejected);
    for (const job of jobs) found.get(job.name)?.push(job);
    await this.fillExitCodes(jobs.filter((j) => isTerminalState(j.state)));
    // squeue forgets finished jobs after MinJobAge; history still has them (jobcomp keeps the name, not the comment).
    const forgotten = new Set(wanted.filter((n) => found.get(n)?.length === 0));
    if (forgotten.size) {
      const hist = await this.history({ since: since ?? daysAgo(7) });
      for (const rec of hist.records) if (forgotten.has(rec.name)) found.get(rec.name)?.push(statusOfRecord(rec));
    }
    return found;
  }

  async hold(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length) await this.ok(buildHoldArgv(jobIds));
  }

  async release(jobIds: readonly string[]): Promise<void> {
    if (jobIds.length) await this.ok(buildReleaseArgv(jobIds));
  }

  async updateExclude(jobIds: readonly string[], hostlist: string): Promise<void> {
    if (!jobIds.length) return;
    for (const argv of buildUpdateExcludeArgv(jobIds, hostlist)) await this.ok(argv);
  }

  async nodes(): Promise<NodeStatus[]> {
    const r = await this.ok(['sinfo', '--noheader', '--Node', `--format=${SINFO_FORMAT}`]);
    const { nodes, rejected } = parseSinfoNodes(r.stdout);
    if (rejected.length) throw new UnexpectedOutputError('sinfo', rejected);
    return nodes;
  }

  async jobNodes(jobId: string): Promise<string[]> {
    const { jobs } = await this.status([jobId]);
    const job = jobs.find((j) => j.id === jobId || j.jobId === jobId) ?? jobs[0];
    if (job?.nodes.length) return job.nodes;
    const hist = await this.history({ jobIds: [jobId] }).catch(() => null);
    return hist?.records.find((h) => h.id === jobId)?.nodes ?? [];
  }

  /** The partition's state, its nodes (sinfo) and the reservations on them; the default partition when null. */
  async partition(partition: string | null): Promise<PartitionReport> {
    const argv = buildPartitionArgv(partition);
    // One command at a time: each is an exec channel on the login node (MaxSessions).
    const shown = await this.run(argv, undefined, QUERY_TIMEOUT_MS);
    const reservations = await this.run(RESERVATIONS_ARGV, undefined, QUERY_TIMEOUT_MS);
    if (shown.code !== 0) throw new CommandFailedError(argv, shown);
    if (reservations.code !== 0) throw new CommandFailedError(RESERVATIONS_ARGV, reservations);
    const parts = parsePartitions(shown.stdout);
    if (parts.rejected.length) throw new UnexpectedOutputError('scontrol show partition', parts.rejected);
    const p = partition === null ? parts.partitions.find((x) => x.isDefault) : parts.partitions[0];
    if (!p) throw new UnexpectedOutputError('scontrol show partition', shown.stdout.split('\n').filter(Boolean));
    const res = parseReservations(reservations.stdout);
    if (res.rejected.length) throw new UnexpectedOutputError('scontrol show reservation', res.rejected);
    const nodesArgv = buildPartitionNodesArgv(p.name, SINFO_FORMAT);
    const sinfo = await this.run(nodesArgv, undefined, QUERY_TIMEOUT_MS);
    if (sinfo.code !== 0) throw new CommandFailedError(nodesArgv, sinfo);
    const { nodes, rejected } = parseSinfoNodes(sinfo.stdout);
    if (rejected.length) throw new UnexpectedOutputError('sinfo', rejected);
    const mine = new Set(p.nodes);
    return {
      partition: p.name,
      state: p.state,
      nodes: nodes.map((n) => ({ name: n.name, state: n.state, reason: n.reason, notResponding: n.notResponding })),
      reservations: res.reservations.filter((r) => r.nodes.some((n) => mine.has(n))),
    };
  }

  /**
   * df of the filesystems holding the requests' paths, du of their folders: one df per MAX_DISK_OPERANDS distinct
   * paths, one du per DU_OPERANDS distinct folders (only of requests df could read), one command at a time. A
   * path that is refused, missing or unreadable is an Error in its place; the others are read all the same.
   */
  async disks(requests: readonly DiskRequest[]): Promise<(DiskReport | Error)[]> {
    const refused = new Map<string, Error>();
    const valid = (p: string) => {
      try {
        return validateDiskPath(p) === p;
      } catch (err) {
        refused.set(p, err as Error);
        return false;
      }
    };
    const paths = [...new Set(requests.map((r) => r.path))].filter(valid);
    const df = await this.dfMany(paths);
    const read = (p: string) => df.get(p) ?? refused.get(p) ?? new Error('df: not asked');
    const folders = requests.filter((r) => !(read(r.path) instanceof Error) && r.folder !== null);
    const du = await this.duMany([...new Set(folders.map((r) => r.folder!))].filter(valid));
    return requests.map((r) => {
      const bytes = read(r.path);
      if (bytes instanceof Error) return bytes;
      return { ...bytes, folderBytes: r.folder === null ? null : (du.get(r.folder) ?? null) };
    });
  }

  /** One request's disk: disks() of one. */
  async disk(path: string, folder: string | null): Promise<DiskReport> {
    const [r] = await this.disks([{ path, folder }]);
    if (!r || r instanceof Error) throw r ?? new Error('no disk report');
    return r;
  }

  /**
   * df exits 1 when an operand cannot be read and still prints the others: a path without its line is an Error
   * (with df's word on it, for the server log), the others count.
   */
  private async dfMany(paths: readonly string[]): Promise<Map<string, DfBytes | Error>> {
    const out = new Map<string, DfBytes | Error>();
    for (const part of chunked(paths, MAX_DISK_OPERANDS)) {
      const r = await this.run(buildDfArgv(part), undefined, QUERY_TIMEOUT_MS);
      const { bytes, rejected } = parseDf(r.stdout, part);
      if (rejected.length) throw new UnexpectedOutputError('df', rejected);
      const said = r.stderr.split('\n').filter(Boolean);
      for (const p of part) {
        const why = said.find((l) => l.includes(p)) ?? said[0] ?? `exit ${r.code}`;
        out.set(p, bytes.get(p) ?? new Error(`df did not read this path: ${why}`));
      }
    }
    return out;
  }

  /**
   * du prints what it could count and exits 1 on a missing folder or an unreadable file inside: each printed line
   * counts; a folder without one is unknown (null). A du that fails as a whole (its timeout) leaves its folders
   * unknown rather than losing the df figures of every run.
   */
  private async duMany(folders: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const part of chunked(folders, DU_OPERANDS)) {
      const r = await this.run(buildDuArgv(part), undefined, DU_TIMEOUT_MS).catch(() => null);
      if (!r) continue;
      const { bytes, rejected } = parseDu(r.stdout, part);
      if (rejected.length) throw new UnexpectedOutputError('du', rejected);
      for (const [f, b] of bytes) out.set(f, b);
    }
    return out;
  }

  /**
   * py-spy on every node of the job when each has it (the text stored in ~/.trainboard/stacks on the cluster),
   * else SIGUSR1 to the job's steps: the training processes' faulthandler writes their stacks into the log.
   */
  async stackDump(jobId: string, nowMs = Date.now()): Promise<StackDumpReport> {
    const [id = ''] = validateJobIds([jobId]);
    const nodes = await this.jobNodes(id);
    if (!nodes.length) return { ok: false, method: 'none', detail: `job ${id} is not running on any node` };
    const viaPySpy = await this.pySpyDump(id, nodes.length, nowMs).catch(() => null);
    if (viaPySpy) return viaPySpy;
    // scancel --signal succeeds on a job with no step (training launched without srun) and reaches nobody.
    const steps = await this.ok(jobStepsArgv(id));
    if (!signallableSteps(id, steps.stdout).length)
      return { ok: false, method: 'none', detail: `job ${id} has no step to signal (no py-spy dump either)` };
    await this.ok(signalStepsArgv(id));
    return {
      ok: true,
      method: 'signal',
      detail: `SIGUSR1 sent; stacks are in the log from ${new Date(nowMs).toISOString()}`,
    };
  }

  /** The py-spy way, or null when a node lacks py-spy or dumped nothing (the caller signals instead). */
  private async pySpyDump(id: string, nodeCount: number, nowMs: number): Promise<StackDumpReport | null> {
    const r = await this.shell.exec(stackDumpStepArgv(id, nodeCount), { timeoutMs: STACK_DUMP_TIMEOUT_MS });
    const dumps = parseStackDumpStep(r.stdout);
    const pids = dumps.reduce((n, d) => n + d.dumped, 0);
    if (dumps.length < nodeCount || dumps.some((d) => !d.hasPySpy || d.dumped === 0)) return null;
    const at = new Date(nowMs).toISOString();
    const file = stackDumpFileName(id, nowMs);
    await this.ok(storeStackDumpArgv(file), stackDumpText(id, dumps, at));
    const where = dumps.map((d) => d.node).join(', ');
    return {
      ok: true,
      method: 'py-spy',
      detail: `py-spy dumped ${pids} process(es) on ${where} at ${at}: ${STACK_DUMP_DIR_TEXT}/${file} on the cluster`,
    };
  }

  close(): Promise<void> {
    return this.shell.close();
  }
}

/** A history record in the shape of a live status (what the queue would have said, minus what history lacks). */
function statusOfRecord(rec: JobHistoryRecord): JobStatus {
  const [jobId = rec.id, task = null] = rec.id.split('_');
  return {
    id: rec.id,
    jobId,
    arrayJobId: task === null ? null : jobId,
    arrayTaskId: task,
    name: rec.name,
    state: rec.state,
    reason: null,
    nodeList: rec.nodeList,
    nodes: rec.nodes,
    partition: rec.partition,
    submitTime: null,
    startTime: rec.startTime,
    endTime: rec.endTime,
    elapsedSeconds: rec.elapsedSeconds,
    timeLimitSeconds: null,
    nodeCount: rec.nodes.length || null,
    exitCode: rec.exitCode,
    exitSignal: rec.exitSignal,
  };
}

/** `YYYY-MM-DDTHH:MM:SS` (this host's local time) some days back: the default history window of a lookup. */
function daysAgo(days: number): string {
  const d = new Date(Date.now() - days * 86_400_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
