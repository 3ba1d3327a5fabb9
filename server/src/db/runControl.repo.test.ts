import { afterEach, describe, expect, it } from 'vitest';
import { buildCluster, buildRun, buildUser } from '../testing/builders.js';
import { openDatabase, type OpenDatabase } from './client.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function repositories(): Repositories {
  conn = openDatabase(':memory:');
  return createRepositories(conn.sqlite);
}

describe('RunControlRepo', () => {
  it('creates a run with its desired state at version 1 and lists it as active', () => {
    const repos = repositories();
    const owner = buildUser(repos);
    const run = buildRun(repos, { name: 'gpt-small', ownerId: owner.id, chainLength: 3 });
    expect(repos.runControl.get(run.runId)).toMatchObject({
      name: 'gpt-small',
      ownerId: owner.id,
      desiredState: 'active',
      chainLength: 3,
      maxAutoResubmits: 2,
      version: 1,
      submitOptions: { partition: 'debug', nodes: 1 },
      trainIters: 200,
    });
    // The dashboard's runs repository sees the same row.
    expect(repos.runs.get(run.runId)?.name).toBe('gpt-small');
    expect(repos.runControl.active().map((r) => r.runId)).toEqual([run.runId]);
  });

  it('setDesired applies at the expected version, bumps it, and refuses a stale version', () => {
    const repos = repositories();
    const { runId } = buildRun(repos);
    expect(repos.runControl.setDesired(runId, { desiredState: 'held', excludeNodes: 'c4' }, 1)).toBe('ok');
    expect(repos.runControl.get(runId)).toMatchObject({ desiredState: 'held', excludeNodes: 'c4', version: 2 });
    expect(repos.runControl.setDesired(runId, { desiredState: 'active' }, 1)).toBe('version_conflict');
    expect(repos.runControl.get(runId)).toMatchObject({ desiredState: 'held', version: 2 });
    expect(repos.runControl.setDesired(999, { desiredState: 'active' }, 1)).toBe('version_conflict');
  });

  it('an observed change (bumpVersion, setState) makes an older expectedVersion conflict', () => {
    const repos = repositories();
    const { runId } = buildRun(repos);
    expect(repos.runControl.bumpVersion(runId)).toBe(2);
    expect(repos.runControl.setDesired(runId, { chainLength: 4 }, 1)).toBe('version_conflict');
    expect(repos.runControl.setState(runId, 'running')).toBe(3);
    expect(repos.runControl.setDesired(runId, { chainLength: 4 }, 3)).toBe('ok');
    expect(repos.runControl.get(runId)).toMatchObject({ chainLength: 4, state: 'running', version: 4 });
    expect(repos.runControl.bumpVersion(999)).toBe(0);
  });

  it('active() leaves out done and uncontrolled (imported) runs', () => {
    const repos = repositories();
    const cluster = buildCluster(repos);
    const a = buildRun(repos, { clusterId: cluster.id });
    const b = buildRun(repos, { clusterId: cluster.id, desiredState: 'stopped' });
    const c = buildRun(repos, { clusterId: cluster.id, desiredState: 'done' });
    conn.sqlite.prepare("INSERT INTO runs (name) VALUES ('imported')").run();
    expect(repos.runControl.active().map((r) => r.runId)).toEqual([a.runId, b.runId]);
    expect(c.desiredState).toBe('done');
  });
});
