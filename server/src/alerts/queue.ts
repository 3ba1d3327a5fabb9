// Background work in lanes: tasks of one lane run one after another (an alert's resolve notice never overtakes its
// open alert on the same channel), lanes run side by side, and at most `maxPending` tasks wait or run in all —
// beyond that a new task is refused, so a flood of incidents cannot grow memory without bound.

export interface LaneQueue {
  /** False (and nothing queued) when full. A task's rejection is handed to `onError`, never thrown. */
  push(lane: string, task: () => Promise<void>): boolean;
  /** Resolves once every task queued so far, and any queued meanwhile, has finished. */
  idle(): Promise<void>;
}

export function createLaneQueue(maxPending: number, onError: (err: unknown) => void): LaneQueue {
  const lanes = new Map<string, Promise<void>>();
  let pending = 0;
  return {
    push(lane, task) {
      if (pending >= maxPending) return false;
      pending++;
      const next = (lanes.get(lane) ?? Promise.resolve())
        .then(task)
        .catch(onError)
        .finally(() => {
          pending--;
          if (lanes.get(lane) === next) lanes.delete(lane);
        });
      lanes.set(lane, next);
      return true;
    },
    async idle() {
      while (lanes.size > 0) await Promise.all([...lanes.values()]);
    },
  };
}
