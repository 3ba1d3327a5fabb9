// GET /api/runs/:id/nodes: the run's job nodes with Slurm state, suspects named by its failures, and GPU metrics,
// served from the nodes service's cache (one scheduler poll per interval, whatever the number of viewers).
import { viewerRoutes, type RouteDef } from '../http/routeTable.js';
import type { RunsRepo } from '../db/runs.repo.js';
import { NoSchedulerError } from '../nodes/clusterNodes.js';
import type { NodesService } from '../nodes/nodes.service.js';
import { HttpError } from './errors.js';
import { runIdReader } from './runParam.js';

export function nodesRouter(runs: RunsRepo, nodes: NodesService | null): RouteDef[] {
  // Read-only views of a run: any signed-in user.
  const router = viewerRoutes();
  const runId = runIdReader(runs);

  router.get('/api/runs/:id/nodes', async (req, res) => {
    const id = runId(req);
    if (!nodes)
      throw new HttpError(503, 'no_scheduler', 'this server is not connected to a scheduler: node states are unknown');
    try {
      res.json(await nodes.forRun(id));
    } catch (err) {
      if (err instanceof NoSchedulerError) throw new HttpError(503, 'no_scheduler', err.message);
      throw err;
    }
  });

  return router.routes;
}
