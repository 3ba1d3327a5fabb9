// Alerts for incidents: listens to the incident changes of every run, decides with the pure rules
// (shared/src/detect/alerting.ts: one alert on open, one resolve notice, nothing on updates) against the run's
// routing read from the settings, and sends in the background. The listener returns at once — it reads one
// settings row and queues — so the ingest path that emits the changes never waits on a receiver. Deliveries to
// one channel go one after another (queue.ts), each tried a bounded number of times; a full queue drops new
// alerts rather than growing. Logs name the run, incident, channel id and
// outcome, never a webhook URL, an address or the SMTP password.
import type { Logger } from 'pino';
import { decideAlerts, type AlertChannel, type AlertLedgerEntry } from '@trainboard/shared/detect/alerting';
import { alertText, type AlertText } from '@trainboard/shared/detect/alertText';
import type { IncidentChange } from '@trainboard/shared/detect/incidentApi';
import { runPath } from '@trainboard/shared/dashboard/appRoutes';
import type { Repositories } from '../db/repositories.js';
import { readRouting } from './alertsConfig.service.js';
import { DEFAULT_RETRY, deliver, realDelay, type Delay, type DeliveryOutcome, type RetryPolicy } from './delivery.js';
import type { EmailSender } from './email.js';
import { createLaneQueue } from './queue.js';
import { postWebhook } from './webhook.js';

/** Where incident changes come from (the incidents service of stack.ts). */
export interface IncidentChanges {
  onChange(listener: (c: IncidentChange) => void): () => void;
  /** True while the run's stored rows are being replayed: its changes are older news and alert nobody. */
  catchingUp?(runId: number): boolean;
}

export interface AlertsServiceDeps {
  source: IncidentChanges;
  repos: Pick<Repositories, 'settings' | 'runs'>;
  logger: Logger;
  /** Null without TRAINBOARD_SMTP_URL: e-mail channels are skipped (and logged). */
  email: EmailSender | null;
  /** The dashboard's address as people reach it (TRAINBOARD_PUBLIC_BASE_URL), for the run page link. */
  publicBaseUrl: string | null;
  webhookTimeoutMs?: number;
  retry?: RetryPolicy;
  delay?: Delay;
  /** Most deliveries queued or in flight; beyond it new ones are dropped. */
  maxPending?: number;
}

export interface AlertStats {
  sent: number;
  failed: number;
  dropped: number;
  skipped: number;
}

export interface AlertsService {
  /** Resolves once every queued delivery has finished (tests, a clean stop). */
  idle(): Promise<void>;
  stats(): AlertStats;
  /** Stops listening, cancels waits between tries and webhook requests in flight. */
  stop(): void;
}

/** Open incidents remembered at most (each a few dozen bytes). */
const MAX_LEDGER = 10_000;

interface Job {
  runId: number;
  incidentId: number;
  notice: string;
  channel: AlertChannel;
  message: AlertText;
}

export function createAlertsService(deps: AlertsServiceDeps): AlertsService {
  const { repos, logger } = deps;
  const retry = deps.retry ?? DEFAULT_RETRY;
  const delay = deps.delay ?? realDelay;
  const webhook = { timeoutMs: deps.webhookTimeoutMs ?? 10_000 };
  const stopping = new AbortController();
  const ledger = new Map<number, AlertLedgerEntry>();
  const queue = createLaneQueue(deps.maxPending ?? 200, (err) =>
    logger.error({ err: (err as Error).message }, 'alert delivery failed unexpectedly'),
  );
  const stats: AlertStats = { sent: 0, failed: 0, dropped: 0, skipped: 0 };

  const send = (job: Job) => (signal: AbortSignal) => {
    const { channel, message } = job;
    // Chat shows no subject: the body's first line says the same.
    if (channel.kind === 'webhook') return postWebhook(channel.url, message.text, webhook, signal);
    return deps.email!.send(channel.to, message.subject, message.text);
  };

  function report(job: Job, outcome: DeliveryOutcome): void {
    const fields = { runId: job.runId, incidentId: job.incidentId, channel: job.channel.id, kind: job.channel.kind };
    if (outcome.ok) {
      stats.sent++;
      logger.info({ ...fields, notice: job.notice, attempts: outcome.attempts }, 'alert sent');
    } else {
      stats.failed++;
      logger.warn({ ...fields, attempts: outcome.attempts, reason: outcome.reason }, 'alert not delivered');
    }
  }

  async function run(job: Job): Promise<void> {
    if (job.channel.kind === 'email' && !deps.email) {
      stats.skipped++;
      logger.warn({ runId: job.runId, channel: job.channel.id }, 'alert not sent: no SMTP server configured');
      return;
    }
    report(job, await deliver(send(job), retry, delay, stopping.signal));
  }

  function enqueue(job: Job): void {
    if (queue.push(`${job.runId}/${job.channel.id}`, () => run(job))) return;
    stats.dropped++;
    logger.warn({ runId: job.runId, incidentId: job.incidentId, channel: job.channel.id }, 'alert dropped: queue full');
  }

  function runUrl(runId: number): string | null {
    return deps.publicBaseUrl ? deps.publicBaseUrl.replace(/\/+$/, '') + runPath(runId) : null;
  }

  function onChange(c: IncidentChange): void {
    const { incident } = c;
    const routing = readRouting(repos.settings, incident.runId);
    const replay = c.historical ?? deps.source.catchingUp?.(incident.runId) ?? false;
    const decision = decideAlerts(c, ledger.get(incident.id), routing, { replay });
    ledger.delete(incident.id); // re-inserted last: the oldest entry is the first one Map iteration gives
    if (decision.next) ledger.set(incident.id, decision.next);
    // Incidents of runs no longer followed never resolve: the least recently changed are forgotten first.
    if (ledger.size > MAX_LEDGER) ledger.delete(ledger.keys().next().value!);
    if (!routing || decision.deliveries.length === 0) return;
    const runName = repos.runs.get(incident.runId)?.name ?? `run ${incident.runId}`;
    const context = { runId: incident.runId, runName, runUrl: runUrl(incident.runId) };
    for (const d of decision.deliveries) {
      const channel = routing.channels.find((ch) => ch.id === d.channelId)!;
      const message = alertText(d.notice, incident, context);
      enqueue({ runId: incident.runId, incidentId: incident.id, notice: d.notice, channel, message });
    }
  }

  const unsubscribe = deps.source.onChange((c) => {
    if (stopping.signal.aborted) return;
    try {
      onChange(c);
    } catch (err) {
      // Alerts must never break whoever emits the change (the ingest path).
      logger.error({ err: (err as Error).message }, 'incident change not handled by alerts');
    }
  });

  return {
    idle: () => queue.idle(),
    stats: () => ({ ...stats }),
    stop() {
      unsubscribe();
      stopping.abort();
      deps.email?.close();
    },
  };
}
