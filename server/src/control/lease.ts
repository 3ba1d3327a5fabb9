// The controller lease: one server process at a time reconciles (submits, cancels) even when several share the
// database. The holder renews it every tick; another process takes over only after the TTL, with a new fencing
// token, and every controller transaction asserts the lease first, so a paused old holder cannot write after it.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** PLAN §3.1 LeaseRepo. */
export interface LeaseRepoPort {
  tryAcquire(name: string, holder: string, ttlMs: number, now: number): { held: boolean; token: number };
  renew(name: string, holder: string, token: number, ttlMs: number, now: number): boolean;
  release(name: string, holder: string): void;
  /** @throws when `holder` with `token` no longer holds the lease */
  assertHeld(name: string, holder: string, token: number, now: number): void;
}

export const LEASE_NAME = 'controller';
export const LEASE_TTL_MS = 15_000;

export class LeaseNotHeldError extends Error {
  constructor() {
    super('this server does not hold the controller lease');
    this.name = 'LeaseNotHeldError';
  }
}

export type LeaseStatus = 'acquired' | 'held' | 'not_held';

export class ControllerLease {
  readonly holder: string;
  private token: number | null = null;

  constructor(
    private readonly repo: LeaseRepoPort,
    private readonly ttlMs = LEASE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /** Renews the lease, or tries to take it; 'acquired' on a takeover (the caller recovers first). */
  ensure(): LeaseStatus {
    const now = this.now();
    if (this.token !== null && this.repo.renew(LEASE_NAME, this.holder, this.token, this.ttlMs, now)) return 'held';
    this.token = null;
    const r = this.repo.tryAcquire(LEASE_NAME, this.holder, this.ttlMs, now);
    if (!r.held) return 'not_held';
    this.token = r.token;
    return 'acquired';
  }

  isHeld(): boolean {
    return this.token !== null;
  }

  /** Call inside every controller transaction. @throws LeaseNotHeldError or the repository's LeaseLostError */
  assertHeld(): void {
    if (this.token === null) throw new LeaseNotHeldError();
    this.repo.assertHeld(LEASE_NAME, this.holder, this.token, this.now());
  }

  release(): void {
    if (this.token === null) return;
    this.token = null;
    this.repo.release(LEASE_NAME, this.holder);
  }
}
