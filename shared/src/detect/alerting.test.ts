import { describe, expect, it } from 'vitest';
import type { IncidentSeverity } from './incident.js';
import type { IncidentChange, StoredIncident } from './incidentApi.js';
import {
  AlertRoutingInputSchema,
  AlertRoutingSchema,
  decideAlerts,
  maskRouting,
  mergeRoutingInput,
  type AlertLedgerEntry,
  type AlertRouting,
} from './alerting.js';

const incident = (over: Partial<StoredIncident> = {}): StoredIncident => ({
  id: 7,
  runId: 3,
  jobId: '1234',
  key: 'crash@100',
  kind: 'crash',
  severity: 'critical',
  title: 'CUDA error on jz-gpu-12',
  iteration: 1200,
  offset: 100,
  evidence: [],
  suggestedAction: null,
  workLostIterations: 200,
  openedAtMs: Date.UTC(2026, 11, 6, 19, 0),
  resolvedAtMs: null,
  ...over,
});
const change = (c: IncidentChange['change'], over: Partial<StoredIncident> = {}): IncidentChange => ({
  change: c,
  incident: incident(over),
});

const routing: AlertRouting = AlertRoutingSchema.parse({
  channels: [
    { kind: 'webhook', id: 'chat', minSeverity: 'warning', url: 'https://hooks.example.org/services/T0/B0/secret' },
    { kind: 'email', id: 'pager', minSeverity: 'critical', to: ['oncall@example.org'] },
  ],
});

/** Feeds changes through decideAlerts as the server does, keeping the ledger; returns every delivery. */
function run(changes: IncidentChange[], r: AlertRouting | null = routing) {
  let entry: AlertLedgerEntry | undefined;
  const sent: string[] = [];
  for (const c of changes) {
    const d = decideAlerts(c, entry, r);
    sent.push(...d.deliveries.map((x) => `${x.notice}:${x.channelId}`));
    entry = d.next ?? undefined;
  }
  return { sent, entry };
}

describe('decideAlerts', () => {
  it('alerts once on open, not on updates, and sends one resolve notice to the channels that heard it', () => {
    const { sent, entry } = run([
      change('opened'),
      change('updated', { title: 'more evidence' }),
      change('updated'),
      change('resolved', { resolvedAtMs: Date.UTC(2026, 11, 6, 20, 0) }),
      change('resolved'),
    ]);
    expect(sent).toEqual(['opened:chat', 'opened:pager', 'resolved:chat', 'resolved:pager']);
    expect(entry).toBeUndefined();
  });

  it("the recovery policy's note (an 'updated' change, same severity) never alerts again, heard or not", () => {
    const note = { recoveryNote: 'Trainboard is excluding jz-gpu-12, restarting' };
    expect(run([change('opened'), change('updated', note), change('updated', note)]).sent).toEqual([
      'opened:chat',
      'opened:pager',
    ]);
    // First seen through its note (the server restarted while it was open): silent, its resolve still goes out.
    expect(run([change('updated', note), change('resolved', { resolvedAtMs: 1 })]).sent).toEqual([
      'resolved:chat',
      'resolved:pager',
    ]);
  });

  it('routes by severity: a warning reaches the chat channel only, an info nobody', () => {
    expect(run([change('opened', { severity: 'warning' }), change('resolved', { severity: 'warning' })]).sent).toEqual([
      'opened:chat',
      'resolved:chat',
    ]);
    expect(run([change('opened', { severity: 'info' }), change('resolved')]).sent).toEqual([]);
  });

  it('alerts the channels a rising severity newly reaches, once, and never twice the same channel', () => {
    const { sent } = run([
      change('opened', { severity: 'warning' }),
      change('updated', { severity: 'critical' }),
      change('updated', { severity: 'warning' }),
      change('updated', { severity: 'critical' }),
      change('resolved', { severity: 'critical' }),
    ]);
    expect(sent).toEqual(['opened:chat', 'opened:pager', 'resolved:chat', 'resolved:pager']);
  });

  it('sends nothing without routing, when disabled, or with no channels — and keeps nothing to resolve later', () => {
    const disabled = { ...routing, enabled: false };
    for (const r of [null, disabled, { enabled: true, channels: [] }])
      expect(run([change('opened'), change('updated'), change('resolved')], r).sent).toEqual([]);
  });

  it('takes an open incident first seen as an update (after a restart) as already alerted: no repeat, a resolve', () => {
    expect(run([change('updated'), change('updated'), change('resolved')]).sent).toEqual([
      'resolved:chat',
      'resolved:pager',
    ]);
  });

  it('sends nothing for an incident that arrives already resolved, nor for a resolve it never alerted', () => {
    expect(run([change('opened', { resolvedAtMs: 5 })]).sent).toEqual([]);
    expect(run([change('resolved')]).sent).toEqual([]);
  });

  it('sends nothing while a run is replayed, and no resolve later for what opened during the replay', () => {
    let entry: AlertLedgerEntry | undefined;
    const sent: string[] = [];
    for (const [c, replay] of [
      [change('opened', { severity: 'warning' }), true],
      [change('updated', { severity: 'critical' }), true],
      [change('updated'), false],
      [change('resolved'), false],
    ] as const) {
      const d = decideAlerts(c, entry, routing, { replay });
      sent.push(...d.deliveries.map((x) => `${x.notice}:${x.channelId}`));
      entry = d.next ?? undefined;
    }
    expect(sent).toEqual([]);
  });

  it('a duplicate open does not alert again', () => {
    expect(run([change('opened'), change('opened')]).sent).toEqual(['opened:chat', 'opened:pager']);
  });

  it('does not send the resolve notice to a channel removed while the incident was open', () => {
    const opened = decideAlerts(change('opened'), undefined, routing);
    const fewer = { ...routing, channels: routing.channels.filter((c) => c.id !== 'pager') };
    const resolved = decideAlerts(change('resolved'), opened.next!, fewer);
    expect(resolved.deliveries).toEqual([{ channelId: 'chat', notice: 'resolved' }]);
  });

  it.each<[IncidentSeverity, string[]]>([
    ['info', []],
    ['warning', ['chat']],
    ['critical', ['chat', 'pager']],
  ])('a %s incident opens to %j', (severity, ids) => {
    expect(decideAlerts(change('opened', { severity }), undefined, routing).deliveries.map((d) => d.channelId)).toEqual(
      ids,
    );
  });
});

describe('routing config', () => {
  it('masks webhook URLs to their origin and keeps nothing of the secret path', () => {
    const masked = maskRouting(routing);
    expect(JSON.stringify(masked)).not.toContain('secret');
    expect(masked.channels[0]).toEqual({
      kind: 'webhook',
      id: 'chat',
      minSeverity: 'warning',
      urlSet: true,
      urlOrigin: 'https://hooks.example.org',
    });
    expect(masked.channels[1]).toEqual(routing.channels[1]);
  });

  it('keeps a stored webhook URL when the input leaves it out, and refuses a new webhook without one', () => {
    const input = AlertRoutingInputSchema.parse({
      channels: [{ kind: 'webhook', id: 'chat', minSeverity: 'critical' }],
    });
    expect(mergeRoutingInput(input, routing)).toEqual({
      routing: { enabled: true, channels: [{ ...routing.channels[0], minSeverity: 'critical' }] },
    });
    expect(mergeRoutingInput(input, null)).toEqual({ error: 'channel chat: url is required for a new webhook' });
    const renamed = AlertRoutingInputSchema.parse({ channels: [{ kind: 'webhook', id: 'other' }] });
    expect(mergeRoutingInput(renamed, routing)).toHaveProperty('error');
  });

  it.each([
    ['a file URL', { channels: [{ kind: 'webhook', id: 'a', url: 'file:///etc/passwd' }] }],
    ['credentials in the URL', { channels: [{ kind: 'webhook', id: 'a', url: 'https://u:p@example.org/x' }] }],
    ['a bad address', { channels: [{ kind: 'email', id: 'a', to: ['not an address'] }] }],
    ['no recipients', { channels: [{ kind: 'email', id: 'a', to: [] }] }],
    [
      'a duplicate id',
      {
        channels: [
          { kind: 'email', id: 'a', to: ['x@example.org'] },
          { kind: 'email', id: 'a', to: ['y@example.org'] },
        ],
      },
    ],
    ['an unknown field', { channels: [], extra: 1 }],
    ['an unknown severity', { channels: [{ kind: 'email', id: 'a', to: ['x@example.org'], minSeverity: 'loud' }] }],
    ['an id with spaces', { channels: [{ kind: 'email', id: 'a b', to: ['x@example.org'] }] }],
  ])('refuses %s', (_what, body) => {
    expect(AlertRoutingInputSchema.safeParse(body).success).toBe(false);
  });
});
