// The cluster-facts gatherer over a real (in-memory) database and a scripted backend: what it reads from the
// stored run and jobs, what it asks the backend, the disk cadence, and that failures leave fields unknown.
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobStatus } from '@trainboard/shared/slurm/types';
import type {
  ClusterBackend,
  DiskReport,
  DiskRequest,
  PartitionReport,
  StatusReport,
} from '../adapters/clusterBackend.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { buildRun } from '../testing/builders.js';
import { type ClusterFactsDeps, createClusterFactsSource, medianInterval } from './clusterFacts.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

const T0 = Date.UTC(2026, 11, 6, 12);
const CONFIG = {
  name: 'gpt',
  cluster: { partition: 'gpu_p5', nodes: 2, exclude: 'c[8-9]', timeLimit: '1-00:00:00' },
  checkpointing: { dir: 'checkpoints', saveInterval: 100 },
};

function status(jobId: string, state: string, extra: Partial<JobStatus> = {}): JobStatus {
  return {
    id: jobId,
    jobId,
    arrayJobId: null,
    arrayTaskId: null,
    name: 'gpt',
    state,
    reason: null,
    nodeList: null,
    nodes: [],
    partition: 'gpu_p5',
    submitTime: null,
    startTime: null,
    endTime: null,
    elapsedSeconds: null,
    timeLimitSeconds: null,
    nodeCount: 2,
    exitCode: null,
    exitSignal: null,
    ...extra,
  };
}

/** A backend that answers from the test's script and records what it was asked. */
function scriptedBackend() {
  const calls: string[] = [];
  const script = {
    status: (ids: readonly string[]): StatusReport => ({
      jobs: ids.map((id) => status(id, 'PENDING', { reason: 'Priority' })),
      missing: [],
    }),
    partition: (p: string | null): PartitionReport => ({
      partition: p ?? 'default',
      state: 'up',
      nodes: [{ name: 'c1', state: 'idle', reason: null }],
      reservations: [],
    }),
    disk: (_path: string, _folder: string | null): DiskReport => ({
      totalBytes: 1000,
      usedBytes: 800,
      availableBytes: 200,
      folderBytes: 50,
    }),
  };
  const load = { now: 0, max: 0 };
  /** Each call takes a turn of the event loop, so calls made in parallel would overlap. */
  const call = async <T>(what: string, answer: () => T): Promise<T> => {
    calls.push(what);
    load.max = Math.max(load.max, ++load.now);
    try {
      await new Promise((r) => setImmediate(r));
      return answer();
    } finally {
      load.now--;
    }
  };
  const backend = {
    kind: 'slurm',
    target: 'test',
    status: (ids: readonly string[]) => call(`status ${ids.join(',')}`, () => script.status(ids)),
    partition: (p: string | null) => call(`partition ${p}`, () => script.partition(p)),
    // One call for many runs: each request answered by the script, a throw being that request's Error.
    disks: (requests: readonly DiskRequest[]) =>
      call(`disks ${requests.map((r) => `${r.path} ${r.folder}`).join(' + ')}`, () =>
        requests.map((r) => {
          try {
            return script.disk(r.path, r.folder);
          } catch (err) {
            return err as Error;
          }
        }),
      ),
  } as unknown as ClusterBackend;
  return { backend, calls, script, load };
}

interface SetupOptions {
  recovery?: ClusterFactsDeps['recovery'];
  callTimeoutMs?: number;
  partitionShareMs?: number;
}

function setup(saves: { iteration: number; timeMs: number }[] = [], opts: SetupOptions = {}) {
  conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const run = buildRun(repos, { config: CONFIG, excludeNodes: 'c7' } as never);
  repos.runControl.setDesired(run.runId, { excludeNodes: 'c7' }, 1);
  const keys = (id: number) => ({ idemKey: `tb.t.${id}`, schedName: `gpt.tb.t.${id}` });
  const begin = (seq: number) =>
    repos.jobs.beginSubmit({
      runId: run.runId,
      clusterId: run.clusterId!,
      chainSeq: seq,
      dependsOn: null,
      exclude: null,
      reason: 'initial',
      actionId: null,
      keys,
    });
  const done = begin(1);
  repos.jobs.markSubmitted(done.id, '41');
  repos.jobs.recordStatus(done.id, { state: 'FAILED', nodeList: 'c[1-2]' });
  const live = begin(2);
  repos.jobs.markSubmitted(live.id, '42');
  const events = { ...repos.events, recentCheckpoints: () => saves };
  let now = T0;
  const logger = pino({ level: 'silent' });
  const { backend, calls, script, load } = scriptedBackend();
  const source = createClusterFactsSource({
    repos: { ...repos, events } as Repositories,
    backendOf: (id) => (id === run.clusterId ? backend : null),
    logger,
    now: () => now,
    ...opts,
  });
  return { repos, run, source, calls, script, load, begin, backend, advance: (ms: number) => (now += ms) };
}

describe('cluster facts gatherer', () => {
  it('builds the facts from the stored run and jobs, squeue of the live ones, and the partition', async () => {
    const t = setup();
    t.begin(3); // sbatch in flight
    const facts = await t.source.gather(t.run.runId);
    expect(facts).toMatchObject({
      timeMs: T0,
      runEnded: false,
      controlled: true,
      jobs: [
        { jobId: '41', state: 'FAILED', nodes: ['c1', 'c2'] },
        { jobId: '42', state: 'PENDING', reason: 'Priority', nodesRequested: 2 },
        { jobId: '', state: 'SUBMITTING' },
      ],
      partition: 'gpu_p5',
      partitionState: 'up',
      partitionNodes: [{ name: 'c1', state: 'idle' }],
      reservations: [],
      nodesRequired: 2,
      timeLimitMs: 86_400_000,
    });
    expect(facts?.excludedNodes.sort()).toEqual(['c7', 'c8', 'c9']);
    // squeue asked only for the job the store does not hold as finished; df of the run folder before any save.
    expect(t.calls).toEqual(['status 42', 'partition gpu_p5', `disks ${t.run.runDir} null`]);
  });

  it("answers the recovery policy's capacity from the last partition read, without asking the cluster", async () => {
    const t = setup();
    // Before any read the partition is unknown: the recovery policy then restarts as asked.
    expect(t.source.capacity(t.run.runId)).toEqual({
      partitionNodes: null,
      excludedNodes: ['c7', 'c8', 'c9'],
      nodesRequired: 2,
    });
    await t.source.gather(t.run.runId);
    const calls = t.calls.length;
    t.repos.runControl.setDesired(
      t.run.runId,
      { excludeNodes: 'c[6-7]' },
      t.repos.runControl.get(t.run.runId)!.version,
    );
    expect(t.source.capacity(t.run.runId)).toMatchObject({
      partitionNodes: [{ name: 'c1', state: 'idle' }],
      excludedNodes: ['c6', 'c7', 'c8', 'c9'],
      nodesRequired: 2,
    });
    expect(t.calls).toHaveLength(calls);
    expect(t.source.capacity(9999)).toBeNull();
  });

  it('a requeued job (PENDING again, squeue shows no nodes) keeps the allocation it had when running', async () => {
    const t = setup();
    const live = t.repos.jobs.controlOfRun(t.run.runId).find((r) => r.schedulerJobId === '42')!;
    t.script.status = (ids) => ({ jobs: ids.map((id) => status(id, 'RUNNING', { nodeList: 'c4' })), missing: [] });
    expect((await t.source.gather(t.run.runId))?.jobs[1]).toMatchObject({ state: 'RUNNING', nodes: ['c4'] });
    // What the controller's status poll stores: the running allocation, then the requeued job without one.
    t.repos.jobs.recordStatus(live.id, { state: 'RUNNING', nodeList: 'c4' });
    t.repos.jobs.recordStatus(live.id, { state: 'PENDING', nodeList: undefined });
    t.script.status = (ids) => ({ jobs: ids.map((id) => status(id, 'PENDING', { reason: 'BeginTime' })), missing: [] });
    t.advance(20_000);
    expect((await t.source.gather(t.run.runId))?.jobs[1]).toMatchObject({ state: 'PENDING', nodes: ['c4'] });
  });

  it('reads df of the checkpoint folder and du of the latest save, with the save cadence, at most every 5 min', async () => {
    const t = setup([
      { iteration: 100, timeMs: T0 - 3 * 3_600_000 },
      { iteration: 200, timeMs: T0 - 2 * 3_600_000 },
      { iteration: 300, timeMs: T0 },
    ]);
    const facts = await t.source.gather(t.run.runId);
    const ckpt = `${t.run.runDir}/checkpoints`;
    expect(facts?.filesystem).toEqual({
      path: ckpt,
      totalBytes: 1000,
      usedBytes: 800,
      availableBytes: 200,
      checkpointBytes: 50,
      saveIntervalMs: 1.5 * 3_600_000,
    });
    expect(t.calls.filter((c) => c.startsWith('disk'))).toEqual([`disks ${ckpt} ${ckpt}/global_step300`]);
    t.advance(60_000);
    expect((await t.source.gather(t.run.runId))?.filesystem?.availableBytes).toBe(200); // cached
    t.advance(5 * 60_000);
    await t.source.gather(t.run.runId);
    expect(t.calls.filter((c) => c.startsWith('disk'))).toHaveLength(2);
  });

  it('a failed read is unknown (null), not cleared; the gather still answers', async () => {
    const t = setup();
    t.script.partition = () => {
      throw new Error('slurmctld down');
    };
    t.script.status = () => {
      throw new Error('squeue timeout');
    };
    const facts = await t.source.gather(t.run.runId);
    expect(facts).toMatchObject({ partitionState: null, partitionNodes: null, reservations: null });
    // Without squeue the stored states stand.
    expect(facts?.jobs.map((j) => j.state)).toEqual(['FAILED', 'PENDING']);
  });

  it('one gather in flight per run; runs without a cluster or desired state are not gathered', async () => {
    const t = setup();
    const first = t.source.gather(t.run.runId);
    expect(await t.source.gather(t.run.runId)).toBeNull();
    expect(await first).not.toBeNull();
    expect(await t.source.gather(9999)).toBeNull();
  });

  it('an ended run says so (stopped by a person); a held one is not under automatic control', async () => {
    const t = setup();
    t.repos.runControl.setDesired(t.run.runId, { desiredState: 'held' }, 2);
    expect(await t.source.gather(t.run.runId)).toMatchObject({ runEnded: false, controlled: false });
    t.repos.runControl.setDesired(t.run.runId, { desiredState: 'stopped' }, 3);
    expect(await t.source.gather(t.run.runId)).toMatchObject({ runEnded: true, controlled: false });
  });

  it('gathers one run at a time, one call at a time; runs on one partition share its read within a tick', async () => {
    const t = setup();
    const other = buildRun(t.repos, { clusterId: t.run.clusterId!, config: CONFIG } as never);
    const both = await Promise.all([t.source.gather(t.run.runId), t.source.gather(other.runId)]);
    expect(both.map((f) => f?.partitionState)).toEqual(['up', 'up']);
    expect(t.load.max).toBe(1);
    expect(t.calls.filter((c) => c.startsWith('partition'))).toHaveLength(1);
    t.advance(15_000); // the next tick reads it again
    await t.source.gather(other.runId);
    expect(t.calls.filter((c) => c.startsWith('partition'))).toHaveLength(2);
  });

  it('fills the recovery policy’s intent: a restart waiting for its backoff, a maintenance hold', async () => {
    const pending = { notBeforeMs: T0 + 60_000 } as never;
    const t = setup([], { recovery: { pending: () => pending, maintenanceOpen: () => true } });
    expect(await t.source.gather(t.run.runId)).toMatchObject({
      restartPending: { notBeforeMs: T0 + 60_000 },
      maintenanceHold: true,
    });
    const none = setup([], { recovery: { pending: () => null, maintenanceOpen: () => false } });
    expect(await none.source.gather(none.run.runId)).toMatchObject({ restartPending: null, maintenanceHold: false });
  });

  it('waits the backend’s own budget for a slow du; a read given up on blocks the cluster’s other reads until it ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const t = setup([{ iteration: 300, timeMs: T0 }]);
      let finishDu: () => void = () => {};
      const duDone = new Promise<void>((r) => (finishDu = r));
      const slow = { totalBytes: 1000, usedBytes: 800, availableBytes: 200, folderBytes: 50 };
      // Answers without a turn of the event loop (setImmediate is not faked): only the du takes time here.
      Object.assign(t.backend, {
        readBudgetsMs: { disk: 145_000 },
        status: async (ids: string[]) => (t.calls.push(`status ${ids.join(',')}`), t.script.status(ids)),
        partition: async (p: string | null) => (t.calls.push(`partition ${p}`), t.script.partition(p)),
        disks: async () => {
          t.calls.push('disks');
          await duDone;
          return [slow];
        },
      });
      // A du of 90 s: past the old flat 60 s timeout, within the backend's 145 s budget → measured.
      const gather = t.source.gather(t.run.runId);
      await vi.advanceTimersByTimeAsync(90_000);
      finishDu();
      expect((await gather)?.filesystem?.checkpointBytes).toBe(50);

      // Past the budget: given up; while that du may still run, the next gather asks that cluster nothing.
      const stuck = new Promise<never>(() => {});
      let release: () => void = () => {};
      const ended = new Promise<void>((r) => (release = r));
      Object.assign(t.backend, { disks: () => ended.then(() => stuck) });
      t.advance(10 * 60_000);
      const late = t.source.gather(t.run.runId);
      await vi.advanceTimersByTimeAsync(146_000);
      expect((await late)?.filesystem?.checkpointBytes).toBe(50); // the cached fact
      const before = t.calls.length;
      t.advance(15_000);
      expect(await t.source.gather(t.run.runId)).toMatchObject({ partitionState: null });
      expect(t.calls.length).toBe(before); // no squeue, no partition read beside the abandoned du
      release();
      await vi.advanceTimersByTimeAsync(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('with a short incident tick the shared read lasts less than that tick: a partition gone down is seen next tick', async () => {
    const t = setup([], { partitionShareMs: 900 });
    await t.source.gather(t.run.runId);
    t.advance(1_000);
    await t.source.gather(t.run.runId);
    expect(t.calls.filter((c) => c.startsWith('partition'))).toHaveLength(2);
  });

  it('reads the run config as submitted (the submit audit row), not runs.config the ingest replaced at a banner', async () => {
    const t = setup();
    t.repos.audit.append({
      atMs: T0,
      actorKind: 'user',
      actorName: 'alice',
      action: 'run.submit',
      runId: t.run.runId,
      result: 'requested',
      details: { config: { cluster: CONFIG.cluster, checkpointing: { dir: 'checkpoints' } } },
    });
    // What the ingest writes at each start-up banner: the trainer's arguments, no partition, exclusion or limit.
    conn.sqlite
      .prepare('UPDATE runs SET config = ? WHERE id = ?')
      .run(JSON.stringify({ world_size: 8, train_iters: 200 }), t.run.runId);
    const facts = await t.source.gather(t.run.runId);
    expect(facts).toMatchObject({ partition: 'gpu_p5', nodesRequired: 2, timeLimitMs: 86_400_000 });
    expect(facts?.excludedNodes.sort()).toEqual(['c7', 'c8', 'c9']);
    expect(t.calls).toContain('partition gpu_p5');
  });

  it('a stopped or finished run asks the cluster nothing; its facts say it ended (its incidents resolve)', async () => {
    const t = setup();
    t.repos.runControl.setDesired(t.run.runId, { desiredState: 'stopped' }, 2);
    const facts = await t.source.gather(t.run.runId);
    expect(facts).toMatchObject({ runEnded: true, controlled: false, partitionState: null });
    expect(facts?.jobs.map((j) => j.jobId)).toEqual(['41', '42']);
    expect(t.calls).toEqual([]);
  });

  it('one round per cluster: one squeue for all its runs, one read per partition, one command at a time', async () => {
    const t = setup();
    const other = buildRun(t.repos, { clusterId: t.run.clusterId!, config: CONFIG } as never);
    const third = buildRun(t.repos, {
      clusterId: t.run.clusterId!,
      config: { ...CONFIG, cluster: { ...CONFIG.cluster, partition: 'gpu_p13' } },
    } as never);
    const job = t.repos.jobs.beginSubmit({
      runId: other.runId,
      clusterId: t.run.clusterId!,
      chainSeq: 1,
      dependsOn: null,
      exclude: null,
      reason: 'initial',
      actionId: null,
      keys: (id: number) => ({ idemKey: `tb.o.${id}`, schedName: `o.tb.o.${id}` }),
    });
    t.repos.jobs.markSubmitted(job.id, '77');
    const all = await Promise.all([t.run, other, third].map((r) => t.source.gather(r.runId)));
    expect(all.map((f) => f?.jobs.at(-1)?.state)).toEqual(['PENDING', 'PENDING', undefined]);
    expect(t.calls.filter((c) => c.startsWith('status'))).toEqual(['status 42,77']);
    expect(t.calls.filter((c) => c.startsWith('partition')).sort()).toEqual(['partition gpu_p13', 'partition gpu_p5']);
    expect(t.load.max).toBe(1);
  });

  it('one batched disk read per round for N runs: facts per run, a missing path unknown, the others read', async () => {
    const t = setup();
    const runs = [
      t.run,
      ...Array.from({ length: 19 }, () => buildRun(t.repos, { clusterId: t.run.clusterId!, config: CONFIG } as never)),
    ];
    const missing = runs[7]!;
    t.script.disk = (path) => {
      if (path === missing.runDir) throw new Error('df did not read this path');
      const i = runs.findIndex((r) => r.runDir === path);
      return { totalBytes: 1000, usedBytes: 1000 - i, availableBytes: i, folderBytes: null };
    };
    const all = await Promise.all(runs.map((r) => t.source.gather(r.runId)));
    const disks = t.calls.filter((c) => c.startsWith('disk'));
    expect(disks).toEqual([`disks ${runs.map((r) => `${r.runDir} null`).join(' + ')}`]);
    expect(t.calls.filter((c) => c.startsWith('status'))).toHaveLength(1);
    expect(t.calls.filter((c) => c.startsWith('partition'))).toHaveLength(1);
    expect(t.calls).toHaveLength(3); // 1 squeue + 1 partition read + 1 disk read, for 20 runs
    expect(t.load.max).toBe(1);
    all.forEach((f, i) => {
      if (i === 7) expect(f?.filesystem).toBeNull();
      else expect(f?.filesystem).toMatchObject({ path: runs[i]!.runDir, availableBytes: i, checkpointBytes: null });
    });
    // Within the cadence nobody's disk is read again; past it, all of them in one read again.
    t.advance(60_000);
    await Promise.all(runs.map((r) => t.source.gather(r.runId)));
    expect(t.calls.filter((c) => c.startsWith('disk'))).toHaveLength(1);
    t.advance(5 * 60_000);
    const later = await Promise.all(runs.map((r) => t.source.gather(r.runId)));
    expect(t.calls.filter((c) => c.startsWith('disk'))).toHaveLength(2);
    expect(later[3]?.filesystem?.availableBytes).toBe(3);
  });

  it('more runs due than one read takes: one disk read per 64, each under its own budget', async () => {
    const t = setup();
    const more = Array.from({ length: 69 }, () =>
      buildRun(t.repos, { clusterId: t.run.clusterId!, config: CONFIG } as never),
    );
    await Promise.all([t.run, ...more].map((r) => t.source.gather(r.runId)));
    const disks = t.calls.filter((c) => c.startsWith('disk'));
    expect(disks.map((c) => c.split(' + ').length)).toEqual([64, 6]);
    expect(t.load.max).toBe(1);
  });

  it('gathers of different clusters run in parallel: a slow cluster does not hold another back', async () => {
    const t = setup();
    const elsewhere = buildRun(t.repos, { config: CONFIG } as never);
    const slow = scriptedBackend();
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    Object.assign(t.backend, { status: () => held.then(() => ({ jobs: [], missing: [] })) });
    const source = createClusterFactsSource({
      repos: t.repos,
      backendOf: (id) => (id === t.run.clusterId ? t.backend : slow.backend),
      logger: pino({ level: 'silent' }),
      now: () => T0,
    });
    const stuck = source.gather(t.run.runId);
    const free = await source.gather(elsewhere.runId);
    expect(free?.partitionState).toBe('up');
    release();
    expect((await stuck)?.partitionState).toBe('up');
  });

  it('median interval between saves', () => {
    expect(medianInterval([])).toBeNull();
    expect(medianInterval([5, null])).toBeNull();
    expect(medianInterval([0, 10, 30, 60])).toBe(20);
    expect(medianInterval([0, null, 10, 20, 20])).toBe(10);
  });
});
