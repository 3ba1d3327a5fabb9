import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import { LocalExecutor } from '../adapters/localExecutor.js';
import { launchTrainingJob } from './trainingJob.js';

let dir: string;
let conn: OpenDatabase;
let executor: LocalExecutor;
const logger = pino({ level: 'silent' });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'training-job-'));
  conn = openDatabase(':memory:');
  executor = new LocalExecutor({ workDir: dir, nodeName: 'laptop', killWaitMs: 500 });
});
afterEach(async () => {
  await executor.close();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Fails while `fail-N` files remain (one removed per start), then succeeds: a run that crashes N times. */
const flakyScript = (failures: number) => {
  for (let i = 1; i <= failures; i++) writeFileSync(join(dir, `fail-${i}`), '');
  return `#!/bin/bash\necho start >> ${join(dir, 'main.log')}\nf=$(ls ${dir}/fail-* 2>/dev/null | head -1)\nif [ -n "$f" ]; then rm "$f"; exit 3; fi\n`;
};
const jobs = () =>
  conn.sqlite
    .prepare('SELECT scheduler_job_id AS job, state, exit_code AS exit, node_list AS nodes FROM jobs ORDER BY id')
    .all();
const runState = () => (conn.sqlite.prepare('SELECT state FROM runs').get() as { state: string }).state;
const launch = (script: string, backend: ClusterBackend = executor, maxResubmits = 2) =>
  launchTrainingJob({
    conn,
    backend,
    logger,
    runName: 'r',
    script,
    jobName: 'train',
    chdir: dir,
    logPath: join(dir, 'main.log'),
    pollMs: 50,
    settleMs: 10,
    maxResubmits,
  });

describe('launchTrainingJob', () => {
  it('resubmits a failed job and records every job with its end state', async () => {
    const run = await launch(flakyScript(1));
    expect(await run.done).toBe('completed');
    expect(jobs()).toEqual([
      { job: '1', state: 'FAILED', exit: 3, nodes: 'laptop' },
      { job: '2', state: 'COMPLETED', exit: 0, nodes: 'laptop' },
    ]);
    expect(runState()).toBe('completed');
  });

  it('gives up after maxResubmits and marks the run failed', async () => {
    const run = await launch(flakyScript(5), executor, 1);
    expect(await run.done).toBe('failed');
    expect(jobs()).toMatchObject([
      { job: '1', state: 'FAILED' },
      { job: '2', state: 'FAILED' },
    ]);
    expect(runState()).toBe('failed');
  });

  it('keeps watching when the scheduler cannot be asked for a moment', async () => {
    let refusals = 2;
    const flaky: ClusterBackend = Object.assign(Object.create(executor) as LocalExecutor, {
      status: (ids: readonly string[]) =>
        refusals-- > 0 ? Promise.reject(new Error('connection closed')) : executor.status(ids),
    });
    const run = await launch(flakyScript(0), flaky);
    expect(await run.done).toBe('completed');
    expect(refusals).toBeLessThan(0);
  });

  it('cancel() cancels the running job, records CANCELLED and marks the run cancelled', async () => {
    const run = await launch('#!/bin/bash\nsleep 30\n');
    await new Promise((r) => setTimeout(r, 300));
    await run.cancel();
    expect(await run.done).toBe('cancelled');
    expect(jobs()).toMatchObject([{ job: '1', state: 'CANCELLED' }]);
    expect(runState()).toBe('cancelled');
    expect(run.currentJobId()).toBe('1');
  });
});
