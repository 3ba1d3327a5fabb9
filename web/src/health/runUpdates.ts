// "The run changed" from the server (socket.io `run.updated`: a job started or ended, an action finished), passed
// from the charts' socket (subscribed to the run's room) to whoever re-reads the run: a crash reaches the banner as
// soon as the control plane records the job's end, not at the next poll.
type Listener = (runId: number) => void;

const listeners = new Set<Listener>();

export function notifyRunUpdated(runId: number): void {
  for (const l of listeners) l(runId);
}

export function onRunUpdated(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}
