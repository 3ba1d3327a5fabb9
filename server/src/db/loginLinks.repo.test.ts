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

describe('LoginLinksRepo', () => {
  it('consume returns the user once; a second consume, an unknown or an expired link returns nothing', () => {
    const repos = repositories();
    const user = buildUser(repos);
    repos.loginLinks.insert('hash-1', user.id, 10_000);
    repos.loginLinks.insert('hash-2', user.id, 10_000);
    expect(repos.loginLinks.consume('hash-1', 5_000)).toBe(user.id);
    expect(repos.loginLinks.consume('hash-1', 5_001)).toBeUndefined();
    expect(repos.loginLinks.consume('unknown', 5_000)).toBeUndefined();
    expect(repos.loginLinks.consume('hash-2', 10_000)).toBeUndefined();
  });
});
