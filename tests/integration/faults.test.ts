// Issue 15's fake-trainer faults on the real loopback Slurm, with this checkout's fake trainer and nvidia-smi
// (copied into the test's jobs folder, readable by the cluster user):
// (a) F7: a 2-node job whose first node straggles → a following server names that node as the throughput
//     regression's suspect, from the nodes' (fake) nvidia-smi through a real `srun --overlap` probe;
// (b) F3: a hung 2-node job → SlurmBackend.stackDump sends SIGUSR1 (no py-spy on the nodes), every task's
//     faulthandler dump lands in the log with pretrain_gpt.py frames, the job keeps running, no crash opens;
//     (b2) a job with no srun step: "no step to signal", not a success;
// (c) F2: --bad-node / TRAINBOARD_FAKE_BAD_NODE → a task on that node fails at start-up with the ECC text.
import { chmodSync, copyFileSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { runDetectors } from '@trainboard/shared/detect/runDetectors';
import { createLogParser } from '@trainboard/shared/log/parser';
import { shellQuote } from '@trainboard/shared/slurm/quote';
import { isTerminalState } from '@trainboard/shared/slurm/types';
import type { ExecOptions, Shell } from '../../server/src/adapters/shell.js';
import { registerFollowedFile } from '../../server/src/follow/followedSources.js';
import { slurmGpuProbe } from '../../server/src/nodes/gpuProbe.js';
import type { ServerStack } from '../../server/src/stack.js';
import { startFollowingStack } from '../../server/src/testing/followingStack.js';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { REPO, backend, devCluster, sleep, watchJob } from './cluster.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const runDir = `${c.jobsDir}/faults-${process.pid}-${Date.now()}`;
const bin = `${runDir}/bin`;
const trainer = `${bin}/pretrain_gpt.py`;
const jobs: string[] = [];

/** Runs the probe step's nvidia-smi from `dir` (this checkout's fake) instead of the one the nodes have. */
function withNvidiaSmiFrom(dir: string, inner: Shell): Shell {
  const path = `PATH=${dir}:/usr/local/bin:/usr/bin:/bin`;
  const rewrite = (argv: readonly string[]) => {
    const sh = argv.indexOf('sh');
    return argv[0] === 'srun' && sh > 0 ? [...argv.slice(0, sh), 'env', path, ...argv.slice(sh)] : [...argv];
  };
  return {
    target: inner.target,
    exec: (argv: readonly string[], options?: ExecOptions) => inner.exec(rewrite(argv), options),
    close: () => inner.close(),
  };
}

/** Submits a job running `srun --ntasks-per-node=1 python3 -u <trainer> args`, its output in `log`. */
async function submit(name: string, nodes: number, args: string[], log: string, head = ''): Promise<string> {
  const line = ['python3', '-u', trainer, ...args].map(shellQuote).join(' ');
  const { jobId } = await slurm.submit({
    script: `#!/bin/bash\n${head}srun --ntasks-per-node=1 ${line}\n`,
    name,
    nodes,
    gpusPerNode: 8,
    output: log,
  });
  jobs.push(jobId);
  return jobId;
}

async function running(jobId: string) {
  const { job } = await watchJob(slurm, jobId, (j) => j.state === 'RUNNING' || isTerminalState(j.state), 120_000);
  if (job.state !== 'RUNNING') throw new Error(`job ${jobId} did not start: ${job.state} (${job.reason ?? ''})`);
  return job;
}

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const parse = (text: string) => {
  const p = createLogParser();
  return [...p.push(Buffer.from(text)), ...p.end()];
};
const iterations = (text: string) => parse(text).flatMap((e) => (e.type === 'iteration' ? [e.iteration] : []));

/** Two idle nodes (the bad one first, c2 when it is free): other tests share the cluster. */
async function idlePair(): Promise<[string, string]> {
  const end = Date.now() + 180_000;
  for (;;) {
    const idle = (await slurm.nodes()).filter((n) => n.state === 'idle').map((n) => n.name);
    const ordered = idle.includes('c2') ? ['c2', ...idle.filter((n) => n !== 'c2')] : idle;
    if (ordered.length >= 2) return [ordered[0]!, ordered[1]!];
    if (Date.now() > end) throw new Error(`fewer than two idle nodes for 3 minutes (${idle.join(',')})`);
    await sleep(2000);
  }
}

beforeAll(async () => {
  // Made by the cluster user, so its clean-up can remove what the test copies in.
  await shell.exec(['mkdir', '-p', bin]);
  copyFileSync(`${REPO}/scripts/fake-trainer/pretrain_gpt.py`, trainer);
  copyFileSync(`${REPO}/scripts/fake-trainer/nvidia-smi`, `${bin}/nvidia-smi`);
  chmodSync(trainer, 0o755);
  chmodSync(`${bin}/nvidia-smi`, 0o755);
});

afterAll(async () => {
  if (jobs.length) await slurm.cancel(jobs).catch(() => undefined);
  await shell.exec(['rm', '-rf', runDir]).catch(() => undefined);
  await shell.close();
});

describe('fake-trainer faults on the loopback Slurm', () => {
  let stack: ServerStack | null = null;
  afterAll(async () => {
    await stack?.stop();
  });

  it('(a) straggler on the first node: the following server names it as the throughput regression suspect', async () => {
    const log = `${runDir}/straggler.log`;
    const jobId = await submit(
      'f7-straggler',
      2,
      [
        '--train-iters',
        '100000',
        '--seconds-per-iteration',
        '0.3',
        '--eval-interval',
        '0',
        '--fault',
        'straggler',
        '--fault-at-iteration',
        '10',
        '--slow-factor',
        '3',
        '--sync-dir',
        `${runDir}/sync`,
      ],
      log,
    );
    const job = await running(jobId);
    const first = job.nodes[0]!;
    stack = await startFollowingStack({
      scheduler: { backend: slurm, gpuProbe: slurmGpuProbe(withNvidiaSmiFrom(bin, shell)), pollMs: 1000 },
    });
    const auth = createTestAuth(stack.authContext);
    const { runId } = registerFollowedFile(stack.conn.db, 'straggler', log);
    stack.conn.sqlite
      .prepare(
        "INSERT INTO jobs (run_id, scheduler_job_id, state, node_list, updated_at) VALUES (?, ?, 'RUNNING', ?, 0)",
      )
      .run(runId, jobId, job.nodeList);
    const regression = async (): Promise<StoredIncident | undefined> => {
      const res = await fetch(`${stack!.url}api/runs/${runId}/incidents`, { headers: auth.headers('viewer') });
      const body = (await res.json()) as { incidents: StoredIncident[] };
      return body.incidents.find((i) => i.kind === 'throughput_regression');
    };
    await expect
      .poll(async () => (await regression())?.details?.suspectNodes, { timeout: 90_000, interval: 1000 })
      .toBe(first);
    const incident = (await regression())!;
    expect(incident.resolvedAtMs).toBeNull();
    expect(incident.iteration).toBe(10);
    expect(incident.suggestedAction).toMatchObject({ kind: 'exclude_and_resubmit', nodes: [first] });
    expect(incident.evidence.map((e) => e.text)).toContain(`GPU 0 on ${first}: SM clock 600 of 1410 MHz, 89 °C`);
    await slurm.cancel([jobId]);
  }, 240_000);

  it('(b) a hung job: stackDump signals USR1, the stacks land in the log, the job runs on, no crash', async () => {
    const log = `${runDir}/hang.log`;
    const jobId = await submit(
      'f3-hang',
      2,
      [
        '--train-iters',
        '100000',
        '--seconds-per-iteration',
        '0.2',
        '--eval-interval',
        '0',
        '--fault',
        'hang',
        '--fault-at-iteration',
        '5',
        '--sync-dir',
        `${runDir}/sync`,
      ],
      log,
    );
    await running(jobId);
    await expect.poll(() => iterations(read(log)).at(-1), { timeout: 60_000, interval: 500 }).toBe(4);
    await sleep(1000);
    const before = read(log);
    expect(before).not.toContain('most recent call first');

    const t = Date.now();
    const report = await slurm.stackDump(jobId);
    expect(report).toMatchObject({ ok: true, method: 'signal' });
    expect(report.detail).toMatch(/^SIGUSR1 sent; stacks are in the log from \d{4}-\d\d-\d\dT/);
    expect(Date.parse(report.detail.split(' from ')[1]!)).toBeGreaterThanOrEqual(t - 1000);
    // Both tasks (one per node) dump their stacks: the main thread hangs in hang_forever, called from train.
    await expect
      .poll(() => read(log).match(/in hang_forever\n/g)?.length ?? 0, { timeout: 20_000, interval: 250 })
      .toBe(2);
    const after = read(log).slice(before.length);
    expect(after).toMatch(/^Current thread 0x[0-9a-f]+ \(most recent call first\):$/m);
    expect(after).toMatch(/^ {2}File ".*pretrain_gpt\.py", line \d+ in train$/m);
    const { jobs: now } = await slurm.status([jobId]);
    expect(now[0]?.state).toBe('RUNNING'); // the dump does not end the job

    const events = parse(read(log));
    expect(events.filter((e) => e.type === 'failure')).toEqual([]);
    expect(runDetectors(events).filter((i) => i.kind === 'crash' || i.kind === 'node_failure')).toEqual([]);
    await slurm.cancel([jobId]);
  }, 240_000);

  it('(b2) training run in the batch shell (no srun step): stackDump says there is no step to signal', async () => {
    const { jobId } = await slurm.submit({
      script: '#!/bin/bash\nsleep 300\n',
      name: 'f3-nostep',
      nodes: 1,
      gpusPerNode: 8,
      output: `${runDir}/nostep.log`,
    });
    jobs.push(jobId);
    await running(jobId);
    expect(await slurm.stackDump(jobId)).toEqual({
      ok: false,
      method: 'none',
      detail: `job ${jobId} has no step to signal (no py-spy dump either)`,
    });
    const { jobs: now } = await slurm.status([jobId]);
    expect(now[0]?.state).toBe('RUNNING');
    await slurm.cancel([jobId]);
  }, 240_000);

  it('(c) the bad node fails at start-up with the ECC text; its peer stops too', async () => {
    const [bad, other] = await idlePair();
    const args = ['--train-iters', '20', '--seconds-per-iteration', '0.1', '--sync-dir', `${runDir}/sync`];
    const one = `${runDir}/bad-one.log`;
    const single = await submit('f2-bad', 1, [...args, '--bad-node', bad], one, `#SBATCH --nodelist=${bad}\n`);
    const pair = `${runDir}/bad-pair.log`;
    const both = await submit(
      'f2-bad-env',
      2,
      args,
      pair,
      `#SBATCH --nodelist=${bad},${other}\nexport TRAINBOARD_FAKE_BAD_NODE=${bad}\n`,
    );
    for (const [id, path] of [
      [single, one],
      [both, pair],
    ] as const) {
      const { job } = await watchJob(slurm, id, (j) => isTerminalState(j.state), 180_000);
      expect(job.state).toBe('FAILED');
      const text = read(path);
      expect(text).toContain('cudaErrorECCUncorrectable: uncorrectable ECC error encountered');
      const failures = parse(text).flatMap((e) => (e.type === 'failure' ? [e.kind] : []));
      expect(failures).toContain('ecc_error');
      // One incident for the job's failure, named by its most specific text.
      expect(runDetectors(parse(text)).map((i) => [i.kind, i.failureKind])).toEqual([['crash', 'ecc_error']]);
      expect(iterations(text)).toEqual([]);
    }
    // Elsewhere the same flag trains normally.
    const ok = `${runDir}/good.log`;
    const good = await submit('f2-good', 1, [...args, '--bad-node', bad], ok, `#SBATCH --exclude=${bad}\n`);
    const { job } = await watchJob(slurm, good, (j) => isTerminalState(j.state), 180_000);
    expect(job.state).toBe('COMPLETED');
    expect(iterations(read(ok))).toHaveLength(20);
  }, 400_000);
});
