// A scheduler in memory for controller tests: jobs by id and name, sbatch that can be made to fail or to land
// while its answer is lost (the kill -9 / dropped-channel cases).
import type { SubmitSpec } from '@trainboard/shared/slurm/submit';
import type { JobStatus } from '@trainboard/shared/slurm/types';
import { CommandFailedError, ShellError } from '../../adapters/shell.js';
import type { ControlBackend, ControlCluster } from '../ports.js';
import type { ClusterRow } from '../../clusters/types.js';

export interface FakeJob {
  id: string;
  spec: SubmitSpec;
  state: string;
  nodeList: string | null;
  held: boolean;
}

export class FakeScheduler implements ControlBackend {
  jobs: FakeJob[] = [];
  calls: string[] = [];
  /** The next sbatch: 'refuse' (sbatch error), 'lose-answer' (job created, transport fails), 'drop' (nothing). */
  nextSubmit: 'ok' | 'refuse' | 'lose-answer' | 'drop' = 'ok';
  private nextId = 1000;

  async submit(spec: SubmitSpec) {
    this.calls.push(`sbatch ${spec.name}`);
    const mode = this.nextSubmit;
    this.nextSubmit = 'ok';
    if (mode === 'refuse')
      throw new CommandFailedError(['sbatch'], { stdout: '', stderr: 'invalid partition', code: 1, signal: null });
    if (mode === 'drop') throw new ShellError('closed', 'connection dropped');
    const job: FakeJob = { id: String(++this.nextId), spec, state: 'PENDING', nodeList: null, held: false };
    this.jobs.push(job);
    if (mode === 'lose-answer') throw new ShellError('closed', 'connection dropped');
    return { jobId: job.id, cluster: null };
  }

  /** Puts a job in the queue as if a lost sbatch landed later. */
  land(spec: SubmitSpec): string {
    const job: FakeJob = { id: String(++this.nextId), spec, state: 'PENDING', nodeList: null, held: false };
    this.jobs.push(job);
    return job.id;
  }

  async cancel(ids: readonly string[]) {
    this.calls.push(`scancel ${ids.join(' ')}`);
    for (const j of this.jobs) if (ids.includes(j.id) && !isEnded(j.state)) j.state = 'CANCELLED';
  }

  async lookupByNames(names: readonly string[]) {
    return new Map(names.map((n) => [n, this.jobs.filter((j) => j.spec.name === n).map(statusOf)]));
  }

  async hold(ids: readonly string[]) {
    this.calls.push(`hold ${ids.join(',')}`);
    for (const j of this.jobs) if (ids.includes(j.id)) j.held = true;
  }

  async release(ids: readonly string[]) {
    this.calls.push(`release ${ids.join(',')}`);
    for (const j of this.jobs) if (ids.includes(j.id)) j.held = false;
  }

  /** Ids whose exclusions cannot change in place (Kubernetes, once unsuspended): refused with `needsResubmit`. */
  frozen = new Set<string>();

  async updateExclude(ids: readonly string[], hostlist: string) {
    this.calls.push(`update ${ids.join(',')} ${hostlist}`);
    const frozen = ids.find((id) => this.frozen.has(id));
    if (frozen) throw Object.assign(new Error(`job ${frozen} cannot change in place`), { needsResubmit: true });
  }

  byId(id: string): FakeJob {
    return this.jobs.find((j) => j.id === id)!;
  }

  live(): FakeJob[] {
    return this.jobs.filter((j) => !isEnded(j.state));
  }
}

const isEnded = (s: string) => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(s);

function statusOf(j: FakeJob): JobStatus {
  return {
    id: j.id,
    jobId: j.id,
    arrayJobId: null,
    arrayTaskId: null,
    name: j.spec.name ?? '',
    state: j.state,
    reason: j.held ? 'JobHeldUser' : null,
    nodeList: j.nodeList,
    nodes: j.nodeList ? [j.nodeList] : [],
    partition: null,
    submitTime: null,
    startTime: null,
    endTime: null,
    elapsedSeconds: null,
    timeLimitSeconds: null,
    nodeCount: null,
    exitCode: j.state === 'FAILED' ? 1 : null,
    exitSignal: null,
  };
}

export function fakeCluster(backend: ControlBackend, files: string[] = []): ControlCluster {
  const row = { id: 1, name: 'dev', kind: 'slurm', jobsRoot: '/jobs', template: 'fake-trainer' } as ClusterRow;
  return {
    id: 1,
    name: 'dev',
    row,
    backend,
    shell: {
      target: 'fake',
      exec: async () => ({ stdout: '', stderr: '', code: 0, signal: null }),
      close: async () => undefined,
    },
    files: {
      mkdirp: async (p) => void files.push(`mkdir ${p}`),
      writeFile: async (p) => void files.push(`write ${p}`),
      touch: async (p) => void files.push(`touch ${p}`),
      remove: async (p) => void files.push(`rm ${p}`),
    },
  };
}
