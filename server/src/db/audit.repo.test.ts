import { afterEach, describe, expect, it } from 'vitest';
import { buildRun, buildUser } from '../testing/builders.js';
import type { NewAuditEntry } from './audit.repo.js';
import { openDatabase, type OpenDatabase } from './client.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function repositories(): Repositories {
  conn = openDatabase(':memory:');
  return createRepositories(conn.sqlite);
}

const entry = (over: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  atMs: 1_000,
  actorKind: 'user',
  actorName: 'alice',
  action: 'run.cancel',
  result: 'requested',
  ...over,
});

describe('AuditRepo', () => {
  it('append then finish records the outcome and keeps fields finish does not set', () => {
    const repos = repositories();
    const id = repos.audit.append(entry({ command: 'scancel 1234', requestId: 'r-1', details: { jobs: ['1234'] } }));
    repos.audit.finish(id, { result: 'failed', errorCode: 'cluster_error', message: 'the cluster did not answer' });
    expect(repos.audit.list({})).toEqual([
      expect.objectContaining({
        id,
        actorName: 'alice',
        action: 'run.cancel',
        command: 'scancel 1234',
        requestId: 'r-1',
        result: 'failed',
        errorCode: 'cluster_error',
        message: 'the cluster did not answer',
        details: { jobs: ['1234'] },
      }),
    ]);
  });

  it('append and finish inside transaction() roll back together with the effect when the transaction throws', () => {
    const repos = repositories();
    const { runId } = buildRun(repos);
    expect(() =>
      repos.transaction(() => {
        const id = repos.audit.append(entry({ runId }));
        expect(repos.runControl.setDesired(runId, { desiredState: 'stopped' }, 1)).toBe('ok');
        repos.audit.finish(id, { result: 'ok' });
        throw new Error('lease lost');
      }),
    ).toThrow('lease lost');
    expect(repos.audit.list({})).toEqual([]);
    expect(repos.runControl.get(runId)).toMatchObject({ desiredState: 'active', version: 1 });

    const id = repos.transaction(() => {
      const auditId = repos.audit.append(entry({ runId }));
      repos.runControl.setDesired(runId, { desiredState: 'stopped' }, 1);
      repos.audit.finish(auditId, { result: 'ok' });
      return auditId;
    });
    expect(repos.audit.list({ runId })).toEqual([expect.objectContaining({ id, result: 'ok' })]);
    expect(repos.runControl.get(runId)?.desiredState).toBe('stopped');
  });

  it('lists newest first, filtered by run and actor, paged by id, with the limit capped at 200', () => {
    const repos = repositories();
    const { runId } = buildRun(repos);
    const ids = Array.from({ length: 205 }, (_, i) =>
      repos.audit.append(entry({ atMs: i, actorName: i % 2 ? 'bob' : 'alice', runId: i < 3 ? runId : null })),
    );
    expect(repos.audit.list({ limit: 1_000 })).toHaveLength(200);
    expect(repos.audit.list({ runId }).map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(repos.audit.list({ runId, actor: 'bob' }).map((r) => r.id)).toEqual([ids[1]]);
    expect(repos.audit.list({ before: ids[2], limit: 2 }).map((r) => r.id)).toEqual([ids[1], ids[0]]);
  });

  it('keeps the actor name snapshot when the user is deleted', () => {
    const repos = repositories();
    const user = buildUser(repos, { username: 'carol' });
    repos.audit.append(entry({ actorName: 'carol', userId: user.id, action: 'user.add', result: 'ok' }));
    repos.users.remove(user.id);
    expect(repos.audit.list({ actor: 'carol' })).toEqual([
      expect.objectContaining({ userId: null, actorName: 'carol' }),
    ]);
  });
});
