// Re-reads a value every few seconds while mounted (the header and the runs list: cheap queries, always fresh).
// Parts of an answer equal to the previous one keep the previous objects (the whole answer, or each element of an
// array answer such as the run page's [annotations, validations, anchors, jobs]): nothing re-renders for an
// unchanged answer, and the memoised charts are not redrawn because the anchors grew.
import { useEffect, useRef, useState } from 'react';

export function usePolling<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: readonly unknown[],
): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ data: T | null; error: string | null }>({ data: null, error: null });
  const last = useRef<{ data: T; json: string[] } | null>(null);
  useEffect(() => {
    last.current = null;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      load()
        .then(
          (fresh) => {
            if (!alive) return;
            const json = Array.isArray(fresh) ? fresh.map((part) => JSON.stringify(part)) : [JSON.stringify(fresh)];
            const data = keepEqualParts(last.current, fresh, json);
            const changed = data !== last.current?.data;
            last.current = { data, json };
            setState((s) => (!changed && s.error === null ? s : { data, error: null }));
          },
          (err: unknown) => alive && setState((s) => ({ data: s.data, error: (err as Error).message })),
        )
        .finally(() => {
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

/** `fresh`, with the previous objects in place of the equal parts; the previous answer itself when all are equal. */
function keepEqualParts<T>(prev: { data: T; json: string[] } | null, fresh: T, json: string[]): T {
  if (!prev || prev.json.length !== json.length) return fresh;
  if (json.every((j, i) => j === prev.json[i])) return prev.data;
  if (!Array.isArray(fresh) || !Array.isArray(prev.data)) return fresh;
  const old = prev.data as unknown[];
  return fresh.map((part: unknown, i) => (json[i] === prev.json[i] ? old[i] : part)) as T;
}
