import { afterEach, describe, expect, it } from 'vitest';
import { buildRun } from '../testing/builders.js';
import { openDatabase, type OpenDatabase } from './client.js';
import type { BeginSubmit } from './jobs.repo.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function setup(): { repos: Repositories; runId: number; clusterId: number } {
  conn = openDatabase(':memory:');
  const repos = createRepositories(conn.sqlite);
  const run = buildRun(repos);
  return { repos, runId: run.runId, clusterId: run.clusterId! };
}

const keys = (install: string) => (id: number) => ({
  idemKey: `tb.${install}.${id}`,
  schedName: `run.tb.${install}.${id}`,
});

function submitOf(runId: number, clusterId: number, over: Partial<BeginSubmit> = {}): BeginSubmit {
  return {
    runId,
    clusterId,
    chainSeq: 1,
    dependsOn: null,
    exclude: null,
    reason: 'initial',
    actionId: null,
    keys: keys('abc123'),
    now: 1_000,
    ...over,
  };
}

describe('JobsRepo submit protocol', () => {
  it('beginSubmit commits a submitting row carrying its key and job name, without a scheduler id', () => {
    const { repos, runId, clusterId } = setup();
    const begun = repos.jobs.beginSubmit(submitOf(runId, clusterId, { dependsOn: '41', exclude: 'c4' }));
    expect(begun).toEqual({ id: begun.id, idemKey: `tb.abc123.${begun.id}`, schedName: `run.tb.abc123.${begun.id}` });
    expect(repos.jobs.byIdemKey(begun.idemKey)).toMatchObject({
      id: begun.id,
      runId,
      clusterId,
      phase: 'submitting',
      state: 'SUBMITTING',
      schedulerJobId: null,
      chainSeq: 1,
      dependsOn: '41',
      exclude: 'c4',
      reason: 'initial',
      submitAttempts: 1,
      submitStartedAt: 1_000,
    });
    expect(repos.jobs.submitting().map((j) => j.id)).toEqual([begun.id]);
    // The dashboard lists only jobs the scheduler knows.
    expect(repos.jobs.ofRun(runId)).toEqual([]);
  });

  it('gives every row its own key, and a colliding key leaves no row behind', () => {
    const { repos, runId, clusterId } = setup();
    const a = repos.jobs.beginSubmit(submitOf(runId, clusterId));
    const b = repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 2 }));
    expect(a.idemKey).not.toBe(b.idemKey);
    const collide = () => ({ idemKey: a.idemKey, schedName: 'x' });
    expect(() => repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 3, keys: collide }))).toThrow(/UNIQUE/);
    expect(repos.jobs.controlOfRun(runId).map((j) => j.idemKey)).toEqual([a.idemKey, b.idemKey]);
  });

  it('markSubmitted records the scheduler id; recordStatus reports only real changes', () => {
    const { repos, runId, clusterId } = setup();
    const { id } = repos.jobs.beginSubmit(submitOf(runId, clusterId));
    repos.jobs.markSubmitted(id, '1234', 2_000);
    expect(repos.jobs.byId(id)).toMatchObject({
      phase: 'submitted',
      schedulerJobId: '1234',
      state: 'PENDING',
      submittedAt: 2_000,
    });
    expect(repos.jobs.recordStatus(id, { state: 'PENDING' })).toBe(false);
    expect(repos.jobs.recordStatus(id, { state: 'RUNNING', nodeList: 'c1', startedAt: 3_000 })).toBe(true);
    expect(repos.jobs.recordStatus(id, { state: 'RUNNING' })).toBe(false); // undefined fields are kept
    // Every tick reports "running, seen now": the first sighting stays, and an unchanged job is no change (a change
    // bumps the run's version, which would refuse every operator's confirmation while a job runs).
    expect(repos.jobs.recordStatus(id, { state: 'RUNNING', nodeList: 'c1', startedAt: 9_000 })).toBe(false);
    expect(repos.jobs.byId(id)).toMatchObject({ state: 'RUNNING', nodeList: 'c1', startedAt: 3_000 });
    expect(repos.jobs.ofRun(runId)).toEqual([
      {
        jobId: '1234',
        state: 'RUNNING',
        nodeList: 'c1',
        exitCode: null,
        submittedAt: 2_000,
        startedAt: 3_000,
        endedAt: null,
        reason: 'initial',
      },
    ]);
    expect(repos.jobs.last(runId)).toEqual({ jobId: '1234', state: 'RUNNING', nodeList: 'c1' });
  });

  it('activeOfRun holds submitting and live jobs, not terminal, lost or duplicate ones', () => {
    const { repos, runId, clusterId } = setup();
    const done = repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 1 }));
    const lost = repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 2 }));
    const dup = repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 2 }));
    const live = repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 2 }));
    const pending = repos.jobs.beginSubmit(submitOf(runId, clusterId, { chainSeq: 3 }));
    repos.jobs.markSubmitted(done.id, '10');
    repos.jobs.recordStatus(done.id, { state: 'FAILED', exitCode: 1 });
    repos.jobs.markLost(lost.id);
    repos.jobs.markDuplicate(dup.id, '12');
    repos.jobs.markSubmitted(live.id, '11');
    expect(repos.jobs.activeOfRun(runId).map((j) => j.id)).toEqual([live.id, pending.id]);
    expect(repos.jobs.byId(dup.id)).toMatchObject({ phase: 'duplicate_cancelled', state: 'CANCELLED' });
    expect(repos.jobs.submitting().map((j) => j.id)).toEqual([pending.id]);
  });

  it('beginSubmit inside an outer transaction (the controller checks its lease there) rolls back with it', () => {
    const { repos, runId, clusterId } = setup();
    expect(() =>
      repos.transaction(() => {
        repos.jobs.beginSubmit(submitOf(runId, clusterId));
        throw new Error('lease lost');
      }),
    ).toThrow('lease lost');
    expect(repos.jobs.controlOfRun(runId)).toEqual([]);
  });
});
