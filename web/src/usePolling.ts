// Re-reads a value every few seconds while mounted (the header and the runs list: cheap queries, always fresh).
// An answer equal to the previous one keeps the previous object: nothing re-renders, and memoised charts that take
// annotations or validations from it are not redrawn every poll.
import { useEffect, useRef, useState } from 'react';

export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[]): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const lastJson = useRef<string | null>(null);
  useEffect(() => {
    lastJson.current = null;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      load().then(
        (data) => {
          if (!alive) return;
          const json = JSON.stringify(data);
          if (json === lastJson.current) return setState((s) => (s.error === null ? s : { data: s.data, error: null }));
          lastJson.current = json;
          setState({ data, error: null });
        },
        (err: unknown) => alive && setState((s) => ({ data: s.data, error: (err as Error).message })),
      ).finally(() => {
        if (alive) timer = setTimeout(tick, intervalMs);
      });
    };
    tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, deps);
  return state;
}
