// The first-run path of `scripts/dev-cluster up`, as on a fresh machine: a test user that has never existed and a
// cluster folder that does not exist yet (the README's `npm test` once died here, writing the user's marker into a
// folder not yet made). A second, one-node cluster on other ports with its own ledger runs beside the shared one,
// submits a job over SSH, then `reset` must leave no user, folder or process behind.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SlurmBackend } from '../../server/src/adapters/slurmBackend.js';
import { SshShell } from '../../server/src/adapters/sshShell.js';
import { DEV_CLUSTER, type DevCluster, devCluster, sshOptions, watchJob } from './cluster.js';

const tag = randomBytes(4).toString('hex');
const user = `tbfirst${tag}`;
const dir = `/var/lib/trainboard-first-run-${tag}`;
const ledger = `${dir}.ledger`;
const env = {
  ...process.env,
  DEV_CLUSTER_DIR: dir,
  DEV_CLUSTER_USER: user,
  DEV_CLUSTER_LEDGER: ledger,
  DEV_CLUSTER_NODES: '1',
  DEV_CLUSTER_GPUS: '1',
  DEV_CLUSTER_SSH_PORT: '2322',
  DEV_CLUSTER_SLURMCTLD_PORT: '6917',
  DEV_CLUSTER_NODE_PORT_BASE: '6930',
  // /etc/slurm and /usr/local/bin/nvidia-smi belong to the shared cluster the other tests use.
  DEV_CLUSTER_SYSTEM_LINKS: '0',
};
const run = (...args: string[]) =>
  execFileSync('bash', [DEV_CLUSTER, ...args], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 170_000,
  });
const userExists = (name: string) => {
  try {
    execFileSync('getent', ['passwd', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
let shell: SshShell | undefined;
/** The shared cluster's slurmd processes, node by node: the second cluster's up and reset must leave them running. */
const sharedSlurmdAlive = () => {
  const c = devCluster();
  return c.nodes.map((n) => {
    const pidFile = `${c.dir}/run/slurmd-${n}.pid`;
    if (!existsSync(pidFile)) return `${n} no pid file`;
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 0);
      return `${n} alive`;
    } catch {
      return `${n} dead`;
    }
  });
};

afterAll(async () => {
  await shell?.close();
  if (existsSync(ledger)) run('reset');
});

describe('scripts/dev-cluster up on a fresh machine', () => {
  it('creates a never-seen user and folder, runs a job over SSH, and reset removes both', async () => {
    expect(userExists(user)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    const sharedBefore = sharedSlurmdAlive();
    expect(sharedBefore.every((s) => s.endsWith(' alive'))).toBe(true);

    run('up');
    expect(userExists(user)).toBe(true);
    expect(readFileSync(ledger, 'utf8').split('\n')).toEqual(expect.arrayContaining([`user ${user}`, `dir ${dir}`]));

    const c = JSON.parse(readFileSync(`${dir}/cluster.json`, 'utf8')) as DevCluster;
    expect(c.ssh.user).toBe(user);
    shell = new SshShell(sshOptions(c));
    const slurm = new SlurmBackend(shell);
    const out = `${c.jobsDir}/first-run-%j.out`;
    const { jobId } = await slurm.submit({
      script: '#!/bin/bash\necho "hello from $(id -un) on $SLURMD_NODENAME"\n',
      name: 'first',
      output: out,
    });
    const { job } = await watchJob(slurm, jobId, (j) => j.state === 'COMPLETED', 60_000);
    expect(job.state).toBe('COMPLETED');
    const printed = await shell.exec(['cat', out.replace('%j', jobId)]);
    expect(printed.stdout.trim()).toBe(`hello from ${user} on c1`);
    await shell.close();
    shell = undefined;

    run('reset');
    expect(userExists(user)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(ledger)).toBe(false);
    expect(sharedSlurmdAlive()).toEqual(sharedBefore);
    // Nothing of the second cluster survives: none of its ports (sshd, slurmctld, slurmd) is still listening.
    const listening = execFileSync('ss', ['-Hltn'], { encoding: 'utf8' });
    for (const port of [env.DEV_CLUSTER_SSH_PORT, env.DEV_CLUSTER_SLURMCTLD_PORT, '6931'])
      expect(listening).not.toMatch(new RegExp(`:${port}\\b`));
  });
});
