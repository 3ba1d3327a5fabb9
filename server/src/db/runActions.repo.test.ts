import { afterEach, describe, expect, it } from 'vitest';
import { buildRun } from '../testing/builders.js';
import { openDatabase, type OpenDatabase } from './client.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function repositories(): Repositories {
  conn = openDatabase(':memory:');
  return createRepositories(conn.sqlite);
}

describe('RunActionsRepo', () => {
  it('pending → running once → done; refused rows are finished at insert and never pending', () => {
    const repos = repositories();
    const { runId } = buildRun(repos);
    const commands = [{ argv: ['scancel', '1234'], shell: 'scancel 1234' }];
    const id = repos.runActions.insert({
      runId,
      kind: 'cancel_job',
      params: { jobId: '1234' },
      requestedBy: null,
      commands,
      expectedVersion: 1,
      now: 5,
    });
    const refused = repos.runActions.insert({ runId, kind: 'release', requestedBy: null, state: 'refused', now: 6 });
    expect(repos.runActions.pending().map((a) => a.id)).toEqual([id]);
    expect(repos.runActions.start(id, 7)).toBe(true);
    expect(repos.runActions.start(id, 8)).toBe(false);
    expect(repos.runActions.pending()).toEqual([]);
    repos.runActions.finish(id, 'done', { cancelled: ['1234'] }, 9);
    expect(repos.runActions.get(id)).toMatchObject({
      state: 'done',
      params: { jobId: '1234' },
      commands,
      result: { cancelled: ['1234'] },
      expectedVersion: 1,
      createdAt: 5,
      startedAt: 7,
      finishedAt: 9,
    });
    expect(repos.runActions.get(refused)).toMatchObject({ state: 'refused', finishedAt: 6 });
    expect(repos.runActions.ofRun(runId).map((a) => a.id)).toEqual([refused, id]);
  });
});
