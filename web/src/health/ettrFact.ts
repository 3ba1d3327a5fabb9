// The run header's "effective training time" fact: GET /api/runs/:id/ettr (shared/src/detect/ettr.ts) as a
// TanStack query polled every 30 s — a share over hours moves slowly, and every socket message would re-read every
// iteration row of the run on the server. Hidden while the server has no window yet (nothing submitted or logged).
import { useQuery } from '@tanstack/react-query';
import { get } from '../http.js';

/** What the header reads of the answer (the server's RunEttrDto; the sums are for the title). */
export interface RunEttr {
  ettr: number | null;
  productiveMs?: number;
  totalMs?: number;
  lostIterations?: number;
}

export const ETTR_POLL_MS = 30_000;

export const ETTR_HINT = 'share of wall time since the first job was submitted spent on iterations that were kept';

export const ettrKey = (runId: number) => ['run', runId, 'ettr'] as const;

export function useRunEttr(runId: number) {
  return useQuery({
    queryKey: ettrKey(runId),
    queryFn: () => get<RunEttr>(`/api/runs/${runId}/ettr`),
    refetchInterval: ETTR_POLL_MS,
    staleTime: ETTR_POLL_MS,
  });
}

/** The fact's value and hint, or null to hide it (no answer yet, or no window). */
export function ettrFact(dto: RunEttr | undefined): { text: string; title: string } | null {
  if (!dto || dto.ettr === null || !Number.isFinite(dto.ettr)) return null;
  const pct = Math.round(Math.min(Math.max(dto.ettr, 0), 1) * 100);
  const lost = dto.lostIterations ? `; ${dto.lostIterations} iterations redone after restarts` : '';
  return { text: `${pct} %`, title: `Effective training time: ${ETTR_HINT}${lost}` };
}
