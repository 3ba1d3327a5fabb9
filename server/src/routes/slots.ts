// A bounded number of concurrent runs of an expensive request, with a bounded queue: a server-wide limit for work
// that many requests at once would turn into a stalled event loop or gigabytes (log searches, exports, log
// windows). FIFO; a waiter whose client left is dropped from the queue.
import type { Response } from 'express';
import { HttpError } from './errors.js';

export interface Slots {
  /**
   * Resolves with a release function once a slot is free; null at once when the queue is full too.
   * Rejects with the signal's reason when it aborts while waiting.
   */
  acquire(signal?: AbortSignal): Promise<(() => void) | null>;
  /** Running and waiting now (for tests and the bench). */
  stats(): { running: number; waiting: number };
}

export function createSlots(limits: { running: number; waiting: number }): Slots {
  let running = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    const next = queue.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else running--;
  };
  const once = () => {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        release();
      }
    };
  };
  return {
    stats: () => ({ running, waiting: queue.length }),
    acquire(signal) {
      signal?.throwIfAborted();
      if (running < limits.running) {
        running++;
        return Promise.resolve(once());
      }
      if (queue.length >= limits.waiting) return Promise.resolve(null);
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          const i = queue.indexOf(grant);
          if (i >= 0) queue.splice(i, 1);
          reject(signal?.reason as Error);
        };
        const grant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(once());
        };
        queue.push(grant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** An AbortSignal that fires when the response closes before it was sent: the client went away. */
export function abortOnClose(res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new Error('client closed the connection'));
  });
  return ac.signal;
}

/**
 * Runs `work` in one of the slots, with a signal that fires if the client goes away (in the queue or during the
 * work): 503 {code: 'busy'} when the queue is full; nothing at all once the client is gone (nobody to answer).
 */
export async function withSlot(
  slots: Slots,
  res: Response,
  what: string,
  work: (signal: AbortSignal) => Promise<void>,
): Promise<void> {
  const signal = abortOnClose(res);
  try {
    const release = await slots.acquire(signal);
    if (release === null) throw new HttpError(503, 'busy', `too many ${what} at once; try again in a few seconds`);
    try {
      await work(signal);
    } finally {
      release();
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
}
