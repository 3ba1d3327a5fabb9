// GET /api/runs/:id/nodes: the run's job nodes with Slurm state, suspects named by its failures, and GPU metrics,
// served from the nodes service's cache (one scheduler poll per interval, whatever the number of viewers).
import { Router, type Request } from 'express';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { NodesService } from '../nodes/nodesService.js';
import { HttpError } from './errors.js';

const runIdSchema = z.coerce.number().int().positive();

export function nodesRouter(sqlite: Database.Database, nodes: NodesService | null): Router {
  const router = Router();
  const runExists = sqlite.prepare('SELECT 1 FROM runs WHERE id = ?');

  router.get('/api/runs/:id/nodes', async (req, res) => {
    const id = runId(req);
    if (!nodes) throw new HttpError(503, 'no_scheduler', 'this server is not connected to a scheduler: node states are unknown');
    res.json(await nodes.forRun(id));
  });

  function runId(req: Request): number {
    const id = runIdSchema.safeParse(req.params.id);
    if (!id.success) throw new HttpError(400, 'invalid_request', 'run id must be a positive integer');
    if (!runExists.get(id.data)) throw new HttpError(404, 'not_found', `run ${id.data} does not exist`);
    return id.data;
  }

  return router;
}
