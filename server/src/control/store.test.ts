// The controller over the real repositories (SQLite in memory) and a fake scheduler: the adapter keeps the
// protocol's promises — keys in the table before sbatch, recovery by key, actions and audit in the database.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { buildCluster, buildUser } from '../testing/builders.js';
import { createController } from './controller.service.js';
import { createAutoRestarts } from './autoRestart.js';
import { createFailurePolicy } from './policy.js';
import { createRecoveryStore } from './recoveryStore.js';
import { createRunActionsService } from './runActions.service.js';
import { createControlStore } from './store.js';
import { fakeCluster, FakeScheduler } from './testing/fakeScheduler.js';

const logger = pino({ level: 'silent' });
let conn: OpenDatabase | undefined;
afterEach(() => conn?.close());

function stack() {
  conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const store = createControlStore(repos, conn.db);
  const clusterRow = buildCluster(repos, { name: 'dev', kind: 'slurm', jobsRoot: '/jobs', template: 'fake-trainer' });
  const user = buildUser(repos, { username: 'alice', role: 'operator' });
  const sched = new FakeScheduler();
  const cluster = { ...fakeCluster(sched), id: clusterRow.id, row: clusterRow };
  const actions = createRunActionsService({ store, kick: () => undefined });
  const controller = createController({
    store,
    leaseRepo: repos.lease,
    clusters: { get: () => cluster },
    policy: createFailurePolicy(
      store,
      createAutoRestarts({ store, actions, recovery: createRecoveryStore(repos), logger }),
    ),
    events: { runUpdated: () => undefined, actionFinished: () => undefined },
    logger,
  });
  const { runId } = store.createRun({
    name: 'demo',
    clusterId: clusterRow.id,
    ownerId: user.id,
    chainLength: 2,
    maxAutoResubmits: 2,
    script: '#!/bin/bash\n',
    submitOptions: { chdir: '/jobs/demo' },
    runDir: '/jobs/demo',
    logPath: '/jobs/demo/main_log.txt',
    killSwitchPath: '/jobs/demo/kill-switch',
    trainIters: 100,
    config: {},
  });
  return { repos, store, sched, controller, actions, runId, user };
}

describe('control store over the repositories', () => {
  it('submits keyed rows, recovers a lost answer by key, and audits an operator action', async () => {
    const { repos, store, sched, controller, actions, runId, user } = stack();
    sched.nextSubmit = 'lose-answer';
    await controller.kick();
    const install = store.installId();
    expect(repos.jobs.controlOfRun(runId).map((j) => [j.idemKey, j.phase])).toEqual([
      [`tb.${install}.1`, 'submitting'],
    ]);
    await controller.kick();
    const rows = repos.jobs.controlOfRun(runId);
    expect(rows.map((j) => [j.phase, j.schedulerJobId])).toEqual([
      ['submitted', sched.jobs[0]!.id],
      ['submitted', sched.jobs[1]!.id],
    ]);
    expect(sched.jobs[1]!.spec.dependency).toBe(`afterany:${sched.jobs[0]!.id}`);
    const preview = actions.preview(runId, { kind: 'cancel_run' });
    const actor = { kind: 'user' as const, userId: user.id, name: 'alice', requestId: 'r1' };
    actions.request(runId, { kind: 'cancel_run' }, preview.version, actor);
    await controller.kick();
    expect(sched.live()).toEqual([]);
    const audit = repos.audit.list({ runId }).filter((e) => e.action === 'run.cancel_run');
    expect(audit.map((e) => [e.actorName, e.result, e.command])).toEqual([
      ['alice', 'ok', preview.commands[0]],
      ['alice', 'requested', preview.commands[0]],
    ]);
    expect(repos.runActions.ofRun(runId)[0]).toMatchObject({ state: 'done', requestedBy: user.id });
    expect(repos.runs.get(runId)?.state).toBe('cancelled');
    // A person resubmits the cancelled run: it is running again, so its logs are followed again.
    const again = actions.preview(runId, { kind: 'resubmit' });
    actions.request(runId, { kind: 'resubmit' }, again.version, actor);
    await controller.kick();
    expect(repos.runs.get(runId)?.state).toBe('running');
    expect(sched.live()).toHaveLength(2); // the resubmitted job and the chain behind it
    await controller.stop();
  });
});
