// Hostile input through the control plane's cluster layer, end to end on the real sshd + Slurm: `trainboard cluster
// add/test` (in-process, on a real database file), the remote file helpers and the scheduler-side builders. Every
// value is refused by a pattern before anything runs, or passed as one literal word; a canary file never appears,
// and nothing printed contains key material or the key's path.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidSubmitSpecError } from '@trainboard/shared/slurm/submit';
import { buildUpdateExcludeArgv } from '@trainboard/shared/slurm/scontrol';
import { SlurmBackend } from '../../server/src/adapters/slurmBackend.js';
import { sshFiles } from '../../server/src/adapters/sshFiles.js';
import type { ExecOptions, Shell } from '../../server/src/adapters/shell.js';
import { run as clusterCli } from '../../server/src/cli/commands/cluster.js';
import { openDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { captureIo } from '../../server/src/testing/captureIo.js';
import { backend, devCluster } from './cluster.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const runDir = `${c.jobsDir}/hostile-control-${process.pid}-${Date.now()}`;
const canary = `${runDir}/CANARY`;
const local = mkdtempSync(join(tmpdir(), 'hostile-control-'));
const db = join(local, 'trainboard.db');
const keyLines = readFileSync(c.ssh.privateKeyPath, 'utf8')
  .split('\n')
  .filter((l) => l.length > 20);

const INJECTIONS = [
  `c1;touch ${canary}`,
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `c1'; touch ${canary}; '`,
  `c1"; touch ${canary}; "`,
  `c1\ntouch ${canary}`,
  'nœud-1',
  '--exclude=c1',
  `-oProxyCommand=touch ${canary}`,
  `c1 && touch ${canary}`,
];

/** Counts commands, so that a refused value is shown to have sent nothing. */
class CountingShell implements Shell {
  commands = 0;
  constructor(private readonly inner: Shell) {}
  get target() {
    return this.inner.target;
  }
  exec(argv: readonly string[], options?: ExecOptions) {
    this.commands++;
    return this.inner.exec(argv, options);
  }
  close() {
    return Promise.resolve();
  }
}

const LOCAL_CANARY = 'TB_HOSTILE_CANARY';

async function canaryExists(): Promise<boolean> {
  const remote = await Promise.all([canary, LOCAL_CANARY].map((f) => shell.exec(['test', '-e', f])));
  const here = [canary, LOCAL_CANARY, join(local, LOCAL_CANARY)].some((f) => existsSync(f));
  return here || remote.some((r) => r.code === 0);
}

async function cli(...argv: string[]) {
  const io = captureIo();
  const code = await clusterCli([...argv, '--db', db], io);
  return { code, out: io.out(), err: io.err(), all: io.out() + io.err() };
}

/** The flags of a valid cluster; each test changes one. */
function addArgs(name: string, overrides: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    host: c.ssh.host,
    port: String(c.ssh.port),
    user: c.ssh.user,
    key: c.ssh.privateKeyPath,
    'known-hosts': c.ssh.knownHostsPath,
    'jobs-root': runDir,
    partition: c.partition,
    ...overrides,
  };
  return ['add', name, ...Object.entries(flags).flatMap(([k, v]) => [`--${k}=${v}`])];
}

function storedClusters(): string[] {
  const conn = openDatabase(db);
  try {
    return createRepositories(conn.sqlite)
      .clusters.list()
      .map((r) => r.name);
  } finally {
    conn.close();
  }
}

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(c.ssh.privateKeyPath);
  for (const line of keyLines) expect(text).not.toContain(line);
  expect(text).not.toMatch(/PRIVATE KEY/);
}

beforeAll(async () => {
  expect((await shell.exec(['mkdir', '-p', runDir])).code).toBe(0);
});

afterAll(async () => {
  expect(await canaryExists()).toBe(false);
  await slurm.close();
  rmSync(local, { recursive: true, force: true });
});

describe('trainboard cluster add/test with hostile values (real sshd)', () => {
  it('adds the dev cluster and tests it: host key, partitions, nodes, GPUs; no key material printed', async () => {
    const added = await cli(...addArgs('dev'));
    expect(added.code).toBe(0);
    expectNoSecrets(added.out.replace(`key ${c.ssh.privateKeyPath}`, '')); // the admin's own `add` echo shows the path
    const tested = await cli('test', 'dev');
    expect(tested.code).toBe(0);
    expect(tested.out).toContain(`host key: ${c.ssh.hostFingerprint} (matches the trusted key)`);
    expect(tested.out).toContain(`partitions: ${c.partition} (default): ${c.nodes.length} nodes`);
    expect(tested.out).toMatch(new RegExp(`nodes: ${c.nodes.length} \\(.*\\), ${c.nodes.length * 8} GPUs in total`));
    for (const node of c.nodes) expect(tested.out).toMatch(new RegExp(`^  ${node}  `, 'm'));
    expectNoSecrets(tested.all);
  });

  it('refuses a pinned fingerprint that does not match, naming no key path', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const args = addArgs('pinned', { fingerprint: wrong }).filter((a) => !a.startsWith('--known-hosts='));
    expect((await cli(...args)).code).toBe(0);
    const tested = await cli('test', 'pinned');
    expect(tested.code).toBe(1);
    expect(tested.out).toContain('FAILED (host_key)');
    expectNoSecrets(tested.all);
  });

  it.each([
    ['name', ...INJECTIONS, 'UPPER', 'local'],
    ['host', ...INJECTIONS],
    ['user', ...INJECTIONS],
    ['partition', ...INJECTIONS],
    ['account', ...INJECTIONS],
    ['qos', ...INJECTIONS],
    ['profile', ...INJECTIONS, '../../etc/passwd'],
    ['template', ...INJECTIONS],
    ['port', ...INJECTIONS, '0', '99999'],
    ['jobs-root', `relative;touch ${canary}`, `${runDir}/a\ntouch ${canary}`, `${runDir}/../x`],
    ['fingerprint', ...INJECTIONS],
  ])('refuses a hostile --%s before anything runs', async (flag, ...values) => {
    for (const value of values) {
      const name = flag === 'name' ? value : 'victim';
      const args = flag === 'name' ? addArgs(name) : addArgs(name, { [flag]: value });
      const r = await cli(...(flag === 'fingerprint' ? args.filter((a) => !a.startsWith('--known-hosts=')) : args));
      expect(r.code, `${flag}=${JSON.stringify(value)}`).not.toBe(0);
      expect(r.err).toMatch(/trainboard cluster/);
    }
    expect(storedClusters()).not.toContain('victim');
    expect(await canaryExists()).toBe(false);
  });

  it('passes hostile local file names and remote folders as one literal word', async () => {
    // A key file whose name is a shell injection (no `/` in a file name: the canary is relative to wherever a
    // shell would run it): ssh2 reads the file directly, no shell ever sees the name.
    const hostileKey = join(local, `id $(touch ${LOCAL_CANARY}); \`touch ${LOCAL_CANARY}\` ';touch ${LOCAL_CANARY}'`);
    copyFileSync(c.ssh.privateKeyPath, hostileKey);
    const jobsRoot = `${runDir}/jobs $(touch ${canary}) ';touch ${canary}' ünï`;
    expect((await cli(...addArgs('literal', { key: hostileKey, 'jobs-root': jobsRoot }))).code).toBe(0);
    const tested = await cli('test', 'literal');
    expect(tested.code).toBe(0);
    expect(tested.all).not.toContain(hostileKey);
    // The folder helpers create exactly that folder and file on the cluster.
    await sshFiles.mkdirp(shell, jobsRoot);
    await sshFiles.writeFile(shell, `${jobsRoot}/run.sh`, 'echo $(hostname)\n', 0o750);
    const listed = await shell.exec(['stat', '-c', '%a %n', `${jobsRoot}/run.sh`]);
    expect(listed.stdout.trim()).toBe(`750 ${jobsRoot}/run.sh`);
    await sshFiles.touch(shell, `${jobsRoot}/kill-switch`);
    await sshFiles.remove(shell, `${jobsRoot}/kill-switch`);
    expect((await shell.exec(['test', '-e', `${jobsRoot}/kill-switch`])).code).toBe(1);
    expect(await canaryExists()).toBe(false);
  });

  it('never prints key material when the key cannot be used', async () => {
    const garbage = join(local, 'broken-key');
    copyFileSync(c.ssh.knownHostsPath, garbage);
    expect((await cli(...addArgs('broken', { key: garbage }))).code).toBe(0);
    const tested = await cli('test', 'broken');
    expect(tested.code).toBe(1);
    expect(tested.out).toContain('FAILED (config)');
    expect(tested.all).not.toContain(garbage);
    expectNoSecrets(tested.all);
  });
});

describe('node lists and job names for the scheduler (real Slurm)', () => {
  it('refuses hostile node lists in scontrol update and sbatch before sending anything', async () => {
    const counting = new CountingShell(shell);
    const guarded = new SlurmBackend(counting);
    for (const nodes of INJECTIONS) {
      expect(() => buildUpdateExcludeArgv(['1'], nodes), nodes).toThrow(InvalidSubmitSpecError);
      await expect(guarded.updateExclude(['1'], nodes), nodes).rejects.toThrow(InvalidSubmitSpecError);
      await expect(guarded.submit({ script: '#!/bin/bash\ntrue\n', exclude: nodes }), nodes).rejects.toThrow(
        InvalidSubmitSpecError,
      );
    }
    expect(counting.commands).toBe(0);
    expect(await canaryExists()).toBe(false);
  });

  it('refuses hostile run/job names in lookups and comments in sbatch', async () => {
    const counting = new CountingShell(shell);
    const guarded = new SlurmBackend(counting);
    for (const name of [...INJECTIONS, 'a,b', 'run name']) {
      await expect(guarded.lookupByNames([name]), name).rejects.toThrow(InvalidSubmitSpecError);
      await expect(guarded.submit({ script: '#!/bin/bash\ntrue\n', name }), name).rejects.toThrow(
        InvalidSubmitSpecError,
      );
      await expect(guarded.submit({ script: '#!/bin/bash\ntrue\n', comment: name }), name).rejects.toThrow(
        InvalidSubmitSpecError,
      );
    }
    expect(counting.commands).toBe(0);
  });
});
