// A bounded number of concurrent runs of an expensive request, with a bounded queue: a server-wide limit for work
// whose cost one request cannot bound by itself (many log searches at once). FIFO; a waiter whose client left is
// dropped from the queue.

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
    if (next) next(); // the slot passes straight to the next waiter
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
