// Alerts for incidents, the pure half: a run's routing (which channels hear which severities), its stored and
// masked forms, and the decision per incident change — one alert when an incident opens, one resolve notice to
// the channels that heard it, nothing on updates (unless the severity rises past a channel's threshold). The
// server (server/src/alerts/) keeps the ledger in memory, sends, retries and logs.
import { z } from 'zod';
import type { IncidentSeverity } from './incident.js';
import type { IncidentChange } from './incidentApi.js';

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const satisfies readonly IncidentSeverity[];
const RANK: Record<IncidentSeverity, number> = { info: 0, warning: 1, critical: 2 };

export const atLeast = (severity: IncidentSeverity, min: IncidentSeverity): boolean => RANK[severity] >= RANK[min];

/** At most this many channels per run, and recipients per e-mail channel. */
export const MAX_ALERT_CHANNELS = 10;
export const MAX_ALERT_RECIPIENTS = 20;

const channelId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/i, 'letters, digits, _ and -, at most 32, starting with a letter or digit');

/** http(s) only, no user:password part: the receiver's secret is its path (Slack) and stays in the server. */
const webhookUrl = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'an http(s) URL without user name or password');

const base = {
  id: channelId,
  /** The least severity this channel hears. */
  minSeverity: z.enum(ALERT_SEVERITIES).default('warning'),
};

const WebhookChannelSchema = z.strictObject({ kind: z.literal('webhook'), ...base, url: webhookUrl });
const EmailChannelSchema = z.strictObject({
  kind: z.literal('email'),
  ...base,
  to: z.array(z.email().max(254)).min(1).max(MAX_ALERT_RECIPIENTS),
});

const uniqueIds = (channels: { id: string }[]) => new Set(channels.map((c) => c.id)).size === channels.length;

/** A run's routing as stored (server only: webhook URLs are secrets). */
export const AlertRoutingSchema = z.strictObject({
  enabled: z.boolean().default(true),
  channels: z
    .array(z.discriminatedUnion('kind', [WebhookChannelSchema, EmailChannelSchema]))
    .max(MAX_ALERT_CHANNELS)
    .refine(uniqueIds, 'channel ids must be unique'),
});
export type AlertRouting = z.infer<typeof AlertRoutingSchema>;
export type AlertChannel = AlertRouting['channels'][number];

/** PUT body: a webhook's `url` may be left out to keep the one stored for the same channel id. */
export const AlertRoutingInputSchema = z.strictObject({
  enabled: z.boolean().default(true),
  channels: z
    .array(z.discriminatedUnion('kind', [WebhookChannelSchema.partial({ url: true }), EmailChannelSchema]))
    .max(MAX_ALERT_CHANNELS)
    .refine(uniqueIds, 'channel ids must be unique'),
});
export type AlertRoutingInput = z.infer<typeof AlertRoutingInputSchema>;

/** What GET answers: webhook URLs masked to their origin. */
export type AlertChannelView =
  | { kind: 'webhook'; id: string; minSeverity: IncidentSeverity; urlSet: true; urlOrigin: string }
  | Extract<AlertChannel, { kind: 'email' }>;
export interface AlertRoutingResponse {
  /** Null until an operator configures the run: nothing is sent. */
  routing: { enabled: boolean; channels: AlertChannelView[] } | null;
  /** Whether the server can send e-mail (TRAINBOARD_SMTP_URL); without it e-mail channels are kept but unused. */
  emailAvailable: boolean;
}

export function maskRouting(routing: AlertRouting): NonNullable<AlertRoutingResponse['routing']> {
  return {
    enabled: routing.enabled,
    channels: routing.channels.map((c) =>
      c.kind === 'webhook'
        ? { kind: 'webhook', id: c.id, minSeverity: c.minSeverity, urlSet: true, urlOrigin: new URL(c.url).origin }
        : c,
    ),
  };
}

/** The input with each omitted webhook URL taken from the stored channel of the same id; an error names the id. */
export function mergeRoutingInput(
  input: AlertRoutingInput,
  stored: AlertRouting | null,
): { routing: AlertRouting } | { error: string } {
  const channels: AlertChannel[] = [];
  for (const c of input.channels) {
    if (c.kind === 'email' || c.url !== undefined) {
      channels.push(c as AlertChannel);
      continue;
    }
    const before = stored?.channels.find((s) => s.id === c.id);
    if (before?.kind !== 'webhook') return { error: `channel ${c.id}: url is required for a new webhook` };
    channels.push({ ...c, url: before.url });
  }
  return { routing: { enabled: input.enabled, channels } };
}

/** What the server remembers of one incident (by id) while it is open: its last severity and who heard it. */
export interface AlertLedgerEntry {
  severity: IncidentSeverity;
  /** Channel ids that got the open alert. */
  notified: string[];
}

export type AlertNotice = 'opened' | 'resolved';
export interface AlertDecision {
  deliveries: { channelId: string; notice: AlertNotice }[];
  /** The ledger entry after this change; null = forget the incident (resolved). */
  next: AlertLedgerEntry | null;
}

function hearing(routing: AlertRouting | null, severity: IncidentSeverity): string[] {
  if (!routing?.enabled) return [];
  return routing.channels.filter((c) => atLeast(severity, c.minSeverity)).map((c) => c.id);
}

/**
 * The alerts one change sends, given what was remembered of the incident (`prior`) and the run's routing.
 * - opened: every channel whose threshold it meets, once; an incident that arrives already resolved (a replay)
 *   sends nothing.
 * - updated: nothing, except when the severity rose and a channel that had not heard it now does. Unknown to the
 *   ledger (the server restarted while it was open): taken as heard by the channels it meets, silently, so its
 *   resolve notice still goes out and nothing is sent twice.
 * - resolved: a notice to the channels that heard the open alert and are still routed; then it is forgotten.
 * - `replay` (the server is reading a run's stored rows for the first time: older news): nothing is sent, and
 *   what opens there is remembered as heard by nobody, so it brings no resolve notice either.
 */
export function decideAlerts(
  change: IncidentChange,
  prior: AlertLedgerEntry | undefined,
  routing: AlertRouting | null,
  opts: { replay?: boolean } = {},
): AlertDecision {
  const { severity } = change.incident;
  const now = hearing(routing, severity);
  if (opts.replay) {
    const next = change.change === 'resolved' ? null : { severity, notified: prior?.notified ?? [] };
    return { deliveries: [], next };
  }
  if (change.change === 'resolved') {
    const routed = new Set(routing?.enabled ? routing.channels.map((c) => c.id) : []);
    const to = (prior?.notified ?? []).filter((id) => routed.has(id));
    return { deliveries: to.map((channelId) => ({ channelId, notice: 'resolved' })), next: null };
  }
  if (!prior) {
    if (change.change === 'updated') return { deliveries: [], next: { severity, notified: now } };
    if (change.incident.resolvedAtMs !== null) return { deliveries: [], next: null };
    return { deliveries: now.map((channelId) => ({ channelId, notice: 'opened' })), next: { severity, notified: now } };
  }
  const rose = RANK[severity] > RANK[prior.severity];
  const fresh = rose ? now.filter((id) => !prior.notified.includes(id)) : [];
  return {
    deliveries: fresh.map((channelId) => ({ channelId, notice: 'opened' })),
    next: { severity, notified: [...prior.notified, ...fresh] },
  };
}
