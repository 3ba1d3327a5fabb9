// `trainboard audit [--run ID] [--actor NAME] [--limit N] [--json]`: who did what on which run, with the exact
// command and its result, newest first.
import type { AuditEntryDto } from '@trainboard/shared/control/api';
import { createApiClient } from '../apiClient.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';

const command = {
  name: 'audit',
  usage: `usage: trainboard audit [--run ID] [--actor NAME] [--limit N] [--json] [--server URL]

Lists the audit log (operators and admins): time, actor, action, target, result and the exact command.
`,
};

export function formatAuditEntry(e: AuditEntryDto): string {
  const at = new Date(e.atMs).toISOString().replace('T', ' ').slice(0, 19);
  const target = e.runId !== null ? `run ${e.runId}` : `${e.targetKind ?? ''} ${e.targetId ?? ''}`.trim();
  const tail = [e.command ? `$ ${e.command}` : null, e.message].filter(Boolean).join('  ');
  return `${at}  ${e.actorName.padEnd(10)} ${e.action.padEnd(18)} ${target.padEnd(8)} ${e.result.padEnd(9)} ${tail}`;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(command, argv, io, {
    help: { type: 'boolean', short: 'h' },
    run: { type: 'string' },
    actor: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v } = parsed;
  if (v.run !== undefined && !/^\d+$/.test(v.run)) return usageError(command, io, '--run takes a run id');
  if (v.limit !== undefined && !/^\d+$/.test(v.limit)) return usageError(command, io, '--limit takes a number');
  const query = new URLSearchParams({
    ...(v.run ? { run: v.run } : {}),
    ...(v.actor ? { actor: v.actor } : {}),
    limit: v.limit ?? '100',
  });
  const api = createApiClient(v.server);
  const { entries } = await api.get<{ entries: AuditEntryDto[] }>(`/api/audit?${query.toString()}`);
  if (v.json) for (const e of entries) io.stdout.write(`${JSON.stringify(e)}\n`);
  else for (const e of entries) io.stdout.write(`${formatAuditEntry(e)}\n`);
  return 0;
}
