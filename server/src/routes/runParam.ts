// The `:id` of every /api/runs/:id route: a run id written the one canonical way (a positive decimal integer, no
// sign, no leading zero, no spaces, no exponent or hex, within the safe integer range) naming a run that exists,
// else a JSON 400 or 404. `0x1`, `1e0`, `1 ` and `01` are not run 1: one resource has one URL, and lenient number
// parsing is how ids slip past checks written elsewhere against the canonical form.
import type { Request } from 'express';
import type { RunsRepo } from '../db/runs.repo.js';
import { HttpError } from './errors.js';

const CANONICAL_ID = /^[1-9][0-9]{0,15}$/;

/** The id in `raw`, or null when it is not written canonically or is past Number.MAX_SAFE_INTEGER. */
export function parseRunId(raw: unknown): number | null {
  if (typeof raw !== 'string' || !CANONICAL_ID.test(raw)) return null;
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : null;
}

/** A path id (run, action, user) written the one canonical way, else a JSON 400 naming what it is. */
export function canonicalIdParam(raw: unknown, what: string): number {
  const id = parseRunId(raw);
  if (id === null) throw new HttpError(400, 'invalid_request', `${what} id must be a positive integer`);
  return id;
}

/** Returns a reader of the request's run id. */
export function runIdReader(runs: Pick<RunsRepo, 'exists'>): (req: Request) => number {
  return (req) => {
    const id = canonicalIdParam(req.params.id, 'run');
    if (!runs.exists(id)) throw new HttpError(404, 'not_found', `run ${id} does not exist`);
    return id;
  };
}
