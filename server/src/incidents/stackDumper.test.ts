// The stack dumper the composition root wires: the run's running job goes to its cluster backend's stackDump; a
// backend without one, no running job, or a throwing backend are failures said in words (no error text).
import { describe, expect, it } from 'vitest';
import type { StackDumpReport } from '../adapters/clusterBackend.js';
import { memoryStore } from '../control/testing/memoryStore.js';
import { stackDumperOf } from './stackDumper.js';

function setup(jobState: string) {
  const store = memoryStore();
  const { runId } = store.createRun({
    name: 'demo',
    clusterId: 4,
    ownerId: null,
    chainLength: 1,
    maxAutoResubmits: 2,
    script: '#!/bin/bash\n',
    submitOptions: {},
    runDir: '/jobs/demo',
    logPath: '/jobs/demo/log.txt',
    killSwitchPath: null,
    trainIters: 100,
    config: {},
  });
  const job = store.beginSubmit({
    runId,
    clusterId: 4,
    chainSeq: 1,
    baseName: 'demo',
    dependsOn: null,
    exclude: null,
    reason: 'initial',
    actionId: null,
    now: 1,
  });
  store.markSubmitted(job.id, '4242', 2);
  store.recordStatus(
    job.id,
    { state: jobState, nodeList: 'c1', reasonText: null, exitCode: null, startedAt: 3, endedAt: null },
    3,
  );
  return { store, runId };
}

describe(stackDumperOf.name, () => {
  it("asks the run's cluster backend to dump its running job, and reports the method", async () => {
    const { store, runId } = setup('RUNNING');
    const asked: [number, string][] = [];
    const dump = stackDumperOf({
      store,
      backendOf: (clusterId) => ({
        stackDump: async (jobId: string): Promise<StackDumpReport> => {
          asked.push([clusterId, jobId]);
          return { ok: true, method: 'py-spy', detail: 'stacks of 8 processes' };
        },
      }),
    });
    expect(await dump(runId)).toEqual({ ok: true, method: 'py-spy', detail: 'job 4242: stacks of 8 processes' });
    expect(asked).toEqual([[4, '4242']]);
  });

  it('says why when it cannot: no stackDump, no running job, or the backend failing', async () => {
    const running = setup('RUNNING');
    expect(await stackDumperOf({ store: running.store, backendOf: () => ({}) })(running.runId)).toEqual({
      ok: false,
      detail: 'failed: not supported by this cluster backend',
    });
    const failing = stackDumperOf({
      store: running.store,
      backendOf: () => ({
        stackDump: () => Promise.reject(new Error('ssh to /secret/path failed')),
      }),
    });
    expect(await failing(running.runId)).toEqual({ ok: false, detail: 'failed: job 4242: Error' });
    const noRegistry = stackDumperOf({
      store: running.store,
      backendOf: () => {
        throw new Error('cluster 4 is gone');
      },
    });
    expect(await noRegistry(running.runId)).toEqual({ ok: false, detail: 'failed: job 4242: Error' });
    const ended = setup('FAILED');
    expect(await stackDumperOf({ store: ended.store, backendOf: () => ({}) })(ended.runId)).toMatchObject({
      detail: 'failed: no running job to dump',
    });
  });
});
