// /runs/:runId — the run page, or the not-found page when the id is malformed or the server has no such run. The
// run page is drawn at once (its first chart must not wait for the header's answer); a 404 to the overview (the
// same cached query the header reads) replaces it.
import { useParams } from 'react-router';
import { parseRunId } from '@trainboard/shared/dashboard/appRoutes';
import { isNotFound } from './data/queryClient.js';
import { useOverview } from './data/runQueries.js';
import { NotFoundPage } from './NotFoundPage.js';
import { RunPage } from './RunPage.js';
import type { SetView } from './useView.js';
import type { ViewState } from '@trainboard/shared/dashboard/viewState';

export function RunRoute({ view, setView }: { view: ViewState; setView: SetView }) {
  const runId = parseRunId(useParams().runId);
  if (runId === null) return <NotFoundPage />;
  return <KnownRunId key={runId} runId={runId} view={view} setView={setView} />;
}

function KnownRunId({ runId, view, setView }: { runId: number; view: ViewState; setView: SetView }) {
  const overview = useOverview(runId);
  if (isNotFound(overview.error)) return <NotFoundPage runId={runId} />;
  return <RunPage runId={runId} view={view} setView={setView} />;
}
