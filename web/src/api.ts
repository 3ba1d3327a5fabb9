// Typed reads of the server's REST API. Bodies are trusted to the server's own shapes (same repository), but every
// failure becomes an Error with the server's JSON message.
import type { AxisAnchor } from '@trainboard/shared/dashboard/axis';
import type { WireNumber } from '@trainboard/shared/metrics/fields';

export interface RunSummary {
  id: number;
  name: string;
  state: string;
  segmentCount: number;
  iteration: number | null;
  trainIters: number | null;
  lmLoss: number | null;
  tflops: number | null;
  lastUpdateMs: number | null;
}

export interface Job {
  jobId: string;
  state: string;
  nodeList: string | null;
  exitCode: number | null;
  submittedAt: number | null;
  startedAt: number | null;
  endedAt: number | null;
}

export interface Overview {
  run: { id: number; name: string; state: string; segmentCount: number };
  latest: { iteration: number; trainIters: number; timeMs: number | null; lmLoss: number | null; tflops: number | null; consumedSamples: number | null; consumedTokens: number | null } | null;
  recentIterationMs: number | null;
  targetTokens: number | null;
  lastCheckpoint: { iteration: number | null; timeMs: number | null } | null;
  currentJob: Job | null;
  nowMs: number;
}

export interface SeriesResponse {
  runId: number;
  seq: number;
  series: Record<string, { points: [number, WireNumber][]; sampled: boolean; count: number }>;
}

export interface Annotation {
  kind: 'start' | 'restart' | 'checkpoint' | 'end' | 'failure' | 'eval';
  iteration: number | null;
  timeMs: number | null;
  label: string;
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path);
  const body = (await res.json()) as T & { message?: string };
  if (!res.ok) throw new Error(body.message ?? `${path}: HTTP ${res.status}`);
  return body;
}

export const api = {
  summaries: () => get<{ runs: RunSummary[] }>('/api/run-summaries').then((b) => b.runs),
  overview: (id: number) => get<Overview>(`/api/runs/${id}/overview`),
  series: (id: number, fields: string[], from: number | null, to: number | null) => {
    const q = new URLSearchParams({ fields: fields.join(',') });
    if (from !== null) q.set('from', String(from));
    if (to !== null) q.set('to', String(to));
    return get<SeriesResponse>(`/api/runs/${id}/series?${q.toString()}`);
  },
  validations: (id: number) => get<{ groups: Record<string, [number, number | null][]> }>(`/api/runs/${id}/validations`).then((b) => b.groups),
  annotations: (id: number) => get<{ annotations: Annotation[] }>(`/api/runs/${id}/annotations`).then((b) => b.annotations),
  axis: (id: number) => get<{ anchors: AxisAnchor[] }>(`/api/runs/${id}/axis`).then((b) => b.anchors),
  jobs: (id: number) => get<{ jobs: Job[] }>(`/api/runs/${id}/jobs`).then((b) => b.jobs),
};
