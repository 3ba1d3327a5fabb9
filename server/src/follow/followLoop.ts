// What every follower does, whatever it reads (a file on the cluster, a pod's log through the Kubernetes API): steps
// in a loop until stopped, errors retried after a backoff, a status reported when it changes, and the handle the
// follow manager holds (stop, finish with a drain timeout). The followers keep only what their log needs.
import type { Logger } from 'pino';
import type { FollowerStatus as FollowStatus } from '@trainboard/shared/realtime';
import type { LogSource } from '../db/logSources.repo.js';

export interface Follower {
  readonly runId: number;
  readonly path: string;
  status(): FollowStatus;
  /** Stops the loop after the current step (a commit in progress completes) and closes the file. */
  stop(): Promise<void>;
  /**
   * The run ended: read to the end of the file once more (its last lines were written just before the job ended),
   * commit with open groups closed, then stop. Stops anyway after `drainTimeoutMs` (cluster unreachable).
   */
  finish(drainTimeoutMs?: number): Promise<void>;
}

export interface BackoffTiming {
  backoffMinMs: number;
  backoffMaxMs: number;
}

/** The state every follower's steps share: its logger, the stop signal, the finish and progress flags, its status. */
export interface FollowCore {
  deps: { onStatus?: ((status: FollowStatus) => void) | undefined };
  timing: BackoffTiming;
  log: Logger;
  stopper: AbortController;
  /** finish() was called: read to the end (a pod log follows its still-running pod until it ends), then stop. */
  finishing: boolean;
  /** Set by every commit (and every successful open): the next error starts its backoff afresh. */
  progressed: boolean;
  status: FollowStatus;
}

/** The status of a follower that has not read yet: it (re)connects from the source's committed offset. */
export function initialStatus(source: LogSource): FollowStatus {
  return {
    runId: source.runId,
    logSourceId: source.id,
    path: source.path,
    state: 'reconnecting',
    offset: source.byteOffset,
    message: null,
  };
}

/** Reports a status change (state, message or source) to onStatus; the offset alone is kept without a report. */
export function setStatus(core: FollowCore, patch: Partial<FollowStatus>): void {
  const next = { ...core.status, ...patch };
  const changed =
    next.state !== core.status.state ||
    next.message !== core.status.message ||
    next.logSourceId !== core.status.logSourceId;
  core.status = next;
  if (changed) core.deps.onStatus?.(core.status);
}

/** Waits `ms`, or less if the follower is stopped meanwhile. */
export function sleep(core: FollowCore, ms: number): Promise<void> {
  const signal = core.stopper.signal;
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

export interface FollowSteps {
  /** One step: `again` at once, `wait` waitMs first (nothing to read yet), `done` to stop. Throws on errors. */
  step(): Promise<'again' | 'wait' | 'done'>;
  waitMs: number;
  /** An error the follower deals with itself (true): read on at once, without a backoff or a status change. */
  handled(err: unknown): boolean;
  /** What the status line says about an error (the logger gets its message). */
  statusMessage(err: unknown): string;
  /** The least wait the other side asked for (a Retry-After), in ms. */
  retryAfterMs?(err: unknown): number;
  /** The log line of an interruption. */
  interrupted: string;
}

/**
 * Steps until stopped. An error is retried after a backoff that doubles while nothing works, and starts again from
 * backoffMinMs after any progress: a long-lived follower that loses its connection now and then must come back as
 * fast as the first time, not at the cap.
 */
export async function runFollowLoop(core: FollowCore, steps: FollowSteps): Promise<void> {
  const { timing } = core;
  let backoff = timing.backoffMinMs;
  while (!core.stopper.signal.aborted) {
    try {
      const outcome = await steps.step();
      if (outcome === 'done') break;
      if (outcome === 'wait') await sleep(core, steps.waitMs);
      backoff = timing.backoffMinMs;
    } catch (err) {
      if (core.stopper.signal.aborted) break;
      if (steps.handled(err)) continue;
      if (core.progressed) backoff = timing.backoffMinMs;
      core.progressed = false;
      const wait = Math.max(backoff, steps.retryAfterMs?.(err) ?? 0);
      core.log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: wait }, steps.interrupted);
      setStatus(core, { state: 'reconnecting', message: steps.statusMessage(err) });
      await sleep(core, wait);
      backoff = Math.min(backoff * 2, timing.backoffMaxMs);
    }
  }
  setStatus(core, { state: 'stopped', message: null });
}

/**
 * The handle of a running loop. finish() sets `finishing` (then calls `onFinish`, e.g. to cut a follow short) and
 * stops the loop after `drainTimeoutMs` if it has not read to the end by then, logging `drainWarning` and then
 * calling `onDrainTimeout` (a follower that can say what was not read stores it).
 */
export function followerHandle(
  core: FollowCore,
  source: LogSource,
  loop: Promise<void>,
  options: { drainWarning: string; onFinish?: () => void; onDrainTimeout?: () => void },
): Follower {
  return {
    runId: source.runId,
    path: source.path,
    status: () => core.status,
    async stop() {
      core.stopper.abort();
      await loop;
    },
    async finish(drainTimeoutMs = 60_000) {
      core.finishing = true;
      options.onFinish?.();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        core.log.warn({ drainTimeoutMs }, options.drainWarning);
        core.stopper.abort();
      }, drainTimeoutMs);
      await loop;
      clearTimeout(timer);
      // After the loop: nothing commits for this source any more while the loss is recorded.
      if (timedOut) options.onDrainTimeout?.();
    },
  };
}
