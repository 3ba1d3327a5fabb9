// The Slurm backend over the real sshd against the real dev cluster: job life cycles and the states Slurm reports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogParser, type LogEvent } from '@trainboard/shared';
import { shellQuote } from '@trainboard/shared/slurm/quote';
import { isTerminalState } from '@trainboard/shared/slurm/types';
import { REPO, backend, devCluster, devClusterCommand, sleep, watchJob } from './cluster.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const runDir = `${c.jobsDir}/jobs-${process.pid}-${Date.now()}`;
const TRAINER = c.fakeTrainer;
const submitted: string[] = [];
let timeoutJob = '';

/** A batch script that runs the fake trainer as the real launcher does: one srun task per node. */
function trainerScript(flags: string[]): string {
  return `#!/bin/bash\nsrun --ntasks-per-node=1 python3 ${[TRAINER, ...flags].map(shellQuote).join(' ')}\n`;
}

async function readRemote(path: string): Promise<string> {
  const r = await shell.exec(['cat', path]);
  if (r.code !== 0) throw new Error(`cannot read ${path}: ${r.stderr}`);
  return r.stdout;
}

function parse(text: string): LogEvent[] {
  const p = createLogParser();
  return [...p.push(Buffer.from(text)), ...p.end()];
}

async function submit(spec: Parameters<typeof slurm.submit>[0]): Promise<string> {
  const { jobId } = await slurm.submit(spec);
  submitted.push(jobId);
  return jobId;
}

beforeAll(async () => {
  expect((await shell.exec(['mkdir', '-p', runDir])).code).toBe(0);
  // The one slow test (Slurm checks limits every 30 s): started first, checked last, while the others run.
  timeoutJob = await submit({
    script: '#!/bin/bash\nsleep 300\n',
    name: 'limit',
    timeLimit: '1',
    exclude: 'c4',
    output: `${runDir}/limit-%j.out`,
  });
});

afterAll(async () => {
  const { jobs } = await slurm.status(submitted);
  const live = jobs.filter((j) => !isTerminalState(j.state)).map((j) => j.jobId);
  if (live.length) await slurm.cancel(live);
  await slurm.close();
});

describe('Slurm backend on the dev cluster (over SSH)', () => {
  it('runs a fake-trainer job PENDING → RUNNING → COMPLETED behind a dependency; its log is where --output says', async () => {
    const blocker = await submit({
      script: '#!/bin/bash\nsleep 3\n',
      name: 'blocker',
      exclude: 'c4',
      output: `${runDir}/blocker-%j.out`,
    });
    const train = await submit({
      script: trainerScript([
        '--train-iters',
        '20',
        '--seconds-per-iteration',
        '0.1',
        '--eval-interval',
        '10',
        '--save',
        `${runDir}/ckpt`,
        '--save-interval',
        '10',
      ]),
      name: 'fake-train',
      nodes: 2,
      ntasksPerNode: 1,
      dependency: `afterok:${blocker}`,
      exclude: 'c4',
      output: `${runDir}/%x-%j.out`,
    });
    const held = (await slurm.status([train])).jobs[0];
    expect(held).toMatchObject({ state: 'PENDING', reason: 'Dependency', nodes: [] });

    const { job, states } = await watchJob(slurm, train, (j) => isTerminalState(j.state));
    expect(states.filter((s) => s !== 'COMPLETING')).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(job).toMatchObject({ exitCode: 0, nodeCount: 2, name: 'fake-train' });
    expect(job.nodes).toHaveLength(2);
    expect(job.nodes).not.toContain('c4');
    expect(await slurm.jobNodes(train)).toEqual(job.nodes);

    const events = parse(await readRemote(`${runDir}/fake-train-${train}.out`));
    const its = events.filter((e) => e.type === 'iteration');
    expect(its.map((e) => (e.type === 'iteration' ? e.iteration : 0))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(its.every((e) => e.rank === 7)).toBe(true);
    expect(events.find((e) => e.type === 'run_start')).toMatchObject({ rank: 0, config: { worldSize: 16 } });
    expect(events.filter((e) => e.type === 'exit')).toMatchObject([{ reason: 'train_done', iteration: 20 }]);
    expect((await shell.exec(['cat', `${runDir}/ckpt/latest`])).stdout).toBe('global_step20');
  });

  it('runs the demo run config rendered from the fake-trainer template: main_log.txt where the template says, kill switch in step', async () => {
    const out = mkdtempSync(join(tmpdir(), 'render-'));
    execFileSync(
      'npx',
      [
        'trainboard',
        'render',
        '--preset',
        'demo',
        '--template',
        'fake-trainer',
        '--out',
        out,
        '--fake-trainer',
        TRAINER,
        '--seconds-per-iteration',
        '0.1',
      ],
      { cwd: REPO, stdio: 'pipe' },
    );
    const file = readdirSync(out).find((f) => f.endsWith('.fake.slurm'));
    const script = readFileSync(join(out, file ?? ''), 'utf8');
    const mainLog = /^MAIN_LOG=(\S+)$/m.exec(script)?.[1];
    const killSwitch = /^KILL_SWITCH_PATH=(\S+)$/m.exec(script)?.[1];
    expect([mainLog, killSwitch]).toEqual([expect.any(String), expect.any(String)]);
    const dir = `${runDir}/demo`;
    await shell.exec(['mkdir', '-p', dir]);
    // The template asks 4 CPUs per node: the three nodes the 1-CPU time-limit job leaves whole.
    const id = await submit({ script, chdir: dir, nodes: 3 });
    await watchJob(slurm, id, (j) => j.state === 'RUNNING');
    const log = `${dir}/${mainLog}`;
    for (let t = 0; t < 100 && !/ iteration +10\//.test((await shell.exec(['cat', log])).stdout); t++) await sleep(200);
    await shell.exec(['touch', `${dir}/${killSwitch}`]);
    const { job } = await watchJob(slurm, id, (j) => isTerminalState(j.state));
    expect(job).toMatchObject({ state: 'COMPLETED', exitCode: 0, nodeCount: 3 });
    const events = parse(await readRemote(log));
    const its = events.flatMap((e) => (e.type === 'iteration' ? [e.iteration] : []));
    const saved = events.flatMap((e) => (e.type === 'checkpoint_saved' ? [e.iteration] : []));
    const exits = events.filter((e) => e.type === 'exit');
    expect(exits).toMatchObject([{ reason: 'kill_switch' }]);
    // Every node stopped at the same iteration: the last one printed is the one rank 0 saved before exiting.
    expect(saved.at(-1)).toBe(Math.max(...its));
    expect(new Set(its).size).toBe(its.length);
    expect(events.find((e) => e.type === 'run_start')).toMatchObject({ config: { worldSize: 12 } });
  });

  it('ends a crashing trainer FAILED with its exit code, and history agrees', async () => {
    const id = await submit({
      script: trainerScript([
        '--train-iters',
        '50',
        '--seconds-per-iteration',
        '0.05',
        '--fault',
        'crash',
        '--fault-at-iteration',
        '3',
      ]),
      name: 'crasher',
      exclude: 'c4',
      output: `${runDir}/%x-%j.out`,
    });
    const { job } = await watchJob(slurm, id, (j) => isTerminalState(j.state));
    expect(job).toMatchObject({ state: 'FAILED', reason: 'NonZeroExitCode', exitCode: 1 });
    const log = await readRemote(`${runDir}/crasher-${id}.out`);
    expect(log).toContain('[default3]:  what():  CUDA error: unknown error');
    expect(
      parse(log)
        .filter((e) => e.type === 'failure')
        .map((e) => (e.type === 'failure' ? e.kind : '')),
    ).toContain('cuda_error');
    const hist = await slurm.history({ jobIds: [id] });
    if (c.accounting === 'slurmdbd') {
      expect(hist).toMatchObject({ source: 'accounting', note: null });
    } else {
      expect(hist.source).toBe('jobcomp');
      expect(hist.note).toMatch(/no accounting database/);
    }
    expect(hist.records).toMatchObject([{ id, state: 'FAILED', exitCode: 1 }]);
  });

  it('cancels a running job: CANCELLED', async () => {
    const id = await submit({
      script: '#!/bin/bash\nsleep 300\n',
      name: 'cancelme',
      exclude: 'c4',
      output: `${runDir}/%x-%j.out`,
    });
    await watchJob(slurm, id, (j) => j.state === 'RUNNING');
    await slurm.cancel([id]);
    const { job } = await watchJob(slurm, id, (j) => isTerminalState(j.state));
    expect(job.state).toBe('CANCELLED');
  });

  it('resubmits the script of an earlier job with new options', async () => {
    const first = await submit({
      script: '#!/bin/bash\necho first-script\n',
      name: 'orig',
      exclude: 'c4',
      output: `${runDir}/%x-%j.out`,
    });
    await watchJob(slurm, first, (j) => isTerminalState(j.state));
    const { jobId: again } = await slurm.resubmit(first, {
      name: 'again',
      exclude: 'c3,c4',
      output: `${runDir}/%x-%j.out`,
    });
    submitted.push(again);
    expect(again).not.toBe(first);
    const { job } = await watchJob(slurm, again, (j) => isTerminalState(j.state));
    expect(job).toMatchObject({ state: 'COMPLETED', name: 'again' });
    expect(job.nodes).not.toContain('c3');
    expect(await readRemote(`${runDir}/again-${again}.out`)).toBe('first-script\n');
  });

  it('runs an array with %1 one member at a time', async () => {
    const id = await submit({
      script: '#!/bin/bash\nsleep 2\n',
      name: 'arr',
      array: '1-3%1',
      exclude: 'c4',
      output: `${runDir}/%x-%A_%a.out`,
    });
    let maxRunning = 0;
    let sawThrottle = false;
    for (let t = 0; t < 120; t++) {
      const { jobs } = await slurm.status([id]);
      maxRunning = Math.max(maxRunning, jobs.filter((j) => j.state === 'RUNNING').length);
      sawThrottle ||= jobs.some((j) => j.state === 'PENDING' && j.reason === 'JobArrayTaskLimit');
      if (jobs.length === 3 && jobs.every((j) => isTerminalState(j.state))) {
        const members = jobs.sort((a, b) => Number(a.arrayTaskId) - Number(b.arrayTaskId));
        expect(members.map((j) => [j.arrayJobId, j.arrayTaskId, j.state])).toEqual([
          [id, '1', 'COMPLETED'],
          [id, '2', 'COMPLETED'],
          [id, '3', 'COMPLETED'],
        ]);
        for (let i = 1; i < 3; i++) expect(members[i]!.startTime! >= members[i - 1]!.endTime!).toBe(true);
        break;
      }
      await sleep(250);
    }
    expect(maxRunning).toBe(1);
    expect(sawThrottle).toBe(true);
  });

  it('reports NODE_FAIL when a node crashes under a job, shows the node down, then gets it back', async () => {
    const id = await submit({
      script: trainerScript(['--train-iters', '100000', '--seconds-per-iteration', '0.2']),
      name: 'victim',
      nodelist: 'c4',
      requeue: false,
      output: `${runDir}/%x-%j.out`,
    });
    await watchJob(slurm, id, (j) => j.state === 'RUNNING');
    await sleep(1000); // let the trainer start printing
    devClusterCommand('fault', 'crash', 'c4');
    try {
      const { job } = await watchJob(slurm, id, (j) => isTerminalState(j.state), 90_000);
      expect(job).toMatchObject({ state: 'NODE_FAIL', nodes: ['c4'] });
      let c4 = (await slurm.nodes()).find((n) => n.name === 'c4');
      for (let t = 0; t < 60 && c4?.state !== 'down'; t++) {
        await sleep(500);
        c4 = (await slurm.nodes()).find((n) => n.name === 'c4');
      }
      expect(c4).toMatchObject({ state: 'down', notResponding: true });
    } finally {
      devClusterCommand('fault', 'restart', 'c4');
    }
    let back = '';
    for (let t = 0; t < 60 && back !== 'idle'; t++) {
      back = (await slurm.nodes()).find((n) => n.name === 'c4')?.state ?? '';
      if (back !== 'idle') await sleep(250);
    }
    expect(back).toBe('idle');
  });

  it('ends a job past its 1-minute limit with TIMEOUT', async () => {
    const { job } = await watchJob(slurm, timeoutJob, (j) => isTerminalState(j.state), 150_000);
    expect(job).toMatchObject({ state: 'TIMEOUT', timeLimitSeconds: 60 });
  });
});
