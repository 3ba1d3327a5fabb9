import { afterEach, describe, expect, it } from 'vitest';
import { buildCluster, buildRun } from '../testing/builders.js';
import { ClusterInUseError } from './clusters.repo.js';
import { openDatabase, type OpenDatabase } from './client.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function repositories(): Repositories {
  conn = openDatabase(':memory:');
  return createRepositories(conn.sqlite);
}

describe('ClustersRepo', () => {
  it('inserts, reads, updates and lists clusters; settings round-trip as JSON', () => {
    const repos = repositories();
    const c = buildCluster(repos, { name: 'dev', settings: { logRoot: '/logs' } });
    expect(repos.clusters.byName('dev')).toEqual(c);
    expect(c).toMatchObject({ kind: 'slurm', host: '127.0.0.1', port: 2222, settings: { logRoot: '/logs' } });
    expect(repos.clusters.update('dev', { defaultPartition: 'gpu', defaultQos: null }, 77)).toBe(true);
    expect(repos.clusters.byId(c.id)).toMatchObject({ defaultPartition: 'gpu', defaultQos: null, updatedAt: 77 });
    expect(repos.clusters.update('nope', { defaultPartition: 'gpu' })).toBe(false);
    expect(repos.clusters.list().map((r) => r.name)).toEqual(['dev']);
  });

  it('an SSH cluster pins its host key exactly one way', () => {
    const repos = repositories();
    expect(() => buildCluster(repos, { knownHostsPath: null })).toThrow(/CHECK/);
    expect(() => buildCluster(repos, { hostFingerprint: 'SHA256:abc' })).toThrow(/CHECK/);
    expect(buildCluster(repos, { knownHostsPath: null, hostFingerprint: 'SHA256:abc' }).hostFingerprint).toBe(
      'SHA256:abc',
    );
  });

  it('ensureLocal creates the local row once', () => {
    const repos = repositories();
    const first = repos.clusters.ensureLocal('/tmp/jobs');
    expect(first).toMatchObject({ name: 'local', kind: 'local', jobsRoot: '/tmp/jobs', host: null });
    expect(repos.clusters.ensureLocal('/elsewhere')).toEqual(first);
  });

  it('remove refuses a cluster that runs reference, and deletes an unused one', () => {
    const repos = repositories();
    const used = buildCluster(repos, { name: 'used' });
    buildRun(repos, { clusterId: used.id });
    buildCluster(repos, { name: 'spare' });
    expect(() => repos.clusters.remove('used')).toThrow(ClusterInUseError);
    expect(repos.clusters.remove('spare')).toBe(true);
    expect(repos.clusters.list().map((r) => r.name)).toEqual(['used']);
  });
});
