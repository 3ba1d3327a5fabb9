// A run page's first /series request, started by the entry module while the app's code (React DOM, the router) is
// still loading and parsing: on a first visit the two overlap instead of following each other. The page takes the
// response once if it asks for the same run and range; otherwise it is dropped. A prefetch refused for want of a
// session (401) is repeated when the page takes it: the page only exists once someone signed in.
import { decodeView } from '@trainboard/shared/dashboard/viewState';
import { api, type SeriesResponse } from './api.js';
import { ApiError } from './http.js';
import { CHART_FIELDS } from './chartFields.js';
import { matchAppRoute } from '@trainboard/shared/dashboard/appRoutes';

let prefetched: { key: string; response: Promise<SeriesResponse> } | null = null;

const keyOf = (runId: number, from: number | null, to: number | null) => `${runId}:${from}:${to}`;

export function prefetchSeries(location: { pathname: string; search: string }): void {
  const route = matchAppRoute(location.pathname);
  if (route?.page !== 'run') return;
  const { from, to } = decodeView(location.search);
  const response = api.series(route.runId, CHART_FIELDS, from, to);
  response.catch(() => undefined); // reported by the page that takes it; an unclaimed failure is not an error
  prefetched = { key: keyOf(route.runId, from, to), response };
}

/** The prefetched response for exactly this request, handed out once; undefined when there is none. */
export function takePrefetchedSeries(
  runId: number,
  from: number | null,
  to: number | null,
): Promise<SeriesResponse> | undefined {
  const p = prefetched;
  prefetched = null;
  if (!p || p.key !== keyOf(runId, from, to)) return undefined;
  // Sent before anyone signed in (a shared link opened on the sign-in page): asked again, now with the session.
  return p.response.catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return api.series(runId, CHART_FIELDS, from, to);
    throw err;
  });
}
