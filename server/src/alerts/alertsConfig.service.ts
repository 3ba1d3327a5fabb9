// A run's alert routing (which channels hear which severities), stored as JSON in the settings table under
// `alerts.run.<id>` and validated with zod on the way in and on the way out. Operators read it with webhook URLs
// masked (they are secrets: a Slack webhook's path is its key) and replace it with an audited PUT that may leave a
// webhook's URL out to keep the stored one. The audit row names the channels, never a URL.
import {
  AlertRoutingInputSchema,
  AlertRoutingSchema,
  maskRouting,
  mergeRoutingInput,
  type AlertRouting,
  type AlertRoutingResponse,
} from '@trainboard/shared/detect/alerting';
import { actorFields, type AuditActor } from '../auth/auth.service.js';
import { readSetting } from '../db/readSetting.js';
import type { Repositories } from '../db/repositories.js';
import { HttpError } from '../routes/errors.js';

export const alertsKey = (runId: number): string => `alerts.run.${runId}`;

/** The run's stored routing, or null when none is stored or it no longer validates (then nothing is sent). */
export function readRouting(settings: Pick<Repositories['settings'], 'get'>, runId: number): AlertRouting | null {
  return readSetting(settings, alertsKey(runId), AlertRoutingSchema);
}

export interface AlertsConfigService {
  get(runId: number): AlertRoutingResponse;
  /** @throws HttpError 400 (invalid input), 404 (no run). */
  put(runId: number, input: unknown, actor: AuditActor): AlertRoutingResponse;
}

export interface AlertsConfigDeps {
  repos: Pick<Repositories, 'settings' | 'runs' | 'audit' | 'transaction'>;
  /** Whether the server has an SMTP server to send e-mail through. */
  emailAvailable: boolean;
  now?: () => number;
}

function invalid(message: string): HttpError {
  return new HttpError(400, 'invalid_request', message);
}

export function createAlertsConfigService(deps: AlertsConfigDeps): AlertsConfigService {
  const { repos, emailAvailable } = deps;
  const now = deps.now ?? Date.now;
  const existingRun = (runId: number) => {
    if (!repos.runs.exists(runId)) throw new HttpError(404, 'not_found', `run ${runId} does not exist`);
  };
  const response = (routing: AlertRouting | null): AlertRoutingResponse => ({
    routing: routing && maskRouting(routing),
    emailAvailable,
  });
  return {
    get(runId) {
      existingRun(runId);
      return response(readRouting(repos.settings, runId));
    },
    put(runId, input, actor) {
      existingRun(runId);
      const parsed = AlertRoutingInputSchema.safeParse(input);
      if (!parsed.success)
        throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      const merged = mergeRoutingInput(parsed.data, readRouting(repos.settings, runId));
      if ('error' in merged) throw invalid(merged.error);
      const routing = merged.routing;
      repos.transaction(() => {
        repos.settings.set(alertsKey(runId), JSON.stringify(routing));
        repos.audit.append({
          atMs: now(),
          ...actorFields(actor),
          action: 'run.alerts',
          targetKind: 'alerts',
          targetId: String(runId),
          runId,
          result: 'ok',
          details: {
            enabled: routing.enabled,
            channels: routing.channels.map((c) => ({ id: c.id, kind: c.kind, minSeverity: c.minSeverity })),
          },
        });
      });
      return response(routing);
    },
  };
}
