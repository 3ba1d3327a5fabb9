// `trainboard alerts RUN_ID [--set FILE]`: a run's alert routing from a terminal. Without --set it prints the
// routing (webhook URLs masked by the server); with --set it replaces it with the JSON in FILE (`-` = stdin) — the
// server validates and audits. The file is read here and sent as is: its webhook URLs are never printed.
import { readFileSync } from 'node:fs';
import type { AlertRoutingResponse } from '@trainboard/shared/detect/alerting';
import { ApiError, createApiClient } from '../apiClient.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';

const alertsCommand = {
  name: 'alerts',
  usage: `usage: trainboard alerts RUN_ID [--set FILE] [--server URL]

Shows where the run's incident alerts go (webhook URLs masked), or with --set replaces it with the JSON in FILE
(- reads stdin), e.g.
  {"channels": [{"kind": "webhook", "id": "chat", "minSeverity": "warning", "url": "https://hooks.slack.com/…"},
                {"kind": "email", "id": "oncall", "minSeverity": "critical", "to": ["oncall@example.org"]}]}
A webhook given without "url" keeps the one stored under its id. {"channels": []} sends nothing.
`,
};

function describe(r: AlertRoutingResponse): string {
  if (!r.routing) return 'no alerts routed: nothing is sent\n';
  const lines = r.routing.channels.map((c) =>
    c.kind === 'webhook'
      ? `  ${c.id}: webhook to ${c.urlOrigin}/…, ${c.minSeverity} and above`
      : `  ${c.id}: e-mail to ${c.to.join(', ')}, ${c.minSeverity} and above${r.emailAvailable ? '' : ' (no SMTP server configured)'}`,
  );
  const state = r.routing.enabled ? 'on' : 'off (nothing is sent)';
  return [`alerts ${state}`, ...(lines.length ? lines : ['  no channels'])].join('\n') + '\n';
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(alertsCommand, argv, io, {
    help: { type: 'boolean', short: 'h' },
    set: { type: 'string' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  const [runId, ...extra] = positionals;
  if (!runId || !/^[1-9]\d*$/.test(runId) || extra.length > 0) return usageError(alertsCommand, io, 'give one run id');
  let body: unknown;
  if (v.set !== undefined) {
    try {
      body = JSON.parse(readFileSync(v.set === '-' ? 0 : v.set, 'utf8'));
    } catch {
      return usageError(alertsCommand, io, '--set: not a readable JSON file');
    }
  }
  const api = createApiClient(v.server);
  const path = `/api/runs/${runId}/alerts`;
  try {
    const r =
      body === undefined ? await api.get<AlertRoutingResponse>(path) : await api.put<AlertRoutingResponse>(path, body);
    io.stdout.write(describe(r));
    return 0;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    io.stderr.write(`trainboard alerts: ${err.message}\n`);
    return 1;
  }
}
