// The argv builders and patterns of the control plane: a hostile value is refused, never passed on.
import { describe, expect, it } from 'vitest';
import { clusterInputSchema } from './cluster.js';
import { buildHoldArgv, buildReleaseArgv, buildUpdateExcludeArgv, validateHostlist } from './scontrol.js';
import { parseSinfoPartitions } from './sinfo.js';
import { buildSqueueByNamesArgv } from './squeue.js';
import { buildSbatchArgv, InvalidSubmitSpecError } from './submit.js';

const HOSTILE = [
  'c1;touch /tmp/x',
  '$(touch /tmp/x)',
  '`touch /tmp/x`',
  "c1'",
  'c1"',
  'c1\nc2',
  'c1 c2',
  'nœud1',
  '--exclude=c1',
  '-oProxyCommand=touch /tmp/x',
  '',
  'c1,',
  'c[1-2;3]',
];

describe('sbatch --comment', () => {
  it('puts the idempotency key in --comment= and refuses anything else', () => {
    const argv = buildSbatchArgv({ script: '#!/bin/bash\n', name: 'run.tb.ab12cd.7', comment: 'tb.ab12cd.7' });
    expect(argv).toEqual(['sbatch', '--parsable', '--job-name=run.tb.ab12cd.7', '--comment=tb.ab12cd.7']);
    for (const comment of [...HOSTILE, 'x'.repeat(101), 'a b', 'a/b'])
      expect(() => buildSbatchArgv({ script: '#!/bin/bash\n', comment }), comment).toThrow(InvalidSubmitSpecError);
  });
});

describe('scontrol builders', () => {
  it('builds hold, release and one update per job', () => {
    expect(buildHoldArgv(['12', '13'])).toEqual(['scontrol', 'hold', '12,13']);
    expect(buildReleaseArgv(['12'])).toEqual(['scontrol', 'release', '12']);
    expect(buildUpdateExcludeArgv(['12', '13_2'], 'c[1-2],c4')).toEqual([
      ['scontrol', 'update', 'JobId=12', 'ExcNodeList=c[1-2],c4'],
      ['scontrol', 'update', 'JobId=13_2', 'ExcNodeList=c[1-2],c4'],
    ]);
  });

  it('refuses hostile node lists and job ids, and empty id lists', () => {
    for (const nodes of HOSTILE) {
      expect(() => buildUpdateExcludeArgv(['12'], nodes), nodes).toThrow(InvalidSubmitSpecError);
      expect(() => validateHostlist(nodes), nodes).toThrow(InvalidSubmitSpecError);
    }
    for (const id of [...HOSTILE, '12 13', '-1', '12;13']) {
      expect(() => buildHoldArgv([id]), id).toThrow(InvalidSubmitSpecError);
      expect(() => buildReleaseArgv([id]), id).toThrow(InvalidSubmitSpecError);
      expect(() => buildUpdateExcludeArgv([id], 'c1'), id).toThrow(InvalidSubmitSpecError);
    }
    expect(() => buildHoldArgv([])).toThrow(/at least one/);
  });
});

describe('squeue by names', () => {
  it('asks for every state of the named jobs, name last in the format', () => {
    expect(buildSqueueByNamesArgv(['a.tb.x.1', 'b'])).toEqual([
      'squeue',
      '--noheader',
      '--states=all',
      '--name=a.tb.x.1,b',
      '--format=%i|%A|%F|%K|%T|%r|%N|%P|%V|%S|%e|%M|%l|%D|%j',
    ]);
  });
  it('refuses names that could split the list or carry a command', () => {
    for (const name of [...HOSTILE, 'a,b', '.hidden'])
      expect(() => buildSqueueByNamesArgv([name]), name).toThrow(InvalidSubmitSpecError);
  });
});

describe('sinfo partitions', () => {
  it('reads the default marker and sums node counts', () => {
    const { partitions, rejected } = parseSinfoPartitions('debug*|0/4/0/4\ngpu|1/2/1/4\ngpu|0/0/2/2\nweird line\n');
    expect(partitions).toEqual([
      { name: 'debug', isDefault: true, nodes: 4 },
      { name: 'gpu', isDefault: false, nodes: 6 },
    ]);
    expect(rejected).toEqual(['weird line']);
  });
});

describe('cluster input', () => {
  const valid = {
    name: 'dev',
    kind: 'slurm',
    host: '127.0.0.1',
    port: 2222,
    user: 'slurmci',
    auth: 'key',
    privateKeyPath: '/keys/id_ed25519',
    knownHostsPath: '/keys/known_hosts',
    jobsRoot: '/scratch/jobs',
  };

  it('accepts a plain cluster and fills defaults', () => {
    expect(clusterInputSchema.parse(valid)).toMatchObject({ ...valid, template: 'megatron-deepspeed' });
    expect(clusterInputSchema.parse({ ...valid, host: 'login-1.example.org' }).host).toBe('login-1.example.org');
    expect(clusterInputSchema.parse({ ...valid, host: 'fe80::1' }).host).toBe('fe80::1');
  });

  it('refuses hostile names, hosts, users, partitions and paths', () => {
    const fields: [string, unknown][] = [
      ...HOSTILE.map((v) => ['name', v] as [string, unknown]),
      ...HOSTILE.map((v) => ['host', v] as [string, unknown]),
      ...HOSTILE.map((v) => ['user', v] as [string, unknown]),
      ...HOSTILE.map((v) => ['defaultPartition', v] as [string, unknown]),
      ...HOSTILE.map((v) => ['defaultAccount', v] as [string, unknown]),
      ['name', 'local'],
      ['name', 'Dev'],
      ['port', 0],
      ['port', 70000],
      ['jobsRoot', 'relative/path'],
      ['jobsRoot', '/a/../etc'],
      ['jobsRoot', '/a\nb'],
      ['privateKeyPath', '/key\0'],
      ['knownHostsPath', '-oProxyCommand=x'],
      ['profile', '../../etc/passwd'],
      ['template', 'bash -c x'],
      ['kind', 'local'],
    ];
    for (const [field, value] of fields) {
      const r = clusterInputSchema.safeParse({ ...valid, [field]: value });
      expect(r.success, `${field}=${JSON.stringify(value)}`).toBe(false);
    }
  });

  it('needs exactly one host-key pin, a key with auth key, a trainer with fake-trainer', () => {
    const fp = 'SHA256:' + 'A'.repeat(43);
    expect(clusterInputSchema.safeParse({ ...valid, hostFingerprint: fp }).success).toBe(false);
    expect(clusterInputSchema.safeParse({ ...valid, knownHostsPath: undefined }).success).toBe(false);
    expect(clusterInputSchema.safeParse({ ...valid, knownHostsPath: undefined, hostFingerprint: fp }).success).toBe(
      true,
    );
    expect(clusterInputSchema.safeParse({ ...valid, privateKeyPath: undefined }).success).toBe(false);
    expect(clusterInputSchema.safeParse({ ...valid, auth: 'agent', privateKeyPath: undefined }).success).toBe(true);
    expect(clusterInputSchema.safeParse({ ...valid, template: 'fake-trainer' }).success).toBe(false);
    expect(clusterInputSchema.safeParse({ ...valid, extra: 1 }).success).toBe(false);
  });
});
