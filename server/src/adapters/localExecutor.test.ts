import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('LocalExecutor chains, holds and restarts', () => {
  it('starts an afterany job only when its dependency ended, even a failed one', async () => {
    const order = join(dir, 'order');
    const first = await executor.submit({ script: script(`sleep 0.3\necho first >> ${order}\nexit 4`) });
    const second = await executor.submit({
      script: script(`echo second >> ${order}`),
      dependency: `afterany:${first.jobId}`,
    });
    const waiting = (await executor.status([second.jobId])).jobs[0];
    expect(waiting).toMatchObject({ state: 'PENDING', reason: 'Dependency' });
    expect(await executor.waitFor(first.jobId)).toBe('FAILED');
    expect(await executor.waitFor(second.jobId)).toBe('COMPLETED');
    expect(readFileSync(order, 'utf8')).toBe('first\nsecond\n');
  });

  it('refuses dependencies it cannot honour', async () => {
    await expect(executor.submit({ script: script('true'), dependency: 'afterok:1' })).rejects.toThrow(/afterany/);
    await expect(executor.submit({ script: script('true'), dependency: 'afterany:99' })).rejects.toThrow(
      /dependency problem/,
    );
  });

  it('keeps a held job pending until released; hold refuses a running job', async () => {
    const marker = join(dir, 'ran');
    const held = await executor.submit({ script: script(`touch ${marker}`), hold: true });
    const running = await executor.submit({ script: script('sleep 30') });
    await new Promise((r) => setTimeout(r, 200));
    expect((await executor.status([held.jobId])).jobs[0]).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
    expect(existsSync(marker)).toBe(false);
    await expect(executor.hold([running.jobId])).rejects.toThrow(/no longer pending/);
    await executor.release([held.jobId]);
    expect(await executor.waitFor(held.jobId)).toBe('COMPLETED');
    expect(existsSync(marker)).toBe(true);
  });

  it('holds a pending chain member and keeps an excluded job off its node', async () => {
    const first = await executor.submit({ script: script('sleep 0.3') });
    const second = await executor.submit({ script: script('true'), dependency: `afterany:${first.jobId}` });
    await executor.hold([second.jobId]);
    await executor.updateExclude([second.jobId], 'laptop');
    await executor.waitFor(first.jobId);
    await new Promise((r) => setTimeout(r, 100));
    expect((await executor.status([second.jobId])).jobs[0]?.state).toBe('PENDING');
    await executor.release([second.jobId]);
    expect((await executor.status([second.jobId])).jobs[0]).toMatchObject({
      state: 'PENDING',
      reason: 'ReqNodeNotAvail',
    });
    await executor.updateExclude([second.jobId], 'elsewhere1');
    expect(await executor.waitFor(second.jobId)).toBe('COMPLETED');
    await expect(executor.updateExclude([second.jobId], 'c1;touch x')).rejects.toThrow(/node list/);
  });

  it('finds jobs by name and passes the comment through', async () => {
    const a = await executor.submit({ script: script('true'), name: 'run.tb.x.1', comment: 'tb.x.1' });
    await executor.submit({ script: script('true'), name: 'other' });
    await executor.waitFor(a.jobId);
    const found = await executor.lookupByNames(['run.tb.x.1', 'run.tb.x.2']);
    expect(found.get('run.tb.x.1')?.map((j) => [j.id, j.state])).toEqual([[a.jobId, 'COMPLETED']]);
    expect(found.get('run.tb.x.2')).toEqual([]);
    await expect(executor.lookupByNames(['a,b'])).rejects.toThrow(/job name/);
  });

  it('a new executor on the same folder adopts running, finished and pending jobs', async () => {
    const old = new LocalExecutor({ workDir: dir, nodeName: 'laptop', keepJobsOnClose: true, pollMs: 50 });
    const release = join(dir, 'go');
    const out = join(dir, 'chain');
    const first = await old.submit({
      script: script(`while [ ! -e ${release} ]; do sleep 0.05; done\necho first >> ${out}\nexit 5`),
      name: 'chain.tb.x.1',
    });
    const second = await old.submit({
      script: script(`echo second >> ${out}`),
      name: 'chain.tb.x.2',
      dependency: `afterany:${first.jobId}`,
    });
    const doomed = await old.submit({ script: script('sleep 60'), name: 'doomed' });
    await new Promise((r) => setTimeout(r, 100));
    await old.close(); // the server stops; its jobs run on

    // The server was killed -9 while `doomed` ran, and its job died with the machine's cleanup (no exit file).
    const doomedPgid = JSON.parse(readFileSync(join(dir, 'jobs', `${doomed.jobId}.json`), 'utf8')).pgid as number;
    process.kill(-doomedPgid, 'SIGKILL');
    await waitUntil('the doomed group to end', () => !isAlive(doomedPgid));

    executor = new LocalExecutor({ workDir: dir, nodeName: 'laptop', pollMs: 50 });
    const found = await executor.lookupByNames(['chain.tb.x.1', 'chain.tb.x.2', 'doomed']);
    expect(found.get('chain.tb.x.1')?.[0]?.state).toBe('RUNNING');
    expect(found.get('chain.tb.x.2')?.[0]).toMatchObject({ state: 'PENDING', reason: 'Dependency' });
    expect(found.get('doomed')?.[0]).toMatchObject({ state: 'FAILED', exitCode: null });
    writeFileSync(release, '');
    expect(await executor.waitFor(first.jobId)).toBe('FAILED');
    expect((await executor.status([first.jobId])).jobs[0]?.exitCode).toBe(5);
    expect(await executor.waitFor(second.jobId)).toBe('COMPLETED');
    expect(readFileSync(out, 'utf8')).toBe('first\nsecond\n');
    const next = await executor.submit({ script: script('true') });
    expect(Number(next.jobId)).toBeGreaterThan(Number(doomed.jobId));
  });

  it('cancels a job adopted from an earlier executor', async () => {
    const old = new LocalExecutor({ workDir: dir, nodeName: 'laptop', keepJobsOnClose: true });
    const { jobId } = await old.submit({ script: script('sleep 60') });
    await new Promise((r) => setTimeout(r, 100));
    await old.close();
    executor = new LocalExecutor({ workDir: dir, nodeName: 'laptop', pollMs: 50, killWaitMs: 500 });
    expect((await executor.status([jobId])).jobs[0]?.state).toBe('RUNNING');
    await executor.cancel([jobId]);
    expect(await executor.waitFor(jobId)).toBe('CANCELLED');
  });
});

describe('two executors on one folder', () => {
  it('start a pending job once: the claim decides, the other one watches it', async () => {
    const other = new LocalExecutor({ workDir: dir, nodeName: 'laptop', pollMs: 20, keepJobsOnClose: true });
    const runs = join(dir, 'runs');
    const gate = join(dir, 'gate');
    const first = await other.submit({ script: script(`while [ ! -e ${gate} ]; do sleep 0.02; done`) });
    const second = await other.submit({
      script: script(`echo ran >> ${runs}`),
      dependency: `afterany:${first.jobId}`,
    });
    executor = new LocalExecutor({ workDir: dir, nodeName: 'laptop', pollMs: 20 });
    writeFileSync(gate, '');
    // Both see the dependency end (one by its child's exit, one by polling) and both try to start the job.
    expect(await other.waitFor(second.jobId)).toBe('COMPLETED');
    expect(await executor.waitFor(second.jobId)).toBe('COMPLETED');
    expect(readFileSync(runs, 'utf8')).toBe('ran\n');
    await other.close();
  });
});

describe('LocalExecutor.stackDump', () => {
  const trainer = new URL('../../../scripts/fake-trainer/pretrain_gpt.py', import.meta.url).pathname;

  it('signals the job’s python processes: the stacks land in the log and the job runs on', async () => {
    const args =
      '--train-iters 1000 --seconds-per-iteration 0.02 --eval-interval 0 --fault hang --fault-at-iteration 3';
    const { jobId } = await executor.submit({
      script: script(`srun python3 -u ${trainer} ${args} 2>&1 | tee -a main.log`),
      output: 'job.out',
    });
    const log = join(dir, 'main.log');
    const read = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
    await expect.poll(() => read().includes(' iteration        2/'), { timeout: 10_000 }).toBe(true);
    const report = await executor.stackDump(jobId);
    expect(report).toMatchObject({ ok: true, method: 'signal' });
    expect(report.detail).toMatch(/^SIGUSR1 sent; stacks are in the log from /);
    await expect.poll(() => /line \d+ in hang_forever\n/.test(read()), { timeout: 10_000 }).toBe(true);
    expect(read()).toMatch(/^Current thread 0x[0-9a-f]+ \(most recent call first\):$/m);
    await new Promise((r) => setTimeout(r, 200));
    expect((await executor.status([jobId])).jobs[0]?.state).toBe('RUNNING'); // bash and tee were spared
  });

  it('reports none for an unknown or finished job', async () => {
    expect(await executor.stackDump('999')).toMatchObject({ ok: false, method: 'none' });
    const { jobId } = await executor.submit({ script: script('true') });
    await executor.waitFor(jobId);
    expect(await executor.stackDump(jobId)).toMatchObject({ ok: false, method: 'none' });
  });
});
