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

describe('ApiTokensRepo', () => {
  it('finds a live token with its user by hash; revoked, expired or disabled-user tokens are not found', () => {
    const repos = repositories();
    const user = buildUser(repos, { role: 'admin' });
    const live = repos.apiTokens.insert({
      userId: user.id,
      name: 'cli',
      tokenHash: 'h1',
      prefix: 'tbt_abcd',
      role: 'viewer',
    });
    const expiring = repos.apiTokens.insert({
      userId: user.id,
      name: 'ci',
      tokenHash: 'h2',
      prefix: 'tbt_efgh',
      role: 'operator',
      expiresAt: 100,
    });
    expect(repos.apiTokens.byHash('h1', 0)).toMatchObject({
      token: { id: live.id, role: 'viewer' },
      user: { id: user.id },
    });
    expect(repos.apiTokens.byHash('h2', 99)?.token.id).toBe(expiring.id);
    expect(repos.apiTokens.byHash('h2', 100)).toBeUndefined();
    expect(repos.apiTokens.list(user.id).map((t) => t.id)).toEqual([expiring.id, live.id]);
    expect(JSON.stringify(repos.apiTokens.list())).not.toContain('h1');
    repos.users.update(user.id, { disabledAt: 1 });
    expect(repos.apiTokens.byHash('h1', 0)).toBeUndefined();
    repos.users.update(user.id, { disabledAt: null });
    expect(repos.apiTokens.revoke(live.id, 50)).toBe(true);
    expect(repos.apiTokens.revoke(live.id, 60)).toBe(false);
    expect(repos.apiTokens.byHash('h1', 0)).toBeUndefined();
    repos.apiTokens.touchUsed(expiring.id, 42);
    expect(repos.apiTokens.get(expiring.id)?.lastUsedAt).toBe(42);
  });
});
