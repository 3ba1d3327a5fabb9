import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalExecutor } from '../adapters/localExecutor.js';
import { SshShell } from '../adapters/sshShell.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import { buildCluster } from '../testing/builders.js';
import { ClusterRegistry, sshOptionsOf, UnknownClusterError } from './clusterRegistry.js';

let dir: string;
let conn: OpenDatabase;
let repos: Repositories;
let registry: ClusterRegistry;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cluster-registry-'));
  conn = openDatabase(':memory:');
  repos = createRepositories(conn.sqlite);
  registry = new ClusterRegistry({ repo: repos.clusters });
});
afterEach(async () => {
  await registry.closeAll();
  conn.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('ClusterRegistry', () => {
  it('gives one handle per cluster, by name or id, and a new one after invalidate', async () => {
    const row = buildCluster(repos, { name: 'dev', host: 'login', sshUser: 'me', knownHostsPath: '/kh' });
    const a = registry.get('dev');
    expect(registry.get(row.id)).toBe(a);
    expect(a.shell).toBeInstanceOf(SshShell);
    expect(a.shell.target).toBe('me@login:2222');
    await registry.invalidate('dev');
    expect(registry.get('dev')).not.toBe(a);
    expect(() => registry.get('nope')).toThrow(UnknownClusterError);
  });

  it('serves the local row with the local executor on its jobs root', () => {
    repos.clusters.ensureLocal(dir);
    const local = registry.get('local');
    expect(local.backend).toBeInstanceOf(LocalExecutor);
    expect(local.shell.target).toBe('local');
  });

  it('refuses a disabled cluster', () => {
    buildCluster(repos, { name: 'old', host: 'h', sshUser: 'u', knownHostsPath: '/kh', disabledAt: 1 });
    expect(() => registry.get('old')).toThrow(UnknownClusterError);
  });

  it('maps a row to SSH options: agent or key, known_hosts or fingerprint', () => {
    const row = buildCluster(repos, {
      name: 'agent',
      host: 'h',
      port: 2222,
      sshUser: 'u',
      auth: 'agent',
      privateKeyPath: null,
      knownHostsPath: null,
      hostFingerprint: 'SHA256:abc',
    });
    expect(sshOptionsOf(row)).toEqual({
      host: 'h',
      port: 2222,
      username: 'u',
      useAgent: true,
      hostFingerprint: 'SHA256:abc',
    });
  });
});
