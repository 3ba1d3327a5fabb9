// `trainboard submit CONFIG | --preset NAME --cluster NAME [--chain N] [--name RUN] [--dry-run]`: sends the run
// config to the server, which validates, renders and records the run; its controller submits the chain. With
// --dry-run, prints the exact script and sbatch argv instead.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { RunCreated, SubmitPreviewDto } from '@trainboard/shared/control/api';
import { parseRunConfigText } from '@trainboard/shared/runconfig/index';
import { shellCommand } from '@trainboard/shared/slurm/quote';
import { ApiError, createApiClient } from '../apiClient.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';

const command = {
  name: 'submit',
  usage: `usage: trainboard submit CONFIG.yaml|--preset NAME --cluster NAME [--chain N] [--name RUN] [--dry-run] [--server URL]

Submits a run: the server validates the config (with the cluster's defaults and profile), renders the job script,
creates the run folder and keeps a chain of N jobs (default 2) queued, each afterany the previous.
--dry-run prints the exact script and sbatch commands without submitting.
`,
};

export function formatPreview(p: SubmitPreviewDto): string {
  const issues = p.issues.map((i) => `${i.severity} ${i.path} [${i.rule}]: ${i.why}\n  fix: ${i.fix}`);
  if (!p.ok) return `the config has errors:\n${issues.join('\n')}\n`;
  const argv = p.sbatchArgv.map((a, i) => `  job ${i + 1}: ${shellCommand(a)} < ${p.runDir}/script`);
  return [
    `run ${p.runName} on ${p.cluster}, chain of ${p.chainLength}, folder ${p.runDir}`,
    ...issues,
    'commands (the key tb.<install>.<id> is assigned per job at submission):',
    ...argv,
    '--- script ---',
    p.script ?? '',
  ].join('\n');
}

async function readConfig(path: string): Promise<Record<string, unknown> | string> {
  const parsed = parseRunConfigText(await readFile(path, 'utf8'), extname(path) === '.json' ? 'json' : 'yaml');
  if (!parsed.ok) return parsed.issues.map((i) => `${i.path}: ${i.why}`).join('\n');
  return parsed.value as Record<string, unknown>;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(command, argv, io, {
    help: { type: 'boolean', short: 'h' },
    preset: { type: 'string' },
    cluster: { type: 'string' },
    chain: { type: 'string' },
    name: { type: 'string' },
    'dry-run': { type: 'boolean' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  if (!v.cluster) return usageError(command, io, '--cluster is required');
  if ((positionals.length === 1) === (v.preset !== undefined))
    return usageError(command, io, 'give either a config file or --preset NAME');
  if (v.chain !== undefined && !/^\d+$/.test(v.chain)) return usageError(command, io, '--chain takes a number');
  const config = v.preset ? { preset: v.preset } : await readConfig(positionals[0]!);
  if (typeof config === 'string') {
    io.stderr.write(`trainboard submit: cannot read the config:\n${config}\n`);
    return 1;
  }
  const body = {
    cluster: v.cluster,
    config,
    ...(v.name ? { name: v.name } : {}),
    ...(v.chain ? { chainLength: Number(v.chain) } : {}),
  };
  const api = createApiClient(v.server);
  try {
    if (v['dry-run']) {
      const preview = await api.post<SubmitPreviewDto>('/api/runs/preview', body);
      io.stdout.write(formatPreview(preview));
      return preview.ok ? 0 : 1;
    }
    const created = await api.post<RunCreated>('/api/runs', body);
    io.stdout.write(`run ${created.runId} submitted; follow it with: trainboard run status ${created.runId}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const preview = err.body.preview as SubmitPreviewDto | undefined;
    io.stderr.write(`trainboard submit: ${err.message}\n${preview ? formatPreview(preview) : ''}`);
    return 1;
  }
}
