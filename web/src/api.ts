// Typed reads of the server's REST API. Bodies are trusted to the server's own shapes (same repository), but every
// failure becomes an ApiError with the server's JSON message (http.ts).
import { get } from './http.js';
import type { AxisAnchor } from '@trainboard/shared/dashboard/axis';
import type { IncidentsResponse } from '@trainboard/shared/detect/incidentApi';
import type {
  Annotation,
  Job,
  LogSearchResult,
  LogWindow,
  Overview,
  RunNodes,
  RunSummary,
  SeriesResponse,
} from '@trainboard/shared/api';

export type { Annotation, Job, LogSearchResult, LogWindow, Overview, RunNodes, RunSummary, SeriesResponse };

/** Which byte window of the log: the tail (nothing given), from an offset, or around an iteration's line or a match. */
export type LogWindowQuery =
  { offset: number; length?: number } | { iteration: number } | { around: number } | Record<string, never>;

/** One step of a whole-log search: `before` continues an earlier step from its `scannedFrom`. */
export interface LogSearchQuery {
  text: string;
  /** A rank number, or 'all'. */
  rank: string;
  before: number | null;
}

export const api = {
  summaries: () => get<{ runs: RunSummary[] }>('/api/run-summaries').then((b) => b.runs),
  overview: (id: number) => get<Overview>(`/api/runs/${id}/overview`),
  series: (id: number, fields: readonly string[], from: number | null, to: number | null) => {
    const q = new URLSearchParams({ fields: fields.join(',') });
    if (from !== null) q.set('from', String(from));
    if (to !== null) q.set('to', String(to));
    return get<SeriesResponse>(`/api/runs/${id}/series?${q.toString()}`);
  },
  validations: (id: number) =>
    get<{ groups: Record<string, [number, number | null][]> }>(`/api/runs/${id}/validations`).then((b) => b.groups),
  annotations: (id: number) =>
    get<{ annotations: Annotation[] }>(`/api/runs/${id}/annotations`).then((b) => b.annotations),
  axis: (id: number) => get<{ anchors: AxisAnchor[] }>(`/api/runs/${id}/axis`).then((b) => b.anchors),
  jobs: (id: number) => get<{ jobs: Job[] }>(`/api/runs/${id}/jobs`).then((b) => b.jobs),
  nodes: (id: number) => get<RunNodes>(`/api/runs/${id}/nodes`),
  incidents: (id: number) => get<IncidentsResponse>(`/api/runs/${id}/incidents`),
  logWindow: (id: number, query: LogWindowQuery) => {
    const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
    return get<LogWindow>(`/api/runs/${id}/log${q.size > 0 ? `?${q.toString()}` : ''}`);
  },
  logSearch: (id: number, { text, rank, before }: LogSearchQuery) => {
    const q = new URLSearchParams({ q: text });
    if (rank !== 'all') q.set('rank', rank);
    if (before !== null) q.set('before', String(before));
    return get<LogSearchResult>(`/api/runs/${id}/log/search?${q.toString()}`);
  },
};
