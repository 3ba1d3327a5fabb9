import { EventEmitter } from 'node:events';
import type { SFTPWrapper } from 'ssh2';
import { describe, expect, it } from 'vitest';
import { SftpBusyError, SftpPool, type SftpLease } from './sftpPool.js';

/** Stands in for an ssh2 SFTP channel: only what the pool touches (events and end()). */
class FakeChannel extends EventEmitter {
  ended = false;
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close');
  }
}

/** A login node that opens at most `serverLimit` SFTP channels at once and refuses the rest, as MaxSessions does. */
function fakeServer(serverLimit: number) {
  const channels: FakeChannel[] = [];
  const state = { attempts: 0, refused: 0, channels, open: () => channels.filter((c) => !c.ended).length };
  const open = async (): Promise<SFTPWrapper> => {
    state.attempts++;
    await new Promise((r) => setTimeout(r, 1));
    if (state.open() >= serverLimit) {
      state.refused++;
      throw new Error('(SSH) Channel open failure: open failed');
    }
    const ch = new FakeChannel();
    channels.push(ch);
    return ch as unknown as SFTPWrapper;
  };
  return { state, open };
}

/** A request that the fake channel answers on the next tick. */
const ping = (lease: SftpLease) => lease.call<string>((_sftp, done) => setImmediate(() => done(null, 'pong')));
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SFTP channel pool', () => {
  it('never holds more channels than the limit, queues the callers beyond it, and serves them all in turn', async () => {
    const server = fakeServer(10);
    const pool = new SftpPool(server.open, 'test', {
      maxChannels: 3,
      leasesPerChannel: 2,
      maxQueue: 100,
      idleMs: 60_000,
    });
    let maxChannels = 0;
    const served: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const lease = await pool.acquire();
        maxChannels = Math.max(maxChannels, server.state.open());
        expect(pool.stats().leases).toBeLessThanOrEqual(6);
        served.push(await ping(lease));
        await tick();
        lease.release();
      }),
    );
    expect(served).toHaveLength(40);
    expect(maxChannels).toBe(3);
    expect(server.state.attempts).toBe(3);
    pool.destroy(new Error('shut down'));
    expect(server.state.channels.every((c) => c.ended)).toBe(true);
  });

  it('shares the channels it has when the server refuses more, and refuses callers beyond the queue with a clear error', async () => {
    const server = fakeServer(2);
    const pool = new SftpPool(server.open, 'login1', {
      maxChannels: 4,
      leasesPerChannel: 1,
      maxQueue: 5,
      idleMs: 60_000,
    });
    const first = await Promise.all([pool.acquire(), pool.acquire()]);
    const queued = Array.from({ length: 5 }, () => pool.acquire());
    const overflow = await pool.acquire().then(
      () => null,
      (e: unknown) => e,
    );
    expect(overflow).toBeInstanceOf(SftpBusyError);
    expect((overflow as Error).message).toMatch(/too many file reads at once on login1/);
    await tick();
    expect(server.state.refused).toBeGreaterThanOrEqual(1);
    expect(server.state.open()).toBe(2);
    for (const lease of first) lease.release();
    const rest = await Promise.all(queued.slice(0, 2));
    for (const lease of rest) lease.release();
    const next = await Promise.all(queued.slice(2, 4));
    expect(await Promise.all(next.map(ping))).toEqual(['pong', 'pong']);
    expect(pool.stats()).toMatchObject({ channels: 2, leases: 2, waiting: 1 });
    for (const lease of next) lease.release();
    const last = await (queued[4] as Promise<SftpLease>);
    expect(await ping(last)).toBe('pong');
    expect(server.state.open()).toBe(2);
    last.release();
    pool.destroy(new Error('shut down'));
    expect(server.state.open()).toBe(0);
  });

  it('tells the callers why when the server refuses the first channel, and tries again for the next caller', async () => {
    const server = fakeServer(0);
    const pool = new SftpPool(server.open, 'login1', { idleMs: 60_000 });
    await expect(pool.acquire()).rejects.toThrow(/Channel open failure/);
    await expect(pool.acquire()).rejects.toThrow(/Channel open failure/);
    expect(server.state.attempts).toBe(2);
  });

  it('fails pending requests the moment their channel closes, and requests made after it at once', async () => {
    const server = fakeServer(10);
    const pool = new SftpPool(server.open, 'test', { idleMs: 60_000 });
    const lease = await pool.acquire();
    const never = lease.call<number>(() => undefined); // the server never answers
    server.state.channels[0]?.emit('close');
    await expect(never).rejects.toThrow(/SFTP channel closed/);
    await expect(ping(lease)).rejects.toThrow(/SFTP channel closed/);
    lease.release();
    // The next caller gets a new channel.
    expect(await ping(await pool.acquire())).toBe('pong');
    expect(server.state.attempts).toBe(2);
  });

  it('fails waiters and pending requests when the connection goes, and refuses new callers', async () => {
    const server = fakeServer(10);
    const pool = new SftpPool(server.open, 'test', { maxChannels: 1, leasesPerChannel: 1, idleMs: 60_000 });
    const lease = await pool.acquire();
    const pending = lease.call<number>(() => undefined);
    const waiting = pool.acquire();
    pool.destroy(new Error('connection dropped'));
    await expect(pending).rejects.toThrow('connection dropped');
    await expect(waiting).rejects.toThrow('connection dropped');
    await expect(pool.acquire()).rejects.toThrow('connection dropped');
    expect(server.state.open()).toBe(0);
  });

  it('closes a channel nobody uses after idleMs', async () => {
    const server = fakeServer(10);
    const pool = new SftpPool(server.open, 'test', { idleMs: 20 });
    (await pool.acquire()).release();
    expect(server.state.open()).toBe(1);
    const end = Date.now() + 5_000;
    while (server.state.open() > 0 && Date.now() < end) await tick();
    expect(server.state.open()).toBe(0);
    expect(pool.stats().channels).toBe(0);
  });
});
