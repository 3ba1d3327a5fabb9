// The recovery policy's hook acts through runActions (the same request, version check and audit as a person's
// click) with the incident policy as actor: resubmit after a crash, exclude the named node after a node failure,
// a stack dump attempt (audited as impossible for now) then resubmit after a hang; nothing for a start-up OOM,
// for replayed incidents, or once the automatic budget is spent.
import pino from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { IncidentChange, StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { createRunActionsService } from '../control/runActions.service.js';
import { memoryStore, type MemoryStore } from '../control/testing/memoryStore.js';
import { createRecoveryPolicy } from './recoveryPolicy.js';

let store: MemoryStore;
let replaying: boolean;
let onChange: (c: IncidentChange) => void;
let runId: number;

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function incident(over: Partial<StoredIncident>): StoredIncident {
  return {
    id: 1,
    runId,
    jobId: '1001',
    key: 'crash@10',
    kind: 'crash',
    severity: 'critical',
    failureKind: 'cuda_error',
    title: 'Crash: CUDA error — CUDA error: unknown error',
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

function createRun(maxAutoResubmits = 2) {
  return store.createRun({
    name: 'demo',
    clusterId: 1,
    ownerId: 7,
    chainLength: 1,
    maxAutoResubmits,
    script: '#!/bin/bash\necho hi\n',
    submitOptions: { chdir: '/jobs/demo' },
    runDir: '/jobs/demo',
    logPath: '/jobs/demo/log.txt',
    killSwitchPath: null,
    trainIters: 100,
    config: {},
  }).runId;
}

function setup(maxAutoResubmits = 2) {
  store = memoryStore();
  replaying = false;
  runId = createRun(maxAutoResubmits);
  const actions = createRunActionsService({ store, kick: () => undefined, now: () => 5 });
  onChange = createRecoveryPolicy({
    store,
    actions,
    logger: pino({ level: 'silent' }),
    isReplaying: () => replaying,
    now: () => 5,
  });
}

beforeEach(() => setup());

describe('the incident recovery policy', () => {
  it('resubmits after a crash, as the incident policy, audited like a person', async () => {
    onChange({ change: 'opened', incident: incident({}) });
    await flush();
    expect(store.state.actions.map((a) => [a.request, a.actorName, a.requestedBy])).toEqual([
      [{ kind: 'resubmit' }, 'incident policy', null],
    ]);
    expect(store.state.audit.map((a) => [a.action, a.result, a.actor.name])).toEqual([
      ['run.resubmit', 'requested', 'incident policy'],
    ]);
    expect(store.state.audit[0]?.message).toContain('incident 1: crash');
  });

  it('excludes the failed node after a node failure', async () => {
    const nodes = ['jz-gpu-12'];
    onChange({
      change: 'opened',
      incident: incident({ kind: 'node_failure', suggestedAction: { kind: 'exclude_and_resubmit', nodes, text: '' } }),
    });
    await flush();
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'exclude', nodes: 'jz-gpu-12' }]);
  });

  it('attempts a stack dump (recorded as not possible yet) before resubmitting a hang', async () => {
    onChange({ change: 'opened', incident: incident({ kind: 'hang', failureKind: null, key: 'hang@1' }) });
    await flush();
    expect(store.state.audit.map((a) => [a.action, a.result])).toEqual([
      ['run.stack_dump', 'failed'],
      ['run.resubmit', 'requested'],
    ]);
    expect(store.state.audit[0]?.message).toContain('no stack dump');
    expect(store.state.actions.map((a) => a.request)).toEqual([{ kind: 'resubmit' }]);
  });

  it('never resubmits an out-of-memory at start-up, and says why', async () => {
    onChange({
      change: 'opened',
      incident: incident({ failureKind: 'out_of_memory', iteration: null, details: { duringStartup: true } }),
    });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit.map((a) => [a.action, a.result])).toEqual([['incident.recovery', 'refused']]);
  });

  it('does nothing for replayed or updated incidents, nor on a stopped run', async () => {
    replaying = true;
    onChange({ change: 'opened', incident: incident({}) });
    replaying = false;
    onChange({ change: 'updated', incident: incident({}) });
    store.setDesired(runId, { desired: 'stopped' }, store.run(runId)!.version);
    onChange({ change: 'opened', incident: incident({}) });
    await flush();
    expect(store.state.actions).toEqual([]);
  });

  it('stops when the automatic resubmission budget is spent', async () => {
    setup(0);
    onChange({ change: 'opened', incident: incident({}) });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit[0]?.message).toContain('budget is spent');
  });
});
