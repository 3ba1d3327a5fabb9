// A run's publication at /p/<slug>: read it (any signed-in user), publish or update it, unpublish it (operators).
// Thin: the service validates (zod), refuses a slug another run holds (409) and audits.
import type { PublicationResponse } from '@trainboard/shared/public/publication';
import { route, type RouteDef } from '../http/routeTable.js';
import type { PublicationService } from '../public/publication.service.js';
import { canonicalIdParam } from './runParam.js';

export function publicationRouter(service: PublicationService): RouteDef[] {
  const runId = (raw: unknown) => canonicalIdParam(raw, 'run');
  return [
    route(
      'get',
      '/api/runs/:id/publication',
      'viewer',
      (req, res) => {
        const body: PublicationResponse = { publication: service.get(runId(req.params.id)) };
        res.json(body);
      },
      { summary: "the run's public page settings, or null" },
    ),
    route(
      'put',
      '/api/runs/:id/publication',
      'operator',
      (req, res) => void res.json(service.publish(runId(req.params.id), req.body, req.actor!)),
      { summary: 'publish the run at /p/<slug>, or change its public page (audited)' },
    ),
    route(
      'delete',
      '/api/runs/:id/publication',
      'operator',
      (req, res) => {
        service.unpublish(runId(req.params.id), req.actor!);
        res.status(204).end();
      },
      { summary: 'unpublish the run (audited)' },
    ),
  ];
}
