import pino from 'pino';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import { beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from './controller.service.js';
import type { ClusterAccess, ControlBackend, ControlEvents } from './ports.js';
import { createRunActionsService, RunChangedError, type RunActionsService } from './runActions.service.js';
import { SUBMIT_GRACE_MS } from './recovery.js';
import { memoryLease, memoryStore, type MemoryStore } from './testing/memoryStore.js';
import { memoryFailurePolicy, type MemoryRecovery } from './testing/memoryRecovery.js';
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
let recovery: MemoryRecovery;

function setup(leaseRepo = memoryLease()) {
  const cluster = fakeCluster(sched, files);
  const clusters: ClusterAccess = { get: () => cluster };
  actions = createRunActionsService({ store, kick: () => undefined, now: () => clock });
  const failure = memoryFailurePolicy(store, actions, logger, () => clock);
  recovery = failure.recovery;
  return createController({
    store,
    leaseRepo,
    clusters,
    policy: failure.policy,
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

  it('restarts a failed job as the failure policy after its backoff, within the window, then holds', async () => {
    const runId = createRun(1);
    recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 1 });
    await controller.kick();
    sched.jobs[0]!.state = 'FAILED';
    await controller.kick();
    // The first restart in the window waits backoffBaseSeconds (30 s): stored, not a timer.
    expect(recovery.pending(runId)).toMatchObject({ n: 1, notBeforeMs: clock + 30_000, actor: 'failure policy' });
    expect(store.state.actions).toEqual([]);
    clock += 29_000;
    await controller.kick();
    expect(store.state.actions).toEqual([]);
    clock += 1_000;
    await controller.kick();
    await controller.kick();
    expect(store.state.actions).toMatchObject([
      { kind: 'resubmit', requestedBy: null, actorName: 'failure policy', state: 'done' },
    ]);
    expect(store.jobsOfRun(runId).map((j) => j.reason)).toEqual(['initial', 'policy']);
    // The controller's execution rows name the policy that asked, not `system`.
    expect(store.state.audit.filter((e) => e.action === 'run.resubmit').map((e) => [e.result, e.actor.name])).toEqual([
      ['requested', 'failure policy'],
      ['ok', 'failure policy'],
    ]);
    sched.jobs[1]!.state = 'FAILED';
    await controller.kick();
    await controller.kick();
    expect(store.run(runId)!.desired).toBe('held');
    expect(sched.jobs).toHaveLength(2);
    const hold = store.state.audit.find((e) => e.action === 'run.hold' && e.result === 'requested');
    expect(hold?.message).toContain('1 of 1 automatic restarts used in the last 6 h: a person decides');
    expect(recovery.state.notes.get(-runId)).toBe(
      'Held: 1 of 1 automatic restarts used in the last 6 h: a person decides (job 1002 ended FAILED and nothing is queued)',
    );
  });

  it("after a NODE_FAIL with no log text, the failure policy's restart excludes the failed job's nodes", async () => {
    const runId = createRun(1);
    recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, backoffBaseSeconds: 0 });
    await controller.kick();
    sched.jobs[0]!.state = 'RUNNING';
    sched.jobs[0]!.nodeList = 'c[1-2]';
    await controller.kick();
    sched.jobs[0]!.state = 'NODE_FAIL';
    await controller.kick();
    await controller.kick();
    expect(store.state.actions.map((a) => [a.request, a.actorName])).toEqual([
      [{ kind: 'exclude', nodes: 'c1,c2' }, 'failure policy'],
    ]);
    expect(store.jobsOfRun(runId).map((j) => j.exclude)).toEqual([null, 'c1,c2']);
  });

  it('an automatic exclusion whose sbatch is refused holds the run and says why, instead of resubmitting', async () => {
    // F9 before the fix: the job ran on c4 + c1, the config excluded c2 and c3, and excluding c4 left one node.
    const runId = createRun(1);
    recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, backoffBaseSeconds: 0 });
    await controller.kick();
    sched.jobs[0]!.state = 'RUNNING';
    sched.jobs[0]!.nodeList = 'c[1,4]';
    await controller.kick();
    const actor = { kind: 'system' as const, userId: null, name: 'incident policy' };
    actions.request(runId, { kind: 'exclude', nodes: 'c4' }, store.run(runId)!.version, actor, 'incident 1: c4');
    sched.nextSubmit = 'refuse';
    for (let k = 0; k < 3; k++) {
      clock += 60_000;
      await controller.kick();
    }
    // The live job was cancelled, the replacement refused: nobody submits again with or without c4.
    expect(sched.calls.filter((c) => c.startsWith('sbatch'))).toHaveLength(2);
    expect(store.run(runId)!.desired).toBe('held');
    const held = store.state.audit.find((e) => e.action === 'run.held');
    expect(held).toMatchObject({ result: 'ok', actor: { name: 'incident policy' } });
    expect(held?.message).toContain('sbatch refused the new job of this exclude (excluding c4): a person decides');
    expect(recovery.state.notes.get(-runId)).toBe(`Held: ${held!.message!}`);
    expect(store.state.audit.filter((e) => e.action === 'recovery.restart')).toHaveLength(0);
    // The job on c4 is cancelled: the exclusion is kept, so a release never refills the chain onto c4.
    expect(store.run(runId)!.excludeNodes).toBe('c4');
  });

  it('with automatic recovery off, a failed job is not restarted: the run is held', async () => {
    const runId = createRun(1);
    recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, enabled: false });
    await controller.kick();
    sched.jobs[0]!.state = 'FAILED';
    for (let k = 0; k < 3; k++) {
      clock += 60_000;
      await controller.kick();
    }
    expect(sched.jobs).toHaveLength(1);
    expect(store.run(runId)!.desired).toBe('held');
    expect(store.state.actions.map((a) => a.kind)).toEqual(['hold']);
  });

  it('does not count a restart when the maintenance is seen only after the job ended', async () => {
    const runId = createRun(1);
    recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 1 });
    await controller.kick();
    sched.jobs[0]!.state = 'CANCELLED';
    await controller.kick(); // counted restart 1 of 1, waiting 30 s
    recovery.state.maintenance.push({ runId, openedAtMs: clock + 10_000, open: true });
    clock += 40_000;
    await controller.kick();
    expect(store.state.actions).toEqual([]); // still waiting while it lasts
    recovery.state.maintenance[0]!.open = false;
    await controller.kick();
    await controller.kick();
    expect(store.state.actions.map((a) => [a.kind, a.state])).toEqual([['resubmit', 'done']]);
    expect(store.state.audit.find((e) => e.action === 'recovery.restart')?.details).toMatchObject({ counted: false });
  });

  it('waits while a maintenance is open, then restarts without counting it', async () => {
    const runId = createRun(1);
    recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 0 });
    await controller.kick();
    recovery.state.maintenance.push({ runId, openedAtMs: clock + 1, open: true });
    sched.jobs[0]!.state = 'CANCELLED';
    clock += 60_000;
    await controller.kick();
    expect(store.state.actions).toEqual([]);
    recovery.state.maintenance[0]!.open = false;
    await controller.kick();
    await controller.kick();
    expect(store.state.actions.map((a) => [a.kind, a.state])).toEqual([['resubmit', 'done']]);
    expect(store.state.audit.find((e) => e.action === 'recovery.restart')?.details).toMatchObject({ counted: false });
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

  it("a person's cancel of the running job is replaced at once by the chain: no backoff, no restart counted", async () => {
    const runId = createRun(1);
    await controller.kick();
    const id = sched.jobs[0]!.id;
    const preview = actions.preview(runId, { kind: 'cancel_job', jobId: id });
    actions.request(runId, { kind: 'cancel_job', jobId: id }, preview.version, operator);
    await controller.kick();
    await controller.kick();
    expect(recovery.pending(runId)).toBeNull();
    expect(sched.live().map((j) => j.id)).toHaveLength(1);
    expect(sched.live()[0]!.id).not.toBe(id);
    expect(store.jobsOfRun(runId).map((j) => j.reason)).toEqual(['initial', 'chain']);
    expect(store.state.audit.some((e) => e.action === 'recovery.restart')).toBe(false);
  });

  it('exclude on a queued job the backend cannot change in place: it and the jobs behind it are replaced', async () => {
    const runId = createRun(2);
    await controller.kick();
    const [a, b] = sched.jobs;
    sched.frozen.add(a!.id); // Kubernetes: an unsuspended Job's pod template is frozen, even while Pending
    const preview = actions.preview(runId, { kind: 'exclude', nodes: 'c9' });
    actions.request(runId, { kind: 'exclude', nodes: 'c9' }, preview.version, operator);
    await controller.kick();
    expect(store.state.actions.map((x) => [x.kind, x.state])).toEqual([['exclude', 'done']]);
    expect(sched.calls).toContain(`update ${a!.id} c9`);
    expect(sched.calls).not.toContain(`update ${b!.id} c9`);
    expect(sched.calls).toContain(`scancel ${a!.id} ${b!.id}`);
    expect([a!.state, b!.state]).toEqual(['CANCELLED', 'CANCELLED']);
    await controller.kick();
    const live = store.jobsOfRun(runId).filter((j) => j.state !== 'CANCELLED');
    expect(live.map((j) => [j.exclude, j.reason])).toEqual([
      ['c9', 'exclude'],
      ['c9', expect.anything()],
    ]);
    expect(sched.live()).toHaveLength(2);
    expect(store.run(runId)!.excludeNodes).toBe('c9');
    const audit = store.state.audit.filter((e) => e.action === 'run.exclude').map((e) => e.result);
    expect(audit).toEqual(['requested', 'refused', 'ok']); // the cancel; the submission is audited as job.submit
  });

  it('exclude by replacement whose new job is refused: the submit is audited, the exclusion kept, the run held', async () => {
    const runId = createRun(2);
    await controller.kick();
    const [a, b] = sched.jobs;
    sched.frozen.add(a!.id);
    const preview = actions.preview(runId, { kind: 'exclude', nodes: 'c9' });
    actions.request(runId, { kind: 'exclude', nodes: 'c9' }, preview.version, operator);
    sched.nextSubmit = 'refuse';
    await controller.kick();
    expect(sched.calls).toContain(`scancel ${a!.id} ${b!.id}`);
    expect(store.state.actions.map((x) => [x.kind, x.state])).toEqual([['exclude', 'failed']]);
    expect(store.state.actions[0]!.result).toMatchObject({ failed: 'sbatch' });
    // The refused update is audited once as refused (replaced), then the cancel; never as the command that failed.
    const excl = store.state.audit.filter((e) => e.action === 'run.exclude').map((e) => e.result);
    expect(excl).toEqual(['requested', 'refused', 'ok']);
    const submits = store.state.audit.filter((e) => e.action === 'job.submit').map((e) => [e.result, e.message]);
    expect(submits.at(-1)).toEqual(['failed', 'sbatch refused the job']);
    expect(store.run(runId)!.excludeNodes).toBe('c9');
    expect(store.run(runId)!.desired).toBe('held');
    const held = store.state.audit.find((e) => e.action === 'run.held');
    expect(held?.message).toContain('sbatch refused the new job of this exclude (excluding c9): a person decides');
    for (let k = 0; k < 3; k++) {
      clock += 60_000;
      await controller.kick();
    }
    expect(sched.live()).toHaveLength(0); // held: the chain is not refilled with the old exclusions
  });

  it("a backend that describes itself: a submit's failure says the cluster, never sbatch", async () => {
    (sched as ControlBackend).describe = (op) => (op.kind === 'submit' ? 'create Job ml/tb-demo' : op.kind);
    const runId = createRun(1);
    sched.nextSubmit = 'refuse';
    await controller.kick();
    const submit = store.state.audit.find((e) => e.action === 'job.submit');
    expect(submit).toMatchObject({ result: 'failed', command: 'create Job ml/tb-demo' });
    expect(submit?.message).toBe('the cluster refused the job');
    expect(store.run(runId)!.desired).toBe('held');
  });

  it('a submit whose text cannot be described is audited and its row not left submitting', async () => {
    (sched as ControlBackend).describe = () => {
      throw new Error('cannot describe');
    };
    const runId = createRun(1);
    await controller.kick();
    expect(sched.calls.filter((c) => c.startsWith('sbatch'))).toHaveLength(0);
    expect(store.jobsOfRun(runId).map((j) => j.phase)).not.toContain('submitting');
    const submit = store.state.audit.find((e) => e.action === 'job.submit');
    expect(submit).toMatchObject({ result: 'failed', command: null });
    expect(submit?.message).toBe('the job could not be described: nothing was submitted');
  });

  it("a job's own log is registered once it ran, retried after a failed registration, never for a job that did not run", async () => {
    (sched as ControlBackend).jobLogSource = () => 'k8s://ml/job/tb-demo/trainer';
    const register = store.followLog;
    let failures = 1;
    store.followLog = (...args) => {
      if (failures-- > 0) throw new Error('database is locked');
      register(...args);
    };
    const runId = createRun(2);
    await controller.kick();
    const [a, b] = sched.jobs;
    b!.state = 'CANCELLED'; // the queued job cancelled before it ran: no nodes, no log
    a!.state = 'RUNNING';
    a!.nodeList = 'c1';
    await controller.kick();
    expect(store.state.followed).toEqual([]); // the first registration failed
    await controller.kick();
    expect(store.state.followed.map((f) => f.path)).toEqual(['k8s://ml/job/tb-demo/trainer']);
    expect(store.run(runId)!.desired).toBe('active');
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

  describe('on a backend without run-folder access', () => {
    const touched: string[] = [];
    /** The fake scheduler, seen as a backend with no shell that sets the kill switch from inside a job. */
    function noFolderBackend(withTouch: boolean) {
      const touchInJob = async (id: string, path: string) => void touched.push(`${id} ${path}`);
      return new Proxy(sched, {
        get: (t, k) =>
          k === 'runFolderAccess'
            ? false
            : k === 'touchInJob'
              ? withTouch
                ? touchInJob
                : undefined
              : Reflect.get(t, k),
      });
    }
    function setupNoFolder(withTouch: boolean) {
      const cluster = fakeCluster(noFolderBackend(withTouch), files);
      actions = createRunActionsService({
        store,
        kick: () => undefined,
        now: () => clock,
        backendOf: () => cluster.backend,
      });
      const failure = memoryFailurePolicy(store, actions, logger, () => clock);
      const clusters: ClusterAccess = { get: () => cluster };
      return createController({
        store,
        leaseRepo: memoryLease(),
        clusters,
        policy: failure.policy,
        events,
        logger,
        now: () => clock,
      });
    }

    it('touches the switch in the running job, never through files; release removes nothing (the job start does)', async () => {
      touched.length = 0;
      controller = setupNoFolder(true);
      const runId = createRun(2);
      await controller.kick();
      sched.jobs[0]!.state = 'RUNNING';
      await controller.kick();
      actions.request(runId, { kind: 'save_exit' }, store.run(runId)!.version, operator);
      await controller.kick();
      expect(touched).toEqual([`${sched.jobs[0]!.id} /jobs/demo/STOP`]);
      expect(sched.byId(sched.jobs[1]!.id).held).toBe(true);
      expect(store.run(runId)!.desired).toBe('held');
      sched.jobs[0]!.state = 'COMPLETED';
      await controller.kick();
      actions.request(runId, { kind: 'release' }, store.run(runId)!.version, operator);
      await controller.kick();
      expect(files.filter((f) => /^(touch|rm) /.test(f))).toEqual([]);
      expect(store.state.audit.find((e) => e.action === 'run.release' && e.result === 'ok')).toMatchObject({
        message: "skipped: the next job's start removes the kill switch",
      });
      expect(sched.byId(sched.jobs[1]!.id).held).toBe(false);
    });

    it('refuses save-and-exit in words when the backend cannot set the switch either', async () => {
      controller = setupNoFolder(false);
      const runId = createRun(1);
      await controller.kick();
      sched.jobs[0]!.state = 'RUNNING';
      await controller.kick();
      expect(() => actions.request(runId, { kind: 'save_exit' }, store.run(runId)!.version, operator)).toThrow(
        /save-and-exit needs the kill-switch file in the run folder/,
      );
    });
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
