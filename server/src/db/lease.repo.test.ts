import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from './client.js';
import { createLeaseRepo, LeaseLostError } from './lease.repo.js';

const TTL = 15_000;
let conn: OpenDatabase;
afterEach(() => conn.close());

function lease() {
  conn = openDatabase(':memory:');
  return createLeaseRepo(conn.sqlite);
}

describe('LeaseRepo', () => {
  it('grants a free lease with token 1 and refuses a second holder while it is live', () => {
    const repo = lease();
    expect(repo.tryAcquire('controller', 'a', TTL, 1_000)).toEqual({ held: true, token: 1 });
    expect(repo.tryAcquire('controller', 'b', TTL, 1_000 + TTL - 1)).toEqual({ held: false, token: 1 });
    repo.assertHeld('controller', 'a', 1, 1_000 + TTL - 1);
  });

  it('renews for the holder under its token, extending the expiry, and refuses anyone else', () => {
    const repo = lease();
    repo.tryAcquire('controller', 'a', TTL, 0);
    expect(repo.renew('controller', 'a', 1, TTL, 10_000)).toBe(true);
    expect(repo.get('controller')?.expiresAt).toBe(10_000 + TTL);
    // Live past the first expiry because of the renewal.
    expect(repo.tryAcquire('controller', 'b', TTL, TTL + 1)).toEqual({ held: false, token: 1 });
    expect(repo.renew('controller', 'b', 1, TTL, 10_000)).toBe(false);
    expect(repo.renew('controller', 'a', 2, TTL, 10_000)).toBe(false);
  });

  it('re-acquiring a live lease by its holder keeps the token', () => {
    const repo = lease();
    repo.tryAcquire('controller', 'a', TTL, 0);
    expect(repo.tryAcquire('controller', 'a', TTL, 5_000)).toEqual({ held: true, token: 1 });
  });

  it('after expiry another holder takes over with token + 1; the old holder fails assertHeld and renew', () => {
    const repo = lease();
    repo.tryAcquire('controller', 'a', TTL, 0);
    expect(repo.tryAcquire('controller', 'b', TTL, TTL)).toEqual({ held: true, token: 2 });
    expect(() => repo.assertHeld('controller', 'a', 1, TTL)).toThrow(LeaseLostError);
    expect(repo.renew('controller', 'a', 1, TTL, TTL)).toBe(false);
    repo.assertHeld('controller', 'b', 2, TTL);
    // And again: every takeover is a new epoch.
    expect(repo.tryAcquire('controller', 'a', TTL, 3 * TTL)).toEqual({ held: true, token: 3 });
    expect(() => repo.assertHeld('controller', 'b', 2, 3 * TTL)).toThrow(LeaseLostError);
  });

  it('assertHeld throws once the lease expired, even before anyone took it over', () => {
    const repo = lease();
    repo.tryAcquire('controller', 'a', TTL, 0);
    expect(() => repo.assertHeld('controller', 'a', 1, TTL)).toThrow(LeaseLostError);
  });

  it('the same holder re-acquiring after its own expiry gets a new token (its paused tick must not go on)', () => {
    const repo = lease();
    repo.tryAcquire('controller', 'a', TTL, 0);
    expect(repo.tryAcquire('controller', 'a', TTL, TTL + 1)).toEqual({ held: true, token: 2 });
    expect(() => repo.assertHeld('controller', 'a', 1, TTL + 2)).toThrow(LeaseLostError);
  });

  it('release frees the lease at once but keeps the token growing for the next holder', () => {
    const repo = lease();
    repo.tryAcquire('controller', 'a', TTL, 0);
    repo.release('controller', 'b'); // not the holder: no effect
    expect(repo.tryAcquire('controller', 'b', TTL, 1)).toEqual({ held: false, token: 1 });
    repo.release('controller', 'a');
    expect(() => repo.assertHeld('controller', 'a', 1, 2)).toThrow(LeaseLostError);
    expect(repo.tryAcquire('controller', 'b', TTL, 2)).toEqual({ held: true, token: 2 });
  });

  it('assertHeld throws for a lease that never existed', () => {
    const repo = lease();
    expect(() => repo.assertHeld('controller', 'a', 1, 0)).toThrow(LeaseLostError);
  });
});
