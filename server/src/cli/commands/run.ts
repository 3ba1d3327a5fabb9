// `trainboard run status|cancel|resubmit|exclude|save-exit|hold|release|chain RUN …`: the operator's actions from a
// terminal. Each action is previewed first (the exact commands and what they do), confirmed (or --yes), then
// requested with the preview's version: if the run changed meanwhile the server answers 409 and nothing happens.
import { createInterface } from 'node:readline/promises';
import type { ActionAccepted, ActionPreview, ActionRequest, RunControlDto } from '@trainboard/shared/control/api';
import { ActionRequestSchema } from '@trainboard/shared/control/api';
import { ApiError, createApiClient, type ApiClient } from '../apiClient.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';

const command = {
  name: 'run',
  usage: `usage: trainboard run ACTION RUN_ID [options] [--yes] [--server URL]

actions:
  status                 desired state, version, jobs of the chain, pending actions
  cancel [--job ID]      cancel one job (the chain replaces it) or the whole run
  resubmit               cancel the queued jobs and submit a new one (it resumes from the last checkpoint)
  exclude --nodes LIST   keep the run off these nodes (pending jobs updated, a job on them replaced)
  save-exit              touch the kill switch: the job checkpoints and exits; the chain is held
  hold | release         stop / continue submitting (release clears a forgotten kill switch)
  chain --length N       keep N jobs queued
`,
};

function actionOf(name: string, v: { job?: string; nodes?: string; length?: string }): unknown {
  switch (name) {
    case 'cancel':
      return v.job ? { kind: 'cancel_job', jobId: v.job } : { kind: 'cancel_run' };
    case 'exclude':
      return { kind: 'exclude', nodes: v.nodes };
    case 'save-exit':
      return { kind: 'save_exit' };
    case 'chain':
      return { kind: 'set_chain_length', length: Number(v.length) };
    default:
      return { kind: name };
  }
}

export function formatStatus(s: RunControlDto): string {
  const jobs = s.jobs.map(
    (j) =>
      `  #${j.chainSeq ?? '?'} ${(j.schedulerJobId ?? '-').padEnd(8)} ${j.state.padEnd(11)} ${j.phase ?? ''} ${j.nodeList ?? ''}`,
  );
  const pending = s.pendingActions.map((a) => `  pending: ${a.kind} by ${a.requestedBy}`);
  return [
    `run ${s.runId} ${s.name} on ${s.cluster ?? '?'}: ${s.desiredState ?? 'followed only'} (version ${s.version}, chain ${s.chainLength})`,
    ...jobs,
    ...pending,
    '',
  ].join('\n');
}

async function confirm(io: CliIo): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: io.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question('proceed? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}

async function requestAction(api: ApiClient, runId: string, action: ActionRequest, yes: boolean, io: CliIo) {
  const preview = await api.post<ActionPreview>(`/api/runs/${runId}/actions/preview`, { action });
  if (preview.refusal) {
    io.stderr.write(`trainboard run: refused: ${preview.refusal}\n`);
    return 1;
  }
  io.stdout.write([...preview.commands.map((c) => `$ ${c}`), ...preview.effects.map((e) => `- ${e}`), ''].join('\n'));
  if (!yes && !(await confirm(io))) {
    io.stderr.write('trainboard run: not confirmed (use --yes when not on a terminal)\n');
    return 1;
  }
  const r = await api.post<ActionAccepted>(`/api/runs/${runId}/actions`, { action, expectedVersion: preview.version });
  io.stdout.write(`action ${r.actionId} requested; the controller runs it now (trainboard audit --run ${runId})\n`);
  return 0;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(command, argv, io, {
    help: { type: 'boolean', short: 'h' },
    job: { type: 'string' },
    nodes: { type: 'string' },
    length: { type: 'string' },
    yes: { type: 'boolean', short: 'y' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const [name, runId] = parsed.positionals;
  if (!name || !runId || !/^\d+$/.test(runId)) return usageError(command, io, 'give an action and a run id');
  const api = createApiClient(parsed.values.server);
  try {
    if (name === 'status') {
      io.stdout.write(formatStatus(await api.get<RunControlDto>(`/api/runs/${runId}/control`)));
      return 0;
    }
    const action = ActionRequestSchema.safeParse(actionOf(name, parsed.values));
    if (!action.success) return usageError(command, io, `${name}: ${action.error.issues[0]?.message ?? 'invalid'}`);
    return await requestAction(api, runId, action.data, parsed.values.yes ?? false, io);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const hint = err.code === 'run_changed' ? ' (run the command again to see the new preview)' : '';
    io.stderr.write(`trainboard run: ${err.message}${hint}\n`);
    return 1;
  }
}
