import { afterEach, describe, expect, it } from 'vitest';
import { buildUser } from '../testing/builders.js';
import { openDatabase, type OpenDatabase } from './client.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function repositories(): Repositories {
  conn = openDatabase(':memory:');
  return createRepositories(conn.sqlite);
}

describe('SessionsRepo', () => {
  it('stores, replaces, touches and expires sessions; purgeExpired deletes only expired rows', () => {
    const repos = repositories();
    const user = buildUser(repos);
    repos.sessions.set('s1', null, '{"csrf":"x"}', 1_000, { ip: '127.0.0.1', userAgent: 'a'.repeat(500), now: 0 });
    repos.sessions.set('s1', user.id, '{"user":1}', 2_000, { now: 10 });
    repos.sessions.set('s2', user.id, '{}', 500, { now: 0 });
    expect(repos.sessions.get('s1', 100)).toMatchObject({
      userId: user.id,
      data: '{"user":1}',
      expiresAt: 2_000,
      createdAt: 0,
      lastSeenAt: 10,
      ip: '127.0.0.1',
    });
    expect(repos.sessions.get('s1', 100)?.userAgent).toHaveLength(200);
    expect(repos.sessions.get('s2', 500)).toBeUndefined();
    repos.sessions.touch('s1', 3_000, 20);
    expect(repos.sessions.purgeExpired(2_500)).toBe(1);
    expect(repos.sessions.get('s1', 2_500)).toMatchObject({ expiresAt: 3_000, lastSeenAt: 20 });
    expect(repos.sessions.purgeExpired(3_000)).toBe(1);
    expect(repos.sessions.get('s1', 0)).toBeUndefined();
  });

  it('destroyOfUser signs the user out everywhere, and deleting the user deletes the sessions', () => {
    const repos = repositories();
    const a = buildUser(repos);
    const b = buildUser(repos);
    repos.sessions.set('a1', a.id, '{}', 10_000);
    repos.sessions.set('a2', a.id, '{}', 10_000);
    repos.sessions.set('b1', b.id, '{}', 10_000);
    expect(repos.sessions.destroyOfUser(a.id)).toBe(2);
    repos.users.remove(b.id);
    expect(repos.sessions.get('b1', 0)).toBeUndefined();
  });
});
