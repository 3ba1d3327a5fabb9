// What every controller step is handed: the store, the lease it must hold inside each transaction, the clock,
// the events to emit and the log.
import type { Logger } from 'pino';
import type { ControllerLease } from './lease.js';
import type { ControlEvents, ControlStore } from './ports.js';

export interface ControlContext {
  store: ControlStore;
  lease: ControllerLease;
  events: ControlEvents;
  logger: Logger;
  now: () => number;
}

/** A transaction that first checks the lease: a process that lost it writes nothing. */
export function leaderTx<T>(ctx: ControlContext, fn: () => T): T {
  return ctx.store.transaction(() => {
    ctx.lease.assertHeld();
    return fn();
  });
}

/** Bumps the run's version and tells the browsers (inside the caller's transaction). */
export function runChanged(ctx: ControlContext, runId: number): void {
  const version = ctx.store.bumpVersion(runId);
  ctx.events.runUpdated(runId, version);
}

/** A short, secret-free description of an error for the audit (details stay in the log). */
export function errorCode(err: unknown): string {
  if (err && typeof err === 'object' && 'kind' in err && typeof err.kind === 'string') return `shell_${err.kind}`;
  if (err instanceof Error && err.name === 'CommandFailedError') return 'command_failed';
  return 'error';
}
