// One alert to one channel, tried a bounded number of times with growing waits between tries. A failure says why
// in a short fixed phrase (`timeout`, `http 500`, `smtp 451`…), never the receiver's URL, address or password.

export class DeliveryError extends Error {
  constructor(
    /** Safe for logs: a fixed phrase and a status code at most. */
    readonly reason: string,
    /** A later try may succeed (timeouts, 5xx, 429, 4xx SMTP replies, lost connections). */
    readonly retryable: boolean,
  ) {
    super(reason);
    this.name = 'DeliveryError';
  }
}

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Wait before try n+1 (n from 1). */
  backoffMs(attempt: number): number;
}

/** 4 tries, waiting 2 s, 8 s, 32 s: a receiver that is down for half a minute still gets the alert. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, backoffMs: (n) => Math.min(2_000 * 4 ** (n - 1), 60_000) };

/** Resolves after `ms`, or early (false) when `signal` aborts; the timer never holds the process open. */
export type Delay = (ms: number, signal: AbortSignal) => Promise<boolean>;

export const realDelay: Delay = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    timer.unref();
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export type DeliveryOutcome = { ok: true; attempts: number } | { ok: false; attempts: number; reason: string };

function reasonOf(err: unknown): DeliveryError {
  return err instanceof DeliveryError ? err : new DeliveryError('unexpected error', true);
}

/** Tries `send` until it succeeds, fails for good, the tries run out or `signal` aborts (the server stops). */
export async function deliver(
  send: (signal: AbortSignal) => Promise<void>,
  policy: RetryPolicy,
  delay: Delay,
  signal: AbortSignal,
): Promise<DeliveryOutcome> {
  let last = 'stopped';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    if (signal.aborted) return { ok: false, attempts: attempt - 1, reason: 'stopped' };
    try {
      await send(signal);
      return { ok: true, attempts: attempt };
    } catch (err) {
      const e = reasonOf(err);
      last = e.reason;
      if (!e.retryable || attempt === policy.attempts) return { ok: false, attempts: attempt, reason: last };
    }
    if (!(await delay(policy.backoffMs(attempt), signal))) return { ok: false, attempts: attempt, reason: last };
  }
  return { ok: false, attempts: policy.attempts, reason: last };
}
