// `trainboard recovery RUN_ID [--set FILE]`: a run's recovery policy from a terminal. Without --set it prints the
// policy, the automatic restarts used in the window and when the next may happen; with --set it replaces the policy
// with the JSON in FILE (`-` = stdin) — the server validates (a refusal names each wrong field) and audits. The
// replace is conditional on the policy the command just read (If-Match: its updatedAt), so another operator's save
// in between is refused, not silently overwritten; --force replaces whatever is stored.
import { readFileSync } from 'node:fs';
import type { RecoveryPolicyDto } from '@trainboard/shared/control/recoveryPolicy';
import { ApiError, createApiClient, type ApiClient } from '../apiClient.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';

const recoveryCommand = {
  name: 'recovery',
  usage: `usage: trainboard recovery RUN_ID [--set FILE [--force]] [--server URL]

Shows what Trainboard does by itself when an incident opens on the run, and how many automatic restarts the
window has left; with --set replaces the policy with the JSON in FILE (- reads stdin), e.g.
  {"enabled": true, "resubmitOnCrash": true, "resubmitOnNodeFailure": true, "resubmitOnHang": true,
   "excludeSuspectNodes": true, "stackDumpOnHang": true, "backoffBaseSeconds": 30, "backoffMaxSeconds": 1800,
   "maxRestartsPerWindow": 3, "windowHours": 6}
--set refuses when someone else saved the policy meanwhile; --force overwrites it anyway.
`,
};

const onOff = (b: boolean) => (b ? 'on' : 'off');

function describe(d: RecoveryPolicyDto): string {
  const p = d.policy;
  const next =
    d.nextRestartNotBeforeMs === null ? '' : `, next not before ${new Date(d.nextRestartNotBeforeMs).toISOString()}`;
  return (
    [
      `automatic recovery ${p.enabled ? 'on' : 'off (incidents are shown and alerted, nothing is done by itself)'}`,
      `  resubmit after a crash ${onOff(p.resubmitOnCrash)}, a node failure ${onOff(p.resubmitOnNodeFailure)}, a hang ${onOff(p.resubmitOnHang)}`,
      `  exclude suspect nodes ${onOff(p.excludeSuspectNodes)}; stack dump before cancelling a hang ${onOff(p.stackDumpOnHang)}`,
      `  backoff ${p.backoffBaseSeconds} s doubling up to ${p.backoffMaxSeconds} s; at most ${p.maxRestartsPerWindow} restarts in ${p.windowHours} h`,
      `  ${d.restartsInWindow} of ${p.maxRestartsPerWindow} automatic restarts used in the last ${p.windowHours} h${next}`,
      ...(d.updatedBy ? [`  last changed by ${d.updatedBy}`] : []),
    ].join('\n') + '\n'
  );
}

/** PUT conditional on the stored policy's updatedAt read just before ("none": never saved), unless forced. */
async function replace(api: ApiClient, path: string, body: unknown, force: boolean | undefined) {
  if (force) return api.put<RecoveryPolicyDto>(path, body);
  const seen = await api.get<RecoveryPolicyDto>(path);
  const ifMatch = `"${seen.updatedAt === null ? 'none' : String(seen.updatedAt)}"`;
  return api.put<RecoveryPolicyDto>(path, body, { 'if-match': ifMatch });
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(recoveryCommand, argv, io, {
    help: { type: 'boolean', short: 'h' },
    set: { type: 'string' },
    force: { type: 'boolean' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  const [runId, ...extra] = positionals;
  if (!runId || !/^[1-9]\d*$/.test(runId) || extra.length > 0)
    return usageError(recoveryCommand, io, 'give one run id');
  if (v.force && v.set === undefined) return usageError(recoveryCommand, io, '--force goes with --set');
  let body: unknown;
  if (v.set !== undefined) {
    try {
      body = JSON.parse(readFileSync(v.set === '-' ? 0 : v.set, 'utf8'));
    } catch {
      return usageError(recoveryCommand, io, '--set: not a readable JSON file');
    }
  }
  const api = createApiClient(v.server);
  const path = `/api/runs/${runId}/recovery-policy`;
  try {
    const d = body === undefined ? await api.get<RecoveryPolicyDto>(path) : await replace(api, path, body, v.force);
    io.stdout.write(describe(d));
    return 0;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const hint = err.code === 'policy_changed' ? ' (or --force to overwrite it)' : '';
    io.stderr.write(`trainboard recovery: ${err.message}${hint}\n`);
    return 1;
  }
}
