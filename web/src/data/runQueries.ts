// The run reads the pages poll, as TanStack queries under one key per run, so that a control action can invalidate
// everything a run page shows in one call. Intervals are those the pages always had: the header every 2 s, the
// slower side data (annotations, validations, axis anchors, jobs, nodes) every 5 s.
import { useQuery, type QueryClient } from '@tanstack/react-query';
import type { AxisAnchor } from '@trainboard/shared/dashboard/axis';
import type { IncidentsResponse } from '@trainboard/shared/detect/incidentApi';
import { api, type Annotation, type Job } from '../api.js';
import { isNotFound } from './queryClient.js';

export const OVERVIEW_INTERVAL_MS = 2000;
export const SIDE_INTERVAL_MS = 5000;
/** Every second: a crash that is resubmitted and resumes within seconds still shows in the list (issue 14: ≤ 3 s). */
export const SUMMARIES_INTERVAL_MS = 1000;

export const queryKeys = {
  /** Every query of one run: the prefix a control action invalidates. */
  run: (runId: number) => ['run', runId] as const,
  overview: (runId: number) => ['run', runId, 'overview'] as const,
  annotations: (runId: number) => ['run', runId, 'annotations'] as const,
  validations: (runId: number) => ['run', runId, 'validations'] as const,
  axis: (runId: number) => ['run', runId, 'axis'] as const,
  jobs: (runId: number) => ['run', runId, 'jobs'] as const,
  nodes: (runId: number) => ['run', runId, 'nodes'] as const,
  incidents: (runId: number) => ['run', runId, 'incidents'] as const,
  control: (runId: number) => ['run', runId, 'control'] as const,
  summaries: () => ['run-summaries'] as const,
  audit: (runId: number | undefined) => ['audit', runId ?? 'all'] as const,
  clusters: () => ['clusters'] as const,
};

/** After a control action on a run: re-read all of it, the runs list and the audit trail now, not at the next tick. */
export function invalidateRun(client: QueryClient, runId: number): Promise<void> {
  return Promise.all([
    client.invalidateQueries({ queryKey: queryKeys.run(runId) }),
    client.invalidateQueries({ queryKey: queryKeys.summaries() }),
    client.invalidateQueries({ queryKey: ['audit'] }),
  ]).then(() => undefined);
}

/**
 * The run's header data. Polled in a background tab too: the tab title and favicon show the run's health. Not
 * polled once the server said the run does not exist (the not-found page shows; a reload asks again).
 */
export function useOverview(runId: number) {
  return useQuery({
    queryKey: queryKeys.overview(runId),
    queryFn: () => api.overview(runId),
    refetchInterval: (query) => (isNotFound(query.state.error) ? false : OVERVIEW_INTERVAL_MS),
    refetchIntervalInBackground: true,
  });
}

const NO_ANNOTATIONS: Annotation[] = [];
const NO_VALIDATIONS: Record<string, [number, number | null][]> = {};
const NO_ANCHORS: AxisAnchor[] = [];
const NO_JOBS: Job[] = [];

/** Annotations, validations, axis anchors and jobs: they change at most a few times a minute. Empty until read. */
export function useRunSide(runId: number) {
  const poll = { refetchInterval: SIDE_INTERVAL_MS } as const;
  const annotations = useQuery({
    queryKey: queryKeys.annotations(runId),
    queryFn: () => api.annotations(runId),
    ...poll,
  });
  const validations = useQuery({
    queryKey: queryKeys.validations(runId),
    queryFn: () => api.validations(runId),
    ...poll,
  });
  const axis = useQuery({ queryKey: queryKeys.axis(runId), queryFn: () => api.axis(runId), ...poll });
  const jobs = useQuery({ queryKey: queryKeys.jobs(runId), queryFn: () => api.jobs(runId), ...poll });
  return {
    annotations: annotations.data ?? NO_ANNOTATIONS,
    validations: validations.data ?? NO_VALIDATIONS,
    anchors: axis.data ?? NO_ANCHORS,
    jobs: jobs.data ?? NO_JOBS,
  };
}

/** The nodes of the run's jobs; polled while the nodes tab shows them, read once by the exclude dialog. */
export function useRunNodes(runId: number, poll = true) {
  return useQuery({
    queryKey: queryKeys.nodes(runId),
    queryFn: () => api.nodes(runId),
    refetchInterval: poll ? SIDE_INTERVAL_MS : false,
  });
}

const NO_INCIDENTS: IncidentsResponse = { incidents: [], openCount: 0 };

/**
 * The run's incidents, polled like the overview (the header's condition line reads them) and under the run's key, so
 * an action invalidates them. Until they are read, or when the server cannot give them, none: the page stays usable.
 */
export function useIncidents(runId: number): IncidentsResponse {
  const query = useQuery({
    queryKey: queryKeys.incidents(runId),
    queryFn: () => api.incidents(runId),
    refetchInterval: (q) => (isNotFound(q.state.error) ? false : OVERVIEW_INTERVAL_MS),
  });
  return query.data ?? NO_INCIDENTS;
}

/** Every run's summary, with the browser's time of the answer (for "5 s ago"). */
export function useRunSummaries() {
  return useQuery({
    queryKey: queryKeys.summaries(),
    queryFn: async () => ({ runs: await api.summaries(), now: Date.now() }),
    refetchInterval: SUMMARIES_INTERVAL_MS,
    refetchIntervalInBackground: true,
  });
}
