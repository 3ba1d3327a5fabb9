// GET /api/audit (operator): newest first, filtered by run and actor, paged with `before` (an audit id).
import { z } from 'zod';
import type { AuditPort, AuditRow } from '../auth/ports.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { parseBody } from './users.router.js';

const querySchema = z.object({
  run: z.coerce.number().int().positive().optional(),
  actor: z.string().min(1).max(80).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(100),
});

/** What the audit view shows: no free-form details (they may hold what a viewer of the page should not see). */
const auditDto = (r: AuditRow) => ({
  id: r.id,
  atMs: r.atMs,
  actorKind: r.actorKind,
  actorName: r.actorName,
  requestId: r.requestId ?? null,
  action: r.action,
  targetKind: r.targetKind ?? null,
  targetId: r.targetId ?? null,
  runId: r.runId ?? null,
  command: r.command ?? null,
  result: r.result,
  errorCode: r.errorCode ?? null,
  message: r.message ?? null,
});

export function auditRouter(audit: Pick<AuditPort, 'list'>): RouteDef[] {
  return [
    route('get', '/api/audit', 'operator', (req, res) => {
      const q = parseBody(querySchema, req.query);
      const entries = audit.list({
        limit: q.limit,
        ...(q.run !== undefined ? { runId: q.run } : {}),
        ...(q.actor !== undefined ? { actor: q.actor } : {}),
        ...(q.before !== undefined ? { before: q.before } : {}),
      });
      res.json({ entries: entries.map(auditDto) });
    }),
  ];
}
