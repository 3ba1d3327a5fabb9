// The recovery policy's hook under the run's RecoveryPolicy: it acts through autoRestart and runActions (the same
// request, version check and audit as a person's click) with the incident policy as actor — exclude the failed or
// suspect node, a stack dump attempt then resubmit after a hang, hold after a start-up OOM or past the window's
// limit (the incident says so) — after the backoff, stored as the run's pending restart; nothing with the policy off,
// during a maintenance, for replayed incidents or on a stopped run; a plain crash is left to the failure policy.
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RECOVERY_POLICY, type RecoveryPolicy } from '@trainboard/shared/control/recoveryPolicy';
import type { IncidentChange, StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { createAutoRestarts } from '../control/autoRestart.js';
import { createRunActionsService } from '../control/runActions.service.js';
import { memoryRecovery, type MemoryRecovery } from '../control/testing/memoryRecovery.js';
import { memoryStore, type MemoryStore } from '../control/testing/memoryStore.js';
import { createRecoveryPolicy, type StackDumper } from './recoveryPolicy.js';

let store: MemoryStore;
let recovery: MemoryRecovery;
let replaying: boolean;
let onChange: (c: IncidentChange) => void;
let runId: number;
let clock: number;
const H = 3_600_000;

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function incident(over: Partial<StoredIncident>): StoredIncident {
  return {
    id: 1,
    runId,
    jobId: '1001',
    key: 'crash@10',
    kind: 'crash',
    severity: 'critical',
    failureKind: 'segfault',
    title: 'Crash: segmentation fault',
    iteration: 120,
    offset: 10,
    evidence: [],
    suggestedAction: { kind: 'resubmit', text: 'Resubmit' },
    workLostIterations: 20,
    openedAtMs: 1,
    resolvedAtMs: null,
    details: { duringStartup: false },
    ...over,
  };
}

const hang = () => incident({ kind: 'hang', failureKind: null, key: 'hang@1', title: 'No progress for 12 min' });
const nodeFailure = () =>
  incident({
    kind: 'node_failure',
    failureKind: 'node_failure',
    title: 'Node failure on jz-gpu-12',
    suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['jz-gpu-12'], text: '' },
  });

function setup(policy: Partial<RecoveryPolicy> = {}, stackDump?: StackDumper) {
  store = memoryStore();
  recovery = memoryRecovery(store);
  replaying = false;
  clock = 100 * H;
  runId = store.createRun({
    name: 'demo',
    clusterId: 1,
    ownerId: 7,
    chainLength: 1,
    maxAutoResubmits: 2,
    script: '#!/bin/bash\necho hi\n',
    submitOptions: { chdir: '/jobs/demo' },
    runDir: '/jobs/demo',
    logPath: '/jobs/demo/log.txt',
    killSwitchPath: null,
    trainIters: 100,
    config: {},
  }).runId;
  recovery.state.policies.set(runId, { ...DEFAULT_RECOVERY_POLICY, ...policy });
  const logger = pino({ level: 'silent' });
  const actions = createRunActionsService({ store, kick: () => undefined, now: () => clock });
  const auto = createAutoRestarts({ store, actions, recovery, logger, now: () => clock });
  onChange = createRecoveryPolicy({
    store,
    auto,
    recovery,
    logger,
    isReplaying: () => replaying,
    now: () => clock,
    ...(stackDump ? { stackDump } : {}),
  });
  return auto;
}

const audit = () => store.state.audit.map((a) => [a.action, a.result, a.actor.name]);

beforeEach(() => void setup({ backoffBaseSeconds: 0 }));

describe('the incident recovery policy', () => {
  it('leaves a crash without a suspect node to the failure policy', async () => {
    onChange({ change: 'opened', incident: incident({}) });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit).toEqual([]);
  });

  it('excludes the failed node after a node failure, as the incident policy, and counts the restart', async () => {
    onChange({ change: 'opened', incident: nodeFailure() });
    await flush();
    expect(store.state.actions.map((a) => [a.request, a.actorName, a.requestedBy])).toEqual([
      [{ kind: 'exclude', nodes: 'jz-gpu-12' }, 'incident policy', null],
    ]);
    expect(audit()).toEqual([
      ['run.exclude', 'requested', 'incident policy'],
      ['recovery.restart', 'ok', 'incident policy'],
    ]);
    expect(store.state.audit[1]?.details).toMatchObject({ cause: 'node_failure', counted: true, n: 1 });
    expect(recovery.state.notes.get(1)).toContain('excluding jz-gpu-12');
  });

  describe('an exclusion that would leave too few nodes for one job (F9 pinned to c4 + c1)', () => {
    const nodes = (...names: string[]) => names.map((name) => ({ name, state: 'idle', reason: null }));
    const onC4 = () => ({
      ...nodeFailure(),
      title: 'Node failure on c4',
      suggestedAction: { kind: 'exclude_and_resubmit' as const, nodes: ['c4'], text: '' },
    });

    it('holds the run with the reason on the incident and in the audit, and submits nothing', async () => {
      const auto = setup({ backoffBaseSeconds: 0 });
      auto.useCapacity(() => ({
        partitionNodes: nodes('c1', 'c2', 'c3', 'c4'),
        excludedNodes: ['c2', 'c3'],
        nodesRequired: 2,
      }));
      onChange({ change: 'opened', incident: onC4() });
      await flush();
      expect(store.state.actions.map((a) => [a.request, a.actorName])).toEqual([[{ kind: 'hold' }, 'incident policy']]);
      const why =
        'excluding c4 leaves 1 usable node (c1) of the 2 this job needs — free a node or lower the node count';
      expect(recovery.state.notes.get(1)).toContain(`Held: ${why} (node failure on c4`);
      expect(audit()).toEqual([['run.hold', 'requested', 'incident policy']]);
      expect(store.state.audit[0]?.message).toContain(`incident 1: ${why} (node failure on c4`);
    });

    it('excludes as before with a spare node, or when the partition is unknown', async () => {
      const auto = setup({ backoffBaseSeconds: 0 });
      auto.useCapacity(() => ({
        partitionNodes: nodes('c1', 'c2', 'c3', 'c4'),
        excludedNodes: ['c2'],
        nodesRequired: 2,
      }));
      onChange({ change: 'opened', incident: onC4() });
      await flush();
      expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'c4' }]);
      const unknown = setup({ backoffBaseSeconds: 0 });
      unknown.useCapacity(() => ({ partitionNodes: null, excludedNodes: ['c2', 'c3'], nodesRequired: 2 }));
      onChange({ change: 'opened', incident: onC4() });
      await flush();
      expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'c4' }]);
    });

    it('checks a waiting restart again when it is due (two exclusions joined may leave too few)', async () => {
      const auto = setup();
      let excluded = ['c2'];
      auto.useCapacity(() => ({
        partitionNodes: nodes('c1', 'c2', 'c3', 'c4'),
        excludedNodes: excluded,
        nodesRequired: 2,
      }));
      onChange({ change: 'opened', incident: onC4() });
      await flush();
      expect(recovery.pending(runId)).toMatchObject({ exclude: ['c4'] });
      excluded = ['c2', 'c3']; // a person excluded c3 meanwhile
      clock += 30_000;
      expect(auto.runDue(store.run(runId)!)).toBe(true);
      expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'hold' }]);
      expect(recovery.pending(runId)).toBeNull();
      expect(recovery.state.notes.get(1)).toMatch(/^Held: excluding c4 leaves 1 usable node \(c1\)/);
    });
  });

  it('excludes the node an ECC crash names, never restarting onto it', async () => {
    onChange({
      change: 'opened',
      incident: incident({
        failureKind: 'ecc_error',
        evidence: [{ offset: 1, line: 1, text: 'CUDA error: uncorrectable ECC error encountered', nodes: ['c3'] }],
        suggestedAction: { kind: 'exclude_and_resubmit', nodes: ['c3'], text: 'Exclude c3' },
      }),
    });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'c3' }]);
  });

  it('attempts a stack dump (not supported: audited as failed) before resubmitting a hang', async () => {
    onChange({ change: 'opened', incident: hang() });
    await flush();
    expect(audit()).toEqual([
      ['run.stack_dump', 'failed', 'incident policy'],
      ['run.resubmit', 'requested', 'incident policy'],
      ['recovery.restart', 'ok', 'incident policy'],
    ]);
    expect(store.state.audit[0]?.message).toContain('failed: not supported');
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'resubmit' }]);
  });

  it('reports the backend stack dump, and skips it when the policy says so', async () => {
    const asked: number[] = [];
    setup({ backoffBaseSeconds: 0 }, async (id) => {
      asked.push(id);
      return { ok: true, method: 'py-spy', detail: 'job 1001: stacks of 8 processes in stacks-1001.txt' };
    });
    onChange({ change: 'opened', incident: hang() });
    await flush();
    expect(asked).toEqual([runId]);
    expect(store.state.audit[0]).toMatchObject({ action: 'run.stack_dump', result: 'ok' });
    expect(store.state.audit[0]?.message).toContain('py-spy: job 1001');
    setup({ backoffBaseSeconds: 0, stackDumpOnHang: false });
    onChange({ change: 'opened', incident: hang() });
    await flush();
    expect(audit().map((a) => a[0])).toEqual(['run.resubmit', 'recovery.restart']);
  });

  it('waits for the backoff: the restart is stored with its time, audited, and the incident says when', async () => {
    const auto = setup();
    onChange({ change: 'opened', incident: hang() });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(recovery.pending(runId)).toMatchObject({ cause: 'hang', n: 1, notBeforeMs: clock + 30_000 });
    expect(audit().map((a) => a[0])).toEqual(['run.stack_dump', 'recovery.wait']);
    expect(recovery.state.notes.get(1)).toMatch(/restarting at \d\d:\d\d UTC \(backoff\)/);
    expect(auto.dto(runId)).toMatchObject({ restartsInWindow: 0, nextRestartNotBeforeMs: clock + 30_000 });
    // A node failure meanwhile joins the waiting restart: one restart, excluding the node.
    onChange({ change: 'opened', incident: { ...nodeFailure(), id: 2 } });
    await flush();
    expect(recovery.pending(runId)).toMatchObject({ n: 1, exclude: ['jz-gpu-12'] });
    expect(auto.runDue(store.run(runId)!)).toBe(true);
    expect(store.state.actions).toEqual([]);
    clock += 30_000;
    auto.runDue(store.run(runId)!);
    expect(store.state.actions.map((a) => [a.request, a.actorName])).toEqual([
      [{ kind: 'exclude', nodes: 'jz-gpu-12' }, 'incident policy'],
    ]);
    expect(recovery.pending(runId)).toBeNull();
    expect(auto.dto(runId)).toMatchObject({ restartsInWindow: 1, nextRestartNotBeforeMs: null });
  });

  it('excludes at once when a job is queued behind the failed one (Slurm starts it without waiting)', async () => {
    setup();
    store.state.jobs.push({
      id: 1,
      runId,
      chainSeq: 2,
      schedulerJobId: '1002',
      idemKey: 'tb.x.1',
      schedName: 'demo.tb.x.1',
      phase: 'submitted',
      state: 'PENDING',
      dependsOn: '1001',
      exclude: null,
      reason: 'chain',
      nodeList: null,
      reasonText: 'Dependency',
      exitCode: null,
      submitStartedAt: clock,
    });
    onChange({ change: 'opened', incident: nodeFailure() });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'jz-gpu-12' }]);
    expect(recovery.pending(runId)).toBeNull();
  });

  const liveJob = (state: string, nodeList: string | null, submitStartedAt = clock) =>
    store.state.jobs.push({
      id: store.state.jobs.length + 1,
      runId,
      chainSeq: store.state.jobs.length + 1,
      schedulerJobId: String(1001 + store.state.jobs.length),
      idemKey: `tb.x.${store.state.jobs.length + 1}`,
      schedName: 'demo.tb.x',
      phase: 'submitted',
      state,
      dependsOn: null,
      exclude: null,
      reason: 'initial',
      nodeList,
      reasonText: null,
      exitCode: null,
      submitStartedAt,
    });

  it('does not count an exclusion that only patches the list (the live job runs elsewhere)', async () => {
    liveJob('RUNNING', 'c1');
    onChange({ change: 'opened', incident: nodeFailure() });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'jz-gpu-12' }]);
    // No ledger row: when that job fails, the failure policy's restart is the one counted.
    expect(audit()).toEqual([['run.exclude', 'requested', 'incident policy']]);
  });

  it('restarts a hang even when the stack dump throws', async () => {
    setup({ backoffBaseSeconds: 0 }, () => Promise.reject(new Error('registry gone')));
    onChange({ change: 'opened', incident: hang() });
    await flush();
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'resubmit' }]);
  });

  it('skips the restart when a job of the run was submitted while the stack dump ran', async () => {
    let finish: () => void = () => undefined;
    setup({ backoffBaseSeconds: 0 }, () => {
      return new Promise((resolve) => (finish = () => resolve({ ok: true, detail: 'dumped' })));
    });
    liveJob('FAILED', 'c1', 0);
    onChange({ change: 'opened', incident: hang() });
    await flush();
    liveJob('RUNNING', 'c2', clock); // the failure policy resubmitted meanwhile
    finish();
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(audit()).toEqual([['run.stack_dump', 'ok', 'incident policy']]);
    expect(recovery.state.notes.get(1)).toContain('next job was submitted while the stacks were dumped');
  });

  it('a waiting exclusion applies at once when the failed job is requeued (PENDING again, Slurm would start it)', async () => {
    const auto = setup();
    onChange({ change: 'opened', incident: nodeFailure() });
    await flush();
    expect(store.state.actions).toEqual([]); // the job still RUNNING: the backoff holds
    expect(auto.runDue(store.run(runId)!)).toBe(true);
    expect(store.state.actions).toEqual([]);
    store.state.jobs.push({
      id: 1,
      runId,
      chainSeq: 1,
      schedulerJobId: '1001',
      idemKey: 'tb.x.1',
      schedName: 'demo.tb.x.1',
      phase: 'submitted',
      state: 'PENDING',
      dependsOn: null,
      exclude: null,
      reason: 'initial',
      nodeList: 'jz-gpu-12',
      reasonText: 'BeginTime',
      exitCode: null,
      submitStartedAt: clock,
    });
    auto.runDue(store.run(runId)!);
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'jz-gpu-12' }]);
    expect(recovery.pending(runId)).toBeNull();
  });

  it('holds the run past the window limit: a person decides, and the incident says so', async () => {
    const auto = setup({ backoffBaseSeconds: 0, maxRestartsPerWindow: 2 });
    for (let k = 1; k <= 3; k++) {
      clock += H;
      onChange({ change: 'opened', incident: { ...hang(), id: k } });
      await flush();
      store.state.actions.forEach((a) => (a.state = 'done'));
    }
    expect(store.state.actions.map((a) => a.request.kind)).toEqual(['resubmit', 'resubmit', 'hold']);
    const hold = store.state.audit.find((a) => a.action === 'run.hold');
    expect(hold?.message).toContain('2 of 2 automatic restarts used in the last 6 h: a person decides');
    expect(recovery.state.notes.get(3)).toContain('Held: 2 of 2');
    expect(auto.dto(runId)).toMatchObject({ restartsInWindow: 2, nextRestartNotBeforeMs: 100 * H + H + 6 * H });
  });

  it('holds the run after an out-of-memory at start-up instead of resubmitting it, and says why', async () => {
    onChange({
      change: 'opened',
      incident: incident({ failureKind: 'out_of_memory', iteration: null, details: { duringStartup: true } }),
    });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'hold' }]);
    expect(store.state.runs[0]?.desired).toBe('active'); // the controller applies the hold when it executes it
    expect(store.state.audit[0]?.message).toContain('out_of_memory at start-up');
  });

  it('requests nothing with the policy off, nor during a maintenance (the incident says why)', async () => {
    setup({ enabled: false });
    for (const i of [hang(), nodeFailure(), incident({ kind: 'nothing_running', failureKind: null })])
      onChange({ change: 'opened', incident: i });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit).toEqual([]);
    setup({ backoffBaseSeconds: 0 });
    recovery.state.maintenance.push({ runId, openedAtMs: clock, open: true });
    onChange({ change: 'opened', incident: nodeFailure() });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(recovery.state.notes.get(1)).toContain('maintenance');
  });

  it('resubmits when nothing is running or queued, unless the controller keeps a live job', async () => {
    onChange({ change: 'opened', incident: incident({ kind: 'nothing_running', failureKind: null }) });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'resubmit' }]);
  });

  it('does nothing for replayed or updated incidents, nor on a stopped run', async () => {
    replaying = true;
    onChange({ change: 'opened', incident: hang() });
    replaying = false;
    onChange({ change: 'updated', incident: hang() });
    store.setDesired(runId, { desired: 'stopped' }, store.run(runId)!.version);
    onChange({ change: 'opened', incident: hang() });
    await flush();
    expect(store.state.actions).toEqual([]);
  });

  it('excludes a straggler once the open regression names it, once; not what the log held before', async () => {
    const slow = (details: Record<string, string | number>, recoveryNote?: string) =>
      incident({
        kind: 'throughput_regression',
        failureKind: null,
        severity: 'warning',
        key: 'throughput@5',
        title: 'Throughput 12 % below the segment baseline',
        details,
        ...(recoveryNote ? { recoveryNote } : {}),
      });
    // Opens before any GPU was probed: nobody to exclude yet.
    onChange({ change: 'opened', incident: slow({ dropPct: 12 }) });
    await flush();
    expect(store.state.actions).toEqual([]);
    // History is never acted on, even when it names a node.
    onChange({ change: 'updated', incident: slow({ dropPct: 12, suspectNodes: 'c2' }), historical: true });
    await flush();
    expect(store.state.actions).toEqual([]);
    // The probe names the node: excluded and restarted, and the incident says so.
    onChange({ change: 'updated', incident: slow({ dropPct: 12, suspectNodes: 'c2' }) });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'c2' }]);
    const note = recovery.state.notes.get(1);
    expect(note).toContain('excluding c2');
    // Later updates of the same incident (its note stored) do not restart again.
    onChange({ change: 'updated', incident: slow({ dropPct: 13, suspectNodes: 'c2' }, note) });
    await flush();
    expect(store.state.actions).toHaveLength(1);
  });
});
