// The recovery hook over the real control store (SQLite in memory), the controller and a fake scheduler: a hang
// on a running controlled run records the stack-dump attempt, then the controller executes the policy's resubmit
// (the live job cancelled, a new job filed as `policy`), the request audited under the incident policy's name.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { buildCluster, buildUser } from '../testing/builders.js';
import { createController } from '../control/controller.service.js';
import { createFailurePolicy } from '../control/policy.js';
import { createRunActionsService } from '../control/runActions.service.js';
import { createControlStore } from '../control/store.js';
import { fakeCluster, FakeScheduler } from '../control/testing/fakeScheduler.js';
import { createRecoveryPolicy } from './recoveryPolicy.js';

const logger = pino({ level: 'silent' });
let conn: OpenDatabase | undefined;
afterEach(() => conn?.close());

function setup() {
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
    policy: createFailurePolicy(actions, logger),
    events: { runUpdated: () => undefined, actionFinished: () => undefined },
    logger,
  });
  const { runId } = store.createRun({
    name: 'demo',
    clusterId: clusterRow.id,
    ownerId: user.id,
    chainLength: 1,
    maxAutoResubmits: 2,
    script: '#!/bin/bash\n',
    submitOptions: { chdir: '/jobs/demo' },
    runDir: '/jobs/demo',
    logPath: '/jobs/demo/main_log.txt',
    killSwitchPath: null,
    trainIters: 100,
    config: {},
  });
  const onChange = createRecoveryPolicy({ store, actions, logger, isReplaying: () => false });
  return { repos, sched, controller, runId, onChange };
}

const hang = (runId: number): StoredIncident => ({
  id: 7,
  runId,
  jobId: null,
  key: 'hang@100',
  kind: 'hang',
  severity: 'critical',
  failureKind: null,
  title: 'No progress for 12 min during step (deadline 3 min)',
  iteration: 40,
  offset: 100,
  evidence: [],
  suggestedAction: { kind: 'stack_dump_then_resubmit', text: 'Dump the stacks, then cancel and resubmit' },
  workLostIterations: 10,
  openedAtMs: 1,
  resolvedAtMs: null,
});

describe('the recovery hook over the control store', () => {
  it('a hang: stack dump attempt audited, then the controller cancels and resubmits as the policy', async () => {
    const { repos, sched, controller, runId, onChange } = setup();
    await controller.kick(); // the run's first job
    const first = sched.jobs[0]!.id;
    sched.jobs[0]!.state = 'RUNNING';
    onChange({ change: 'opened', incident: hang(runId) });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await controller.kick();
    const jobs = repos.jobs.controlOfRun(runId);
    expect(jobs.map((j) => j.reason)).toEqual(['initial', 'policy']);
    expect(sched.jobs.find((j) => j.id === first)?.state).toBe('CANCELLED');
    // The request and the dump attempt name the incident policy; the controller's execution rows name `system`
    // (run_actions keeps no actor name for a request without a user; the request row says which policy asked).
    const audit = repos.audit.list({ runId }).map((e) => [e.action, e.result, e.actorName, e.actorKind]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['run.stack_dump', 'failed', 'incident policy', 'system'],
        ['run.resubmit', 'requested', 'incident policy', 'system'],
        ['run.resubmit', 'ok', 'system', 'system'],
      ]),
    );
    expect(repos.audit.list({ runId }).find((e) => e.action === 'run.stack_dump')?.message).toContain('no stack dump');
    await controller.stop();
  });
});
