import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from './controller.service.js';
import { createFailurePolicy } from './policy.js';
import type { ClusterAccess, ControlEvents } from './ports.js';
import { createRunActionsService, RunChangedError, type RunActionsService } from './runActions.service.js';
import { SUBMIT_GRACE_MS } from './recovery.js';
import { memoryLease, memoryStore, type MemoryStore } from './testing/memoryStore.js';
import { fakeCluster, FakeScheduler } from './testing/fakeScheduler.js';

const logger = pino({ level: 'silent' });
const events: ControlEvents = { runUpdated: () => undefined, actionFinished: () => undefined };
const operator = { kind: 'user' as const, userId: 7, name: 'alice' };

let store: MemoryStore;
let sched: FakeScheduler;
let clock: number;
let controller: Controller;
let actions: RunActionsService;
let files: string[];

function setup(leaseRepo = memoryLease()) {
  const cluster = fakeCluster(sched, files);
  const clusters: ClusterAccess = { get: () => cluster };
  actions = createRunActionsService({ store, kick: () => undefined, now: () => clock });
  return createController({
    store,
    leaseRepo,
    clusters,
    policy: createFailurePolicy(actions, logger),
    events,
    logger,
    now: () => clock,
  });
}

function createRun(chainLength = 3) {
  return store.createRun({
    name: 'demo',
    clusterId: 1,
    ownerId: 7,
    chainLength,
    maxAutoResubmits: 1,
    script: '#!/bin/bash\necho hi\n',
    submitOptions: { chdir: '/jobs/demo' },
    runDir: '/jobs/demo',
    logPath: '/jobs/demo/log.txt',
    killSwitchPath: '/jobs/demo/STOP',
    trainIters: 100,
    config: {},
  }).runId;
}

beforeEach(() => {
  store = memoryStore();
  sched = new FakeScheduler();
  clock = 1_000_000;
  files = [];
  controller = setup();
});

describe('controller', () => {
  it('submits a chain of keyed jobs, each afterany the previous, and keeps it full', async () => {
    const runId = createRun();
    await controller.kick();
    const [a, b, c] = sched.jobs;
    expect(sched.jobs.map((j) => j.spec.name)).toEqual(['demo.tb.abc123.1', 'demo.tb.abc123.2', 'demo.tb.abc123.3']);
    expect(sched.jobs.map((j) => j.spec.comment)).toEqual(['tb.abc123.1', 'tb.abc123.2', 'tb.abc123.3']);
    expect([a!.spec.dependency, b!.spec.dependency, c!.spec.dependency]).toEqual([
      undefined,
      `afterany:${a!.id}`,
      `afterany:${b!.id}`,
    ]);
    a!.state = 'COMPLETED';
    b!.state = 'RUNNING';
    await controller.kick();
    expect(sched.live().map((j) => j.spec.dependency)).toEqual([
      `afterany:${a!.id}`,
      `afterany:${b!.id}`,
      `afterany:${c!.id}`,
    ]);
    expect(store.jobsOfRun(runId).map((j) => j.state)).toEqual(['COMPLETED', 'RUNNING', 'PENDING', 'PENDING']);
  });

  it('adopts a job whose sbatch answer was lost, instead of submitting it again', async () => {
    createRun(1);
    sched.nextSubmit = 'lose-answer';
    await controller.kick();
    expect(store.state.jobs[0]!.phase).toBe('submitting');
    await controller.kick();
    expect(sched.jobs).toHaveLength(1);
    expect(store.state.jobs[0]).toMatchObject({ phase: 'submitted', schedulerJobId: sched.jobs[0]!.id });
    expect(store.state.audit.some((e) => e.action === 'job.recover' && e.result === 'ok')).toBe(true);
  });

  it('waits the grace period for a submission that may still land, then replaces it with a new key', async () => {
    createRun(1);
    sched.nextSubmit = 'drop';
    await controller.kick();
    clock += SUBMIT_GRACE_MS - 1;
    await controller.kick();
    expect(sched.jobs).toHaveLength(0);
    clock += 1;
    await controller.kick();
    expect(store.state.jobs.map((j) => j.phase)).toEqual(['lost', 'submitted']);
    expect(sched.jobs.map((j) => j.spec.name)).toEqual(['demo.tb.abc123.2']);
  });

  it('keeps the lowest id when one key was submitted twice and cancels the other', async () => {
    createRun(1);
    sched.nextSubmit = 'lose-answer';
    await controller.kick();
    const duplicate = sched.land(sched.jobs[0]!.spec);
    await controller.kick();
    expect(store.state.jobs[0]!.schedulerJobId).toBe(sched.jobs[0]!.id);
    expect(sched.byId(duplicate).state).toBe('CANCELLED');
    expect(sched.live()).toHaveLength(1);
  });

  it('a deterministic sbatch refusal holds the run instead of looping', async () => {
    const runId = createRun(2);
    sched.nextSubmit = 'refuse';
    await controller.kick();
    await controller.kick();
    expect(store.run(runId)!.desired).toBe('held');
    expect(sched.jobs).toHaveLength(0);
    expect(store.state.audit.find((e) => e.action === 'job.submit')).toMatchObject({ result: 'failed' });
  });

  it('resubmits a failed job through runActions as system, once per budget, then holds', async () => {
    const runId = createRun(1);
    await controller.kick();
    sched.jobs[0]!.state = 'FAILED';
    await controller.kick();
    await controller.kick();
    expect(store.state.actions).toMatchObject([
      { kind: 'resubmit', requestedBy: null, actorName: 'system', state: 'done' },
    ]);
    expect(store.jobsOfRun(runId).map((j) => j.reason)).toEqual(['initial', 'policy']);
    sched.jobs[1]!.state = 'FAILED';
    await controller.kick();
    await controller.kick();
    expect(store.run(runId)!.desired).toBe('held');
    expect(sched.jobs).toHaveLength(2);
  });

  it('executes an operator action with the previewed commands and audits each', async () => {
    const runId = createRun(2);
    await controller.kick();
    const preview = actions.preview(runId, { kind: 'cancel_run' });
    expect(preview.commands).toEqual([`scancel ${sched.jobs[0]!.id} ${sched.jobs[1]!.id}`]);
    actions.request(runId, { kind: 'cancel_run' }, preview.version, operator);
    await controller.kick();
    expect(sched.live()).toEqual([]);
    expect(store.run(runId)!.desired).toBe('stopped');
    const rows = store.state.audit.filter((e) => e.action === 'run.cancel_run').map((e) => [e.result, e.command]);
    expect(rows).toEqual([
      ['requested', preview.commands[0]],
      ['ok', preview.commands[0]],
    ]);
  });

  it('refuses a request made against a stale version, and audits the refusal', async () => {
    const runId = createRun(1);
    await controller.kick();
    const preview = actions.preview(runId, { kind: 'hold' });
    sched.jobs[0]!.state = 'RUNNING';
    await controller.kick();
    expect(() => actions.request(runId, { kind: 'hold' }, preview.version, operator)).toThrow(RunChangedError);
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit.at(-1)).toMatchObject({ action: 'run.hold', result: 'refused' });
  });

  it('save and exit touches the kill switch, holds the chain; release clears it and continues', async () => {
    const runId = createRun(2);
    await controller.kick();
    sched.jobs[0]!.state = 'RUNNING';
    await controller.kick();
    actions.request(runId, { kind: 'save_exit' }, store.run(runId)!.version, operator);
    await controller.kick();
    expect(files).toContain('touch /jobs/demo/STOP');
    expect(sched.byId(sched.jobs[1]!.id).held).toBe(true);
    sched.jobs[0]!.state = 'COMPLETED';
    await controller.kick();
    expect(sched.jobs).toHaveLength(2);
    actions.request(runId, { kind: 'release' }, store.run(runId)!.version, operator);
    await controller.kick();
    expect(files).toContain('rm /jobs/demo/STOP');
    expect(sched.byId(sched.jobs[1]!.id).held).toBe(false);
    expect(sched.live()).toHaveLength(2);
  });

  it('only the lease holder submits; the other takes over after the TTL', async () => {
    const lease = memoryLease();
    const first = setup(lease);
    const second = setup(lease);
    createRun(1);
    await first.kick();
    await second.kick();
    expect(first.isLeader()).toBe(true);
    expect(second.isLeader()).toBe(false);
    expect(sched.jobs).toHaveLength(1);
    sched.jobs[0]!.state = 'COMPLETED';
    clock += 16_000;
    await second.kick();
    expect(second.isLeader()).toBe(true);
    expect(sched.jobs).toHaveLength(2);
    await first.kick();
    expect(first.isLeader()).toBe(false);
    expect(sched.jobs).toHaveLength(2);
  });
});
