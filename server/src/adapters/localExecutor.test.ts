import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalExecutor } from './localExecutor.js';

let dir: string;
let executor: LocalExecutor;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-executor-'));
  executor = new LocalExecutor({ workDir: dir, nodeName: 'laptop', killWaitMs: 500 });
});
afterEach(async () => {
  await executor.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Gone or a zombie (PID 1 of a container may not reap orphans). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const script = (body: string) => `#!/bin/bash\nset -eu\n${body}\n`;

describe('LocalExecutor', () => {
  it('runs a script with Slurm variables, srun in place, and writes its output to %x-%j.out', async () => {
    const { jobId } = await executor.submit({
      script: script(
        'echo "job=$SLURM_JOB_ID nodes=$SLURM_NNODES node=$SLURMD_NODENAME"\nsrun --wait=60 --jobid "$SLURM_JOB_ID" --kill-on-bad-exit=1 echo step "$SLURM_PROCID"',
      ),
      name: 'demo',
      output: '%x-%j.out',
    });
    expect(await executor.waitFor(jobId)).toBe('COMPLETED');
    const out = readFileSync(join(dir, `demo-${jobId}.out`), 'utf8');
    expect(out).toBe(`job=${jobId} nodes=1 node=laptop\nstep 0\n`);
    const { jobs, missing } = await executor.status([jobId, '999']);
    expect(missing).toEqual(['999']);
    expect(jobs[0]).toMatchObject({ id: jobId, state: 'COMPLETED', exitCode: 0, nodes: ['laptop'], nodeCount: 1 });
    expect(jobs[0]?.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('gives new ids, reports FAILED with the exit code, and RUNNING while it runs', async () => {
    const a = await executor.submit({ script: script('exit 3') });
    const b = await executor.submit({ script: script('sleep 30') });
    expect(a.jobId).not.toBe(b.jobId);
    expect(await executor.waitFor(a.jobId)).toBe('FAILED');
    expect((await executor.status([a.jobId])).jobs[0]).toMatchObject({
      state: 'FAILED',
      exitCode: 3,
      reason: 'NonZeroExitCode',
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await executor.status([b.jobId])).jobs[0]?.state).toBe('RUNNING');
    expect((await executor.nodes())[0]?.state).toBe('allocated');
    expect(await executor.jobNodes(b.jobId)).toEqual(['laptop']);
  });

  it('cancels the whole process group, children and grandchildren included', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const { jobId } = await executor.submit({ script: script(`bash -c 'sleep 60 & echo $! > ${pidFile}; wait'`) });
    for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await executor.cancel([jobId]);
    expect(await executor.waitFor(jobId)).toBe('CANCELLED');
    expect(isAlive(grandchild)).toBe(false);
    const history = await executor.history();
    expect(history.records.find((r) => r.id === jobId)?.state).toBe('CANCELLED');
  });

  it('kills a job that ignores SIGTERM after the grace period', async () => {
    const { jobId } = await executor.submit({ script: script(`trap '' TERM\nwhile true; do sleep 0.1; done`) });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await executor.cancel([jobId]);
    expect(await executor.waitFor(jobId)).toBe('CANCELLED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('resubmits the same script as a new job appending to the same log', async () => {
    const counter = join(dir, 'count');
    const body = script(`echo run >> ${counter}\necho "attempt $SLURM_JOB_ID"`);
    const first = await executor.submit({ script: body, output: 'main.log' });
    await executor.waitFor(first.jobId);
    const second = await executor.resubmit(first.jobId, {});
    await executor.waitFor(second.jobId);
    expect(readFileSync(join(dir, 'main.log'), 'utf8')).toBe(`attempt ${first.jobId}\nattempt ${second.jobId}\n`);
    expect(readFileSync(counter, 'utf8')).toBe('run\nrun\n');
  });

  it('refuses options it cannot honour and invalid specs, passes hostile paths literally', async () => {
    await expect(executor.submit({ script: script('true'), array: '1-3%1' })).rejects.toThrow(
      /does not support: array/,
    );
    await expect(executor.submit({ script: 'no shebang' })).rejects.toThrow(/#!/);
    const hostile = `out $(touch pwned); \`touch pwned\` ';.log`;
    const { jobId } = await executor.submit({ script: script('echo ok'), output: hostile });
    await executor.waitFor(jobId);
    expect(readFileSync(join(dir, hostile), 'utf8')).toBe('ok\n');
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});
