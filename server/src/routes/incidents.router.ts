// REST for the run's incidents (issue 15): what the live detectors found, for the dashboard's panel, chart marks
// and header line. Open first (most severe, then newest), then resolved, at most 200 (incidents.repo.ts).
import type { IncidentsResponse } from '@trainboard/shared/detect/incidentApi';
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import type { Repositories } from '../db/repositories.js';
import { runIdReader } from './runParam.js';

export function incidentsRouter(repos: Repositories): RouteDef[] {
  const router = viewerRoutes();
  const runId = runIdReader(repos.runs);
  router.get('/api/runs/:id/incidents', (req, res) => {
    const id = runId(req);
    const body: IncidentsResponse = { incidents: repos.incidents.list(id), openCount: repos.incidents.openCount(id) };
    res.json(body);
  });
  return router.routes;
}
