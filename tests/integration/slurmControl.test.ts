// The control plane's Slurm operations on the real dev cluster: find jobs by their keyed names (live queue and,
// once squeue has forgotten them, history), hold/release, and exclude nodes of a pending job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTerminalState, type JobStatus } from '@trainboard/shared/slurm/types';
import { SlurmBackend } from '../../server/src/adapters/slurmBackend.js';
import type { ExecOptions, Shell, ShellResult } from '../../server/src/adapters/shell.js';
import type { SshShell } from '../../server/src/adapters/sshShell.js';
import { ClusterRegistry } from '../../server/src/clusters/clusterRegistry.js';
import { openDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { backend, devCluster, devClusterRow, sleep, watchJob } from './cluster.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const tag = `ctl${process.pid}x${Date.now().toString(36)}`;
const runDir = `${c.jobsDir}/control-${tag}`;
const submitted: string[] = [];

/** squeue after MinJobAge (3600 s here): it no longer knows finished jobs by name. Every other command is real. */
class ForgetfulQueue implements Shell {
  constructor(private readonly inner: Shell) {}
  get target() {
    return this.inner.target;
  }
  exec(argv: readonly string[], options?: ExecOptions): Promise<ShellResult> {
    if (argv[0] === 'squeue' && argv.some((a) => a.startsWith('--name=')))
      return Promise.resolve({ stdout: '', stderr: '', code: 0, signal: null });
    return this.inner.exec(argv, options);
  }
  close() {
    return Promise.resolve();
  }
}

async function submit(spec: Omit<Parameters<typeof slurm.submit>[0], 'output'>): Promise<string> {
  const { jobId } = await slurm.submit({ output: `${runDir}/%x-%j.out`, ...spec });
  submitted.push(jobId);
  return jobId;
}

async function showJob(id: string): Promise<string> {
  const r = await shell.exec(['scontrol', '--oneliner', 'show', 'job', id]);
  expect(r.code).toBe(0);
  return r.stdout;
}

async function until<T>(what: string, get: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

beforeAll(async () => {
  expect((await shell.exec(['mkdir', '-p', runDir])).code).toBe(0);
});

afterAll(async () => {
  const { jobs } = await slurm.status(submitted);
  const live = jobs.filter((j) => !isTerminalState(j.state)).map((j) => j.jobId);
  if (live.length) await slurm.cancel(live);
  await slurm.close();
});

describe('Slurm control operations on the dev cluster', () => {
  it('finds a job by its keyed name while queued and after it finished, in squeue and in history', async () => {
    const name = `${tag}.tb.test.1`;
    const id = await submit({ script: '#!/bin/bash\nsleep 1\nexit 3\n', name, comment: 'tb.test.1' });
    const live = await slurm.lookupByNames([name, `${tag}.tb.test.404`]);
    expect(live.get(name)?.map((j) => j.id)).toEqual([id]);
    expect(live.get(`${tag}.tb.test.404`)).toEqual([]);
    const comment = await shell.exec(['squeue', '--noheader', `--jobs=${id}`, '--states=all', '--format=%k']);
    expect(comment.stdout.trim()).toBe('tb.test.1');

    await watchJob(slurm, id, (j) => isTerminalState(j.state));
    const finished = await slurm.lookupByNames([name]);
    expect(finished.get(name)).toMatchObject([{ id, state: 'FAILED', exitCode: 3 }]);

    // The same lookup once squeue has forgotten the job: it comes from the job completion file.
    const forgetful = new SlurmBackend(new ForgetfulQueue(shell));
    const fromHistory = await until('the job in history', async () => {
      const found = (await forgetful.lookupByNames([name])).get(name) ?? [];
      return found.length ? found : undefined;
    });
    expect(fromHistory).toMatchObject([{ id, name, state: 'FAILED', exitCode: 3 }]);
  });

  it('holds a pending chain member and releases it; it then runs', async () => {
    const first = await submit({ script: '#!/bin/bash\nsleep 300\n', name: `${tag}-first` });
    const second = await submit({
      script: '#!/bin/bash\necho second\n',
      name: `${tag}-second`,
      dependency: `afterany:${first}`,
    });
    await slurm.hold([second]);
    expect(await showJob(second)).toMatch(/ Priority=0 /);
    await slurm.cancel([first]);
    await watchJob(slurm, first, (j) => isTerminalState(j.state));
    await sleep(1_000); // a held job would have had time to start
    const held = (await slurm.status([second])).jobs[0] as JobStatus;
    expect(held).toMatchObject({ state: 'PENDING', reason: 'JobHeldUser' });
    await slurm.release([second]);
    const { job } = await watchJob(slurm, second, (j) => isTerminalState(j.state));
    expect(job.state).toBe('COMPLETED');
  });

  it('changes the excluded nodes of a pending job; it runs on the node left', async () => {
    const id = await submit({ script: '#!/bin/bash\nhostname\n', name: `${tag}-exclude`, hold: true });
    await slurm.updateExclude([id], 'c[1-3]');
    expect(await showJob(id)).toMatch(/ ExcNodeList=c\[1-3\] /);
    await slurm.release([id]);
    const { job } = await watchJob(slurm, id, (j) => isTerminalState(j.state));
    expect(job).toMatchObject({ state: 'COMPLETED', nodes: ['c4'] });
  });

  it('serves every caller of a cluster row over one reused SSH connection', async () => {
    const conn = openDatabase(':memory:');
    const repos = createRepositories(conn.sqlite);
    repos.clusters.insert(devClusterRow(c, runDir));
    const registry = new ClusterRegistry({ repo: repos.clusters });
    try {
      const first = registry.get('dev');
      await first.backend.nodes();
      await registry.get('dev').backend.lookupByNames([`${tag}.none`]);
      await registry.get('dev').files.touch(`${runDir}/touched`);
      expect(registry.get('dev')).toBe(first);
      expect((first.shell as SshShell).connectionsOpened).toBe(1);
    } finally {
      await registry.closeAll();
      conn.close();
    }
  });

  it('refuses a hostile node list before anything reaches the cluster', async () => {
    await expect(slurm.updateExclude(['1'], 'c1;touch /tmp/x')).rejects.toThrow(/node list/);
    await expect(slurm.hold(['1;touch /tmp/x'])).rejects.toThrow(/job id/);
  });
});
