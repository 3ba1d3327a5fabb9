// The recovery hook over the real control store (SQLite), the controller and a fake scheduler: a hang on a running
// controlled run records the stack-dump attempt and stores the restart with its backoff; a service started again on
// the same database file (new store, controller, policy) makes it once the time has come — the live job cancelled, a
// new job filed as `policy` — and every row, the controller's execution rows included, names the incident policy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { buildCluster, buildUser } from '../testing/builders.js';
import { createAutoRestarts } from '../control/autoRestart.js';
import { createController } from '../control/controller.service.js';
import { createFailurePolicy } from '../control/policy.js';
import { createRecoveryPolicyService } from '../control/recoveryPolicy.service.js';
import { createRecoveryStore } from '../control/recoveryStore.js';
import { createRunActionsService } from '../control/runActions.service.js';
import { createControlStore } from '../control/store.js';
import { fakeCluster, FakeScheduler } from '../control/testing/fakeScheduler.js';
import { createRecoveryPolicy } from './recoveryPolicy.js';

const logger = pino({ level: 'silent' });
const opened: OpenDatabase[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of opened.splice(0)) c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

let clock = 1_000_000;
const sched = new FakeScheduler();

/** One server's control plane over the database file: what a restart builds again from the rows. */
function service(path: string) {
  const conn = openDatabase(path);
  opened.push(conn);
  const repos = createRepositories(conn.sqlite);
  const store = createControlStore(repos, conn.db);
  const clusterRow = repos.clusters.list().find((c) => c.name === 'dev')!;
  const cluster = { ...fakeCluster(sched), id: clusterRow.id, row: clusterRow };
  const now = () => clock;
  const actions = createRunActionsService({ store, kick: () => undefined, now });
  const recovery = createRecoveryStore(repos);
  const auto = createAutoRestarts({ store, actions, recovery, logger, now });
  const controller = createController({
    store,
    leaseRepo: repos.lease,
    clusters: { get: () => cluster },
    policy: createFailurePolicy(store, auto),
    events: { runUpdated: () => undefined, actionFinished: () => undefined },
    logger,
    leaseTtlMs: 1,
    now,
  });
  const onChange = createRecoveryPolicy({ store, auto, recovery, logger, isReplaying: () => false, now });
  return { conn, repos, store, controller, onChange, auto };
}

function seed(path: string): number {
  const conn = openDatabase(path);
  const repos = createRepositories(conn.sqlite);
  const clusterRow = buildCluster(repos, { name: 'dev', kind: 'slurm', jobsRoot: '/jobs', template: 'fake-trainer' });
  const user = buildUser(repos, { username: 'alice', role: 'operator' });
  const { runId } = createControlStore(repos, conn.db).createRun({
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
  conn.close();
  return runId;
}

const hang = (runId: number, id: number): StoredIncident => ({
  id,
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
  openedAtMs: clock,
  resolvedAtMs: null,
});

describe('the recovery hook over the control store', () => {
  it('a hang: dump attempt audited, restart stored with its backoff, made after a server restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-recovery-'));
    dirs.push(dir);
    const path = join(dir, 'trainboard.db');
    const runId = seed(path);
    const first = service(path);
    await first.controller.kick(); // the run's first job
    const firstJob = sched.jobs.at(-1)!.id;
    sched.jobs.at(-1)!.state = 'RUNNING';
    const incident = first.repos.incidents.upsert({ runId, incident: hang(runId, 0), jobId: null, nowMs: clock });
    first.onChange({ change: 'opened', incident: incident.stored });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await first.controller.kick();
    expect(first.repos.jobs.controlOfRun(runId)).toHaveLength(1); // waits 30 s
    expect(first.repos.incidents.byId(incident.stored.id)?.recoveryNote).toContain('(backoff)');
    await first.controller.stop();
    first.conn.close();

    // The server restarts 10 s later: nothing in memory; the stored "not before" still holds, then acts.
    clock += 10_000;
    const second = service(path);
    await second.controller.kick();
    expect(second.repos.jobs.controlOfRun(runId)).toHaveLength(1);
    expect(second.auto.dto(runId)).toMatchObject({ nextRestartNotBeforeMs: 1_000_000 + 30_000 });
    clock += 20_000;
    await second.controller.kick();
    await second.controller.kick();
    const jobs = second.repos.jobs.controlOfRun(runId);
    expect(jobs.map((j) => j.reason)).toEqual(['initial', 'policy']);
    expect(sched.byId(firstJob).state).toBe('CANCELLED');
    const audit = second.repos.audit.list({ runId }).map((e) => [e.action, e.result, e.actorName, e.actorKind]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['run.stack_dump', 'failed', 'incident policy', 'system'],
        ['recovery.wait', 'ok', 'incident policy', 'system'],
        ['run.resubmit', 'requested', 'incident policy', 'system'],
        ['recovery.restart', 'ok', 'incident policy', 'system'],
        // The controller's execution rows name the policy that asked (run_actions.actor_name), not `system`.
        ['run.resubmit', 'ok', 'incident policy', 'system'],
      ]),
    );
    // Only the chain's own first job is the system's.
    expect(audit.filter((a) => a[2] === 'system').map((a) => a[0])).toEqual(['job.submit']);
    expect(second.auto.dto(runId)).toMatchObject({ restartsInWindow: 1, nextRestartNotBeforeMs: null });
    // Once made, the restart replaces the incident's "will resubmit after its backoff".
    const done = 'Trainboard resubmitted it from the last checkpoint (restart 1 in the window)';
    expect(second.repos.incidents.byId(incident.stored.id)?.recoveryNote).toBe(done);
    // The detector updating the incident keeps what the policy wrote on it.
    second.repos.incidents.upsert({
      runId,
      incident: { ...hang(runId, 0), title: 'changed' },
      jobId: null,
      nowMs: clock,
    });
    expect(second.repos.incidents.byId(incident.stored.id)?.recoveryNote).toBe(done);
    await second.controller.stop();
  });

  it('with the policy turned off over the API, nothing automatic is requested; a failed job leaves the run held', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-recovery-'));
    dirs.push(dir);
    const path = join(dir, 'trainboard.db');
    const runId = seed(path);
    const s = service(path);
    const off = { ...DEFAULT_RECOVERY_POLICY, enabled: false };
    createRecoveryPolicyService({ repos: s.repos, now: () => clock }).put(runId, off, {
      kind: 'local',
      name: 'alice',
      userId: null,
      role: 'operator',
    });
    await s.controller.kick();
    sched.jobs.at(-1)!.state = 'RUNNING';
    const nodes = ['c3'];
    const node = { ...hang(runId, 0), key: 'node@5', kind: 'node_failure' as const, failureKind: 'node_failure' };
    for (const i of [
      hang(runId, 0),
      { ...node, suggestedAction: { kind: 'exclude_and_resubmit' as const, nodes, text: '' } },
    ])
      s.onChange({
        change: 'opened',
        incident: s.repos.incidents.upsert({ runId, incident: i, jobId: null, nowMs: clock }).stored,
      });
    await new Promise<void>((resolve) => setImmediate(resolve));
    await s.controller.kick();
    expect(s.repos.runActions.ofRun(runId)).toEqual([]);
    sched.jobs.at(-1)!.state = 'FAILED';
    clock += 60_000;
    await s.controller.kick();
    await s.controller.kick();
    expect(s.repos.jobs.controlOfRun(runId).map((j) => j.reason)).toEqual(['initial']);
    expect(s.repos.runActions.ofRun(runId).map((a) => [a.kind, a.actorName, a.state])).toEqual([
      ['hold', 'failure policy', 'done'],
    ]);
    expect(s.store.run(runId)?.desired).toBe('held');
    const hold = s.repos.audit.list({ runId }).find((e) => e.action === 'run.hold' && e.result === 'requested');
    expect(hold?.message).toContain('automatic recovery is off: a person decides');
    // The run's open failure incident says so (the newest critical one).
    expect(s.repos.incidents.list(runId).map((i) => i.recoveryNote ?? null)).toEqual([
      expect.stringContaining('Held: job'),
      null,
    ]);
    await s.controller.stop();
  });
});
