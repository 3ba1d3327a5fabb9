// The `:id` of every /api/runs/:id route: a positive integer naming a run that exists, else a JSON 400 or 404.
import type { Request } from 'express';
import { z } from 'zod';
import type { RunsRepo } from '../db/runs.repo.js';
import { HttpError } from './errors.js';

const runIdSchema = z.coerce.number().int().positive();

/** Returns a reader of the request's run id. */
export function runIdReader(runs: Pick<RunsRepo, 'exists'>): (req: Request) => number {
  return (req) => {
    const id = runIdSchema.safeParse(req.params.id);
    if (!id.success) throw new HttpError(400, 'invalid_request', 'run id must be a positive integer');
    if (!runs.exists(id.data)) throw new HttpError(404, 'not_found', `run ${id.data} does not exist`);
    return id.data;
  };
}
