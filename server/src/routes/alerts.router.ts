// A run's alert routing: operators read it (webhook URLs masked) and replace it (audited). Thin: the service
// validates with zod, keeps omitted webhook URLs and audits.
import type { AlertsConfigService } from '../alerts/alertsConfig.service.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { canonicalIdParam } from './runParam.js';

export function alertsRouter(service: AlertsConfigService): RouteDef[] {
  const runId = (raw: unknown) => canonicalIdParam(raw, 'run');
  return [
    route('get', '/api/runs/:id/alerts', 'operator', (req, res) => void res.json(service.get(runId(req.params.id))), {
      summary: "the run's alert routing, webhook URLs masked",
    }),
    route(
      'put',
      '/api/runs/:id/alerts',
      'operator',
      (req, res) => void res.json(service.put(runId(req.params.id), req.body, req.actor!)),
      { summary: "replace the run's alert routing (audited)" },
    ),
  ];
}
