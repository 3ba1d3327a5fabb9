// Re-reads a value every few seconds while mounted (the header and the runs list: cheap queries, always fresh).
import { useEffect, useState } from 'react';

export function usePolling<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[]): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      load().then(
        (data) => alive && setState({ data, error: null }),
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
