// The follow manager starts a pod log follower for a Kubernetes run's log source (through its cluster's API) and a
// file follower for a file, side by side; a run that stops being followed has its pod log read to the end.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { kubePodLogApi } from '../adapters/kubernetes/podLogApi.js';
import { FakeLogServer } from '../adapters/kubernetes/testing/fakeLogServer.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { runs } from '../db/schema.js';
import { registerFollowedFile } from './followedSources.js';
import { startFollowManager, type FollowManager } from './followManager.js';
import { localFiles } from './localFiles.js';
import { startPodLogFollower } from './podLogFollower.js';
import { loadPodLogCursor } from './podLogReader.js';
import { registerPodLogSource } from './podLogSources.js';

const iteration = (it: number) =>
  `[default0]: iteration ${String(it).padStart(8)}/  115311 | consumed samples: ${it * 16} | lm loss: 2.5E+00 |`;

let fake: FakeLogServer;
let conn: OpenDatabase;
let dir: string;
let manager: FollowManager | null = null;
beforeEach(async () => {
  fake = await new FakeLogServer().start();
  conn = openDatabase(':memory:');
  dir = mkdtempSync(join(tmpdir(), 'fm-podlog-'));
});
afterEach(async () => {
  await manager?.stop();
  manager = null;
  conn.close();
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

const iterationsOf = (runId: number) =>
  (
    conn.sqlite.prepare('SELECT iteration FROM iterations WHERE run_id = ? ORDER BY id').all(runId) as {
      iteration: number;
    }[]
  ).map((r) => r.iteration);

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('follows a pod log and a file side by side, each through its own reader', async () => {
  const pod = registerPodLogSource(conn.db, 'k8s-run', {
    namespace: 'ml',
    workload: 'pytorchjob',
    jobName: 'tb-run2',
    container: 'pytorch',
  });
  fake.setPods('ml', [
    {
      metadata: {
        name: 'tb-run2-master-0',
        uid: 'u1',
        labels: { 'training.kubeflow.org/job-name': 'tb-run2', 'training.kubeflow.org/replica-type': 'master' },
      },
      status: { phase: 'Running', containerStatuses: [{ name: 'pytorch', restartCount: 0, state: { running: {} } }] },
    },
  ]);
  const log = fake.container('ml', 'tb-run2-master-0', 'pytorch');
  log.append('2026-12-06T22:00:01.000000001Z', iteration(1));
  const path = join(dir, 'main_log.txt');
  appendFileSync(path, `${iteration(5)}\n`);
  const file = registerFollowedFile(conn.db, 'slurm-run', path);
  let asked = 0;
  manager = startFollowManager({
    conn,
    logger: pino({ level: 'silent' }),
    filesForRun: () => localFiles(),
    podLogApiForRun: (runId) => {
      asked++;
      return runId === pod.runId ? kubePodLogApi(fake.kubeConfig(), 2_000) : null;
    },
    onCommitted: () => undefined,
    timing: { pollMs: 5 },
    scanMs: 20,
  });
  await until(() => iterationsOf(pod.runId).length === 1 && iterationsOf(file.runId).length === 1);
  expect(
    manager
      .followers()
      .map((f) => f.path)
      .sort(),
  ).toEqual([path, 'k8s://ml/pytorchjob/tb-run2/pytorch']);
  expect(asked).toBe(1);
  // The run ends: its pod log is read once more, without following, and its follower stops.
  log.append('2026-12-06T22:00:02.000000001Z', iteration(2));
  conn.db.update(runs).set({ state: 'completed' }).where(eq(runs.id, pod.runId)).run();
  await until(() => manager?.followers().length === 1);
  await until(() => iterationsOf(pod.runId).length === 2);
  expect(iterationsOf(pod.runId)).toEqual([1, 2]);
});

it("follows only the newest job's pod log of a run; the previous job's follower reads to the end and stops", async () => {
  const target = { namespace: 'ml', workload: 'job' as const, jobName: 'tb-run3-a', container: 'trainer' };
  const first = registerPodLogSource(conn.db, 'chain', target);
  const podOf = (job: string, uid: string) => ({
    metadata: {
      name: `${job}-0-abcde`,
      uid,
      labels: { 'job-name': job, 'batch.kubernetes.io/job-completion-index': '0' },
    },
    status: { phase: 'Running', containerStatuses: [{ name: 'trainer', restartCount: 0, state: { running: {} } }] },
  });
  fake.setPods('ml', [podOf('tb-run3-a', 'ua'), podOf('tb-run3-b', 'ub')]);
  const a = fake.container('ml', 'tb-run3-a-0-abcde', 'trainer');
  a.append('2026-12-06T22:00:01.000000001Z', iteration(1));
  fake.container('ml', 'tb-run3-b-0-abcde', 'trainer').append('2026-12-06T22:10:00.000000001Z', iteration(3));
  manager = startFollowManager({
    conn,
    logger: pino({ level: 'silent' }),
    filesForRun: () => null,
    podLogApiForRun: () => kubePodLogApi(fake.kubeConfig(), 2_000),
    onCommitted: () => undefined,
    scanMs: 20,
  });
  await until(() => iterationsOf(first.runId).length === 1);
  // The job failed after one more line; the run is resubmitted as job b.
  a.append('2026-12-06T22:00:02.000000001Z', iteration(2));
  a.terminate();
  const second = registerPodLogSource(conn.db, 'chain', { ...target, jobName: 'tb-run3-b' });
  await until(() => iterationsOf(first.runId).length === 3);
  expect(manager.followers().map((f) => f.path)).toEqual([second.path]);
  const bySource = conn.sqlite
    .prepare(
      'SELECT log_source_id AS s, iteration FROM iterations WHERE run_id = ? ORDER BY log_source_id, byte_offset',
    )
    .all(first.runId);
  expect(bySource).toEqual([
    { s: first.id, iteration: 1 },
    { s: first.id, iteration: 2 },
    { s: second.id, iteration: 3 },
  ]);
});

const jobPod = (job: string, uid: string, running = true) => ({
  metadata: {
    name: `${job}-0-abcde`,
    uid,
    labels: { 'job-name': job, 'batch.kubernetes.io/job-completion-index': '0' },
  },
  status: {
    phase: running ? 'Running' : 'Failed',
    containerStatuses: [
      {
        name: 'trainer',
        restartCount: 0,
        state: running ? { running: {} } : { terminated: { exitCode: 143, reason: 'Error' } },
      },
    ],
  },
});

const gapsOf = (sourceId: number) =>
  (
    conn.sqlite.prepare("SELECT message FROM events WHERE log_source_id = ? AND type = 'log_gap'").all(sourceId) as {
      message: string;
    }[]
  ).map((r) => r.message);

function managerOnFake(): FollowManager {
  return startFollowManager({
    conn,
    logger: pino({ level: 'silent' }),
    filesForRun: () => null,
    podLogApiForRun: () => kubePodLogApi(fake.kubeConfig(), 2_000),
    onCommitted: () => undefined,
    scanMs: 20,
    podLogTiming: { pollMs: 20 },
  });
}

const TARGET = { namespace: 'ml', workload: 'job' as const, jobName: 'tb-run4-a', container: 'trainer' };

it('keeps following the previous Job while its pod still runs after the next one registered: its last lines are read', async () => {
  const first = registerPodLogSource(conn.db, 'grace', TARGET);
  fake.setPods('ml', [jobPod('tb-run4-a', 'ua'), jobPod('tb-run4-b', 'ub')]);
  const a = fake.container('ml', 'tb-run4-a-0-abcde', 'trainer');
  a.append('2026-12-06T22:00:01.000000001Z', iteration(1));
  manager = managerOnFake();
  await until(() => iterationsOf(first.runId).length === 1);
  registerPodLogSource(conn.db, 'grace', { ...TARGET, jobName: 'tb-run4-b' });
  await new Promise((r) => setTimeout(r, 300)); // the manager has moved on to b; a is in its grace period
  a.append('2026-12-06T22:00:02.000000001Z', iteration(2));
  await until(() => iterationsOf(first.runId).includes(2));
  a.terminate();
  fake.setPods('ml', [jobPod('tb-run4-a', 'ua', false), jobPod('tb-run4-b', 'ub')]);
  await until(() => loadPodLogCursor(conn, first.id).ended);
  expect(gapsOf(first.id)).toEqual([]);
});

it('finishes the previous Job’s log after a server restart during its drain', async () => {
  const first = registerPodLogSource(conn.db, 'restarted', TARGET);
  fake.setPods('ml', [jobPod('tb-run4-a', 'ua'), jobPod('tb-run4-b', 'ub')]);
  const a = fake.container('ml', 'tb-run4-a-0-abcde', 'trainer');
  a.append('2026-12-06T22:00:01.000000001Z', iteration(1));
  manager = managerOnFake();
  await until(() => iterationsOf(first.runId).length === 1);
  registerPodLogSource(conn.db, 'restarted', { ...TARGET, jobName: 'tb-run4-b' });
  await new Promise((r) => setTimeout(r, 200));
  await manager.stop(); // the server goes down while a drains
  a.append('2026-12-06T22:00:02.000000001Z', iteration(2));
  a.terminate();
  fake.setPods('ml', [jobPod('tb-run4-a', 'ua', false), jobPod('tb-run4-b', 'ub')]);
  manager = managerOnFake();
  await until(() => iterationsOf(first.runId).includes(2));
  await until(() => loadPodLogCursor(conn, first.id).ended);
  expect(
    conn.sqlite.prepare('SELECT iteration FROM iterations WHERE log_source_id = ? ORDER BY id').all(first.id),
  ).toEqual([{ iteration: 1 }, { iteration: 2 }]);
});

it('a drain that times out while the pod still runs stores a log gap in words', async () => {
  const source = registerPodLogSource(conn.db, 'stuck', TARGET);
  fake.setPods('ml', [jobPod('tb-run4-a', 'ua')]);
  fake.container('ml', 'tb-run4-a-0-abcde', 'trainer').append('2026-12-06T22:00:01.000000001Z', iteration(1));
  const follower = startPodLogFollower(
    {
      conn,
      api: kubePodLogApi(fake.kubeConfig(), 2_000),
      logger: pino({ level: 'silent' }),
      onCommitted: () => undefined,
      timing: { pollMs: 20 },
    },
    source,
  );
  try {
    await until(() => iterationsOf(source.runId).length === 1);
    await follower.finish(300);
  } finally {
    await follower.stop();
  }
  expect(loadPodLogCursor(conn, source.id).ended).toBe(true);
  expect(gapsOf(source.id)).toEqual([
    expect.stringMatching(
      /^Kubernetes log gap: pod tb-run4-a-0-abcde was still running when its log stopped being followed \(the drain timed out\); lines it wrote after 2026-12-06T22:00:01/,
    ),
  ]);
});
