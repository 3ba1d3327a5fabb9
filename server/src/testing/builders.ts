// Test data builders: a user, a cluster and a controlled run written through the real repositories, with defaults
// a test overrides only where its assertion depends on the value.
import type { ClusterRow, NewCluster } from '../db/clusters.repo.js';
import type { Repositories } from '../db/repositories.js';
import type { NewControlledRun, RunControlRow } from '../db/runControl.repo.js';
import type { NewUser, PublicUser } from '../db/users.repo.js';

let sequence = 0;
const next = () => ++sequence;

/** A user (default role operator). The password hash is a placeholder: sign-in tests hash a real password. */
export function buildUser(repos: Pick<Repositories, 'users'>, overrides: Partial<NewUser> = {}): PublicUser {
  return repos.users.insert({
    username: `user${next()}`,
    passwordHash: 'scrypt$test$not-a-real-hash',
    role: 'operator',
    ...overrides,
  });
}

/** An SSH Slurm cluster pinned by a known_hosts file (no key material: paths only). */
export function buildCluster(repos: Pick<Repositories, 'clusters'>, overrides: Partial<NewCluster> = {}): ClusterRow {
  return repos.clusters.insert({
    name: `cluster-${next()}`,
    kind: 'slurm',
    host: '127.0.0.1',
    port: 2222,
    sshUser: 'slurmci',
    auth: 'key',
    privateKeyPath: '/keys/id_ed25519',
    knownHostsPath: '/keys/known_hosts',
    defaultPartition: 'debug',
    template: 'fake-trainer',
    jobsRoot: '/jobs',
    ...overrides,
  });
}

/** A controlled run (desired state active) on `overrides.clusterId`, or on a new cluster. */
export function buildRun(
  repos: Pick<Repositories, 'clusters' | 'runControl'>,
  overrides: Partial<NewControlledRun> = {},
): RunControlRow {
  const name = overrides.name ?? `run-${next()}`;
  const runDir = `/jobs/${name}`;
  return repos.runControl.create({
    name,
    clusterId: overrides.clusterId ?? buildCluster(repos).id,
    ownerId: null,
    script: '#!/bin/bash\necho train\n',
    submitOptions: { partition: 'debug', nodes: 1 },
    runDir,
    logPath: `${runDir}/main_log.txt`,
    killSwitchPath: `${runDir}/kill-switch`,
    trainIters: 200,
    ...overrides,
  });
}
