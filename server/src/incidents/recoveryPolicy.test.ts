// The recovery policy's hook acts through runActions (the same request, version check and audit as a person's
// click) with the incident policy as actor: exclude the named node after a node failure, a stack dump attempt
// (audited as impossible for now) then resubmit after a hang, hold after a start-up OOM; a plain crash is left to
// the failure policy; nothing for replayed incidents, nor once the automatic budget is spent.
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
  it('leaves a crash during training to the failure policy', async () => {
    onChange({ change: 'opened', incident: incident({}) });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit).toEqual([]);
  });

  it('excludes the failed node after a node failure', async () => {
    const nodes = ['jz-gpu-12'];
    onChange({
      change: 'opened',
      incident: incident({ kind: 'node_failure', suggestedAction: { kind: 'exclude_and_resubmit', nodes, text: '' } }),
    });
    await flush();
    expect(store.state.actions.map((a) => [a.request, a.actorName, a.requestedBy])).toEqual([
      [{ kind: 'exclude', nodes: 'jz-gpu-12' }, 'incident policy', null],
    ]);
    expect(store.state.audit.map((a) => [a.action, a.result, a.actor.name])).toEqual([
      ['run.exclude', 'requested', 'incident policy'],
    ]);
    expect(store.state.audit[0]?.message).toContain('incident 1: node failure on jz-gpu-12');
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

  it('does nothing for replayed or updated incidents, nor on a stopped run', async () => {
    const hang = incident({ kind: 'hang', failureKind: null });
    replaying = true;
    onChange({ change: 'opened', incident: hang });
    replaying = false;
    onChange({ change: 'updated', incident: hang });
    store.setDesired(runId, { desired: 'stopped' }, store.run(runId)!.version);
    onChange({ change: 'opened', incident: hang });
    await flush();
    expect(store.state.actions).toEqual([]);
  });

  it('stops when the automatic resubmission budget is spent', async () => {
    setup(0);
    onChange({ change: 'opened', incident: incident({ kind: 'hang', failureKind: null }) });
    await flush();
    expect(store.state.actions).toEqual([]);
    expect(store.state.audit[0]?.message).toContain('budget is spent');
  });
});
