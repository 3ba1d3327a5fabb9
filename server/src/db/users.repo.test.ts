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

describe('UsersRepo', () => {
  it('never lists password hashes, refuses unknown roles and duplicate names, counts active admins', () => {
    const repos = repositories();
    const admin = buildUser(repos, { username: 'alice', role: 'admin' });
    buildUser(repos, { username: 'bob', role: 'viewer' });
    expect(repos.users.list().map((u) => Object.keys(u).includes('passwordHash'))).toEqual([false, false]);
    expect(() => buildUser(repos, { username: 'carol', role: 'root' as never })).toThrow(/CHECK/);
    expect(() => buildUser(repos, { username: 'alice' })).toThrow(/UNIQUE/);
    expect(repos.users.countActiveAdmins()).toBe(1);
    expect(repos.users.update(admin.id, { disabledAt: 5 })).toBe(true);
    expect(repos.users.countActiveAdmins()).toBe(0);
    repos.users.update(admin.id, { disabledAt: null, passwordHash: 'new', role: 'operator' }, 9);
    expect(repos.users.byName('alice')).toMatchObject({
      role: 'operator',
      passwordHash: 'new',
      disabledAt: null,
      passwordChangedAt: 9,
      updatedAt: 9,
    });
    expect(repos.users.count()).toBe(2);
  });
});
