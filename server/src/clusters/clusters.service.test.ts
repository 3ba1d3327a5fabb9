import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { buildRun } from '../testing/builders.js';
import { ClusterRegistry } from './clusterRegistry.js';
import { ClustersService, type ClusterActor } from './clusters.service.js';

const KEY_BYTES = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
/** A line from the middle of the key: must never appear in anything the service returns. */
const KEY_LINE = KEY_BYTES.split('\n')[5] ?? '';
const admin: ClusterActor = { kind: 'local', name: 'local:root' };

let dir: string;
let conn: OpenDatabase;
let repos: Repositories;
let registry: ClusterRegistry;
let service: ClustersService;
let input: Record<string, unknown>;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusters-service-'));
  writeFileSync(join(dir, 'id_ed25519'), KEY_BYTES, { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), '');
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  registry = new ClusterRegistry({ repo: repos.clusters });
  service = new ClustersService({ repos, registry, testTimeouts: { connectTimeoutMs: 2_000 } });
  input = {
    name: 'dev',
    kind: 'slurm',
    host: '127.0.0.1',
    port: 2222,
    user: 'slurmci',
    auth: 'key',
    privateKeyPath: join(dir, 'id_ed25519'),
    knownHostsPath: join(dir, 'known_hosts'),
    jobsRoot: '/scratch/jobs',
    defaultPartition: 'debug',
  };
});
afterEach(async () => {
  await registry.closeAll();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ClustersService', () => {
  it('adds a cluster, audited, and lists it: paths for admins only, never key bytes', () => {
    const added = service.add(input, admin);
    expect(added).toMatchObject({ name: 'dev', host: '127.0.0.1', port: 2222, user: 'slurmci', auth: 'key' });
    expect(repos.clusters.byName('dev')).toMatchObject({ sshUser: 'slurmci', jobsRoot: '/scratch/jobs' });
    const publicView = service.list('public');
    expect(publicView).toEqual([
      {
        name: 'dev',
        kind: 'slurm',
        template: 'megatron-deepspeed',
        defaultPartition: 'debug',
        defaultAccount: null,
        defaultQos: null,
        profile: null,
      },
    ]);
    const adminView = JSON.stringify(service.list('admin'));
    expect(adminView).toContain(join(dir, 'id_ed25519'));
    expect(adminView).not.toContain(KEY_LINE);
    expect(adminView).not.toContain('PRIVATE KEY');
    expect(repos.audit.list({})).toMatchObject([
      { action: 'cluster.add', actorKind: 'local', actorName: 'local:root', targetId: 'dev', result: 'ok' },
    ]);
  });

  it('refuses duplicates, hostile values and unreadable key files, storing nothing', () => {
    service.add(input, admin);
    expect(() => service.add(input, admin)).toThrow(expect.objectContaining({ status: 409, code: 'cluster_exists' }));
    for (const [field, value] of [
      ['name', 'x;touch /tmp/x'],
      ['host', '-oProxyCommand=touch /tmp/x'],
      ['user', '$(id)'],
      ['defaultPartition', '`id`'],
      ['jobsRoot', 'relative'],
      ['privateKeyPath', join(dir, 'missing')],
    ] as const) {
      const attempt = () => service.add({ ...input, name: 'other', [field]: value }, admin);
      expect(attempt, `${field}`).toThrow(expect.objectContaining({ status: 400, code: 'invalid_cluster' }));
    }
    expect(repos.clusters.list().map((c) => c.name)).toEqual(['dev']);
    expect(repos.audit.list({})).toHaveLength(1);
  });

  it('updates a cluster, validating the result as a whole, audited', () => {
    service.add(input, admin);
    const fp = `SHA256:${'b'.repeat(43)}`;
    const updated = service.update('dev', { hostFingerprint: fp, knownHostsPath: null, port: 22 }, admin);
    expect(updated).toMatchObject({ hostFingerprint: fp, knownHostsPath: null, port: 22, defaultPartition: 'debug' });
    for (const patch of [
      { host: '-oProxyCommand=x' },
      { knownHostsPath: join(dir, 'known_hosts') },
      { name: 'x' },
      'x',
    ])
      expect(() => service.update('dev', patch, admin)).toThrow(expect.objectContaining({ status: 400 }));
    expect(repos.clusters.byName('dev')).toMatchObject({ host: '127.0.0.1', hostFingerprint: fp });
    expect(repos.audit.list({}).map((a) => a.action)).toEqual(['cluster.update', 'cluster.add']);
  });

  it('removes a cluster (audited), but not local and not one that runs use', () => {
    service.add(input, admin);
    service.add({ ...input, name: 'used' }, admin);
    buildRun(repos, { clusterId: repos.clusters.byName('used')!.id });
    repos.clusters.ensureLocal(dir);
    service.remove('dev', admin);
    expect(repos.clusters.byName('dev')).toBeUndefined();
    expect(() => service.remove('used', admin)).toThrow(
      expect.objectContaining({ status: 409, code: 'cluster_in_use' }),
    );
    expect(() => service.remove('local', admin)).toThrow(expect.objectContaining({ code: 'cluster_reserved' }));
    expect(() => service.remove('nope', admin)).toThrow(expect.objectContaining({ status: 404 }));
    expect(repos.audit.list({}).map((a) => a.action)).toEqual(['cluster.remove', 'cluster.add', 'cluster.add']);
  });

  it('reports an unreachable cluster by kind, naming no key path', async () => {
    const closed = await freePort();
    service.add({ ...input, port: closed }, admin);
    const report = await service.test('dev');
    expect(report).toMatchObject({ ok: false, cluster: 'dev', error: 'connect' });
    expect(JSON.stringify(report)).not.toContain(dir);
    expect(JSON.stringify(report)).not.toContain(KEY_LINE);
  });

  it('reports a key file that became unreadable as a config problem, without its path', async () => {
    service.add(input, admin);
    rmSync(join(dir, 'id_ed25519'));
    const report = await service.test('dev');
    expect(report).toMatchObject({ ok: false, error: 'config' });
    expect(JSON.stringify(report)).not.toContain(dir);
    expect(JSON.stringify(report)).not.toContain(KEY_LINE);
  });

  it('reports a host that presents an unknown host key as host_key, never connecting on trust', async () => {
    const server = await sshLikeServer();
    try {
      const port = (server.address() as { port: number }).port;
      service.add({ ...input, port }, admin);
      const report = await service.test('dev');
      expect(report.ok).toBe(false);
      expect(JSON.stringify(report)).not.toContain(dir);
      expect(JSON.stringify(report)).not.toContain(KEY_LINE);
    } finally {
      server.close();
    }
  });

  it('tests the local cluster without a connection', async () => {
    repos.clusters.ensureLocal(dir);
    const report = await service.test('local');
    expect(report).toMatchObject({ ok: true, cluster: 'local', partitions: [{ name: 'local', nodes: 1 }] });
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Speaks just enough SSH to send a banner, then hangs up: the client never gets to trust anything. */
async function sshLikeServer(): Promise<Server> {
  const s = createServer((socket) => {
    socket.write('SSH-2.0-OpenSSH_9.0\r\n');
    setTimeout(() => socket.destroy(), 100);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
}
