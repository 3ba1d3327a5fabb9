// Passwords, secrets and the session store against express-session's Store contract, on the real repositories.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionData } from 'express-session';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { SqliteSessionStore } from './sessionStore.js';
import { bearerToken, hashSecret, newSecret } from './tokens.js';

describe('passwords', () => {
  it('verifies the right password only, with the parameters in the stored string', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
    expect(await hashPassword('same')).not.toBe(await hashPassword('same')); // salted
  });
});

describe('secrets', () => {
  it('are random, stored as sha256, and accepted only as Bearer tbt_ tokens', () => {
    const s = newSecret('tbt_');
    expect(s).toMatch(/^tbt_[A-Za-z0-9_-]{43}$/);
    expect(hashSecret(s)).toMatch(/^[0-9a-f]{64}$/);
    expect(bearerToken(`Bearer ${s}`)).toBe(s);
    expect(bearerToken(`Basic ${s}`)).toBeNull();
    expect(bearerToken(`Bearer ${newSecret('')}`)).toBeNull();
  });
});

describe('SqliteSessionStore', () => {
  let conn: OpenDatabase;
  let now = 1_000_000;
  let store: SqliteSessionStore;
  beforeEach(() => {
    conn = openDatabase(':memory:');
    store = new SqliteSessionStore(createRepositories(conn.sqlite).sessions, () => now);
  });
  afterEach(() => conn.close());

  const get = (sid: string) =>
    new Promise<SessionData | null | undefined>((resolve, reject) =>
      store.get(sid, (err, s) => (err ? reject(err as Error) : resolve(s))),
    );
  const data = (expiresAt: number): SessionData =>
    ({ cookie: { expires: new Date(expiresAt), originalMaxAge: 1000 }, userId: undefined }) as unknown as SessionData;

  it('stores, reads, touches, expires and destroys sessions keyed by the hash of the id', async () => {
    await new Promise((r) => store.set('sid-1', data(now + 1000), r));
    expect(await get('sid-1')).toMatchObject({ cookie: expect.anything() });
    const row = conn.sqlite.prepare('SELECT sid_hash AS h FROM sessions').get() as { h: string };
    expect(row.h).toBe(hashSecret('sid-1'));
    now += 2000;
    expect(await get('sid-1')).toBeNull(); // expired
    await new Promise((r) => store.touch('sid-1', data(now + 1000), r));
    expect(await get('sid-1')).not.toBeNull(); // touched forward
    await new Promise((r) => store.destroy('sid-1', r));
    expect(await get('sid-1')).toBeNull();
  });
});
