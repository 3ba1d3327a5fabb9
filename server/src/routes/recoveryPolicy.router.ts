// A run's recovery policy (issue 15): viewers read it (with the window's count and the next restart's time),
// operators replace it (zod-validated, audited with what changed). Thin: the service validates and audits.
import type { RecoveryPolicyService } from '../control/recoveryPolicy.service.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';
import { canonicalIdParam } from './runParam.js';

/** If-Match: `"<updatedAt>"` (or `"none"` before any save) makes the PUT conditional; absent, it is not. */
function expectedOf(header: string | undefined): number | null | undefined {
  if (header === undefined) return undefined;
  const m = /^"(none|\d{1,16})"$/.exec(header.trim());
  if (!m) throw new HttpError(400, 'invalid_request', 'If-Match: must be "none" or the policy\'s "updatedAt"');
  return m[1] === 'none' ? null : Number(m[1]);
}

export function recoveryPolicyRouter(service: RecoveryPolicyService): RouteDef[] {
  const runId = (raw: unknown) => canonicalIdParam(raw, 'run');
  return [
    route(
      'get',
      '/api/runs/:id/recovery-policy',
      'viewer',
      (req, res) => void res.json(service.get(runId(req.params.id))),
      { summary: "the run's recovery policy, its automatic restarts in the window and the next one's time" },
    ),
    route(
      'put',
      '/api/runs/:id/recovery-policy',
      'operator',
      (req, res) =>
        void res.json(service.put(runId(req.params.id), req.body, req.actor!, expectedOf(req.get('if-match')))),
      { summary: "replace the run's recovery policy (audited with what changed)" },
    ),
  ];
}
