// `trainboard publish RUN_ID --slug S --title T [--description D] [--show-nodes]` and `trainboard unpublish RUN_ID`:
// the run's public progress page at /p/<slug>, from a terminal. Both go through the server's API (operators; the
// server validates, refuses a slug another run holds and audits), so the live page changes at once.
import { PublicationInputSchema, type PublicationDto } from '@trainboard/shared/public/publication';
import { ApiError, createApiClient } from '../apiClient.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';

const publishCommand = {
  name: 'publish',
  usage: `usage: trainboard publish RUN_ID --slug SLUG --title TITLE [--description TEXT] [--show-nodes] [--server URL]

Publishes the run at /p/SLUG: anyone with the link sees its progress, loss curve and a sanitised timeline (no
hostnames, paths, job ids or log text; node names only with --show-nodes). Run it again to change the page.
  --slug SLUG          lower-case letters, digits and hyphens, 1-64 characters
  --title TITLE        1-120 characters (the page shows this, not the run's name)
  --description TEXT   up to 500 characters
  --show-nodes         name the nodes in the timeline ("... on node gpu-12")
`,
};

const unpublishCommand = {
  name: 'unpublish',
  usage: `usage: trainboard unpublish RUN_ID [--server URL]

Takes the run's public page down (its /p/ address answers 404 at once).
`,
};

function failed(name: string, err: unknown, io: CliIo): number {
  if (!(err instanceof ApiError)) throw err;
  io.stderr.write(`trainboard ${name}: ${err.message}\n`);
  return 1;
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(publishCommand, argv, io, {
    help: { type: 'boolean', short: 'h' },
    slug: { type: 'string' },
    title: { type: 'string' },
    description: { type: 'string' },
    'show-nodes': { type: 'boolean' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const { values: v, positionals } = parsed;
  const [runId, ...extra] = positionals;
  if (!runId || !/^[1-9]\d*$/.test(runId) || extra.length > 0) return usageError(publishCommand, io, 'give one run id');
  const input = PublicationInputSchema.safeParse({
    slug: v.slug,
    title: v.title,
    description: v.description ?? null,
    showNodes: v['show-nodes'] ?? false,
  });
  if (!input.success) {
    const issue = input.error.issues[0];
    return usageError(publishCommand, io, `--${String(issue?.path[0] ?? 'slug')}: ${issue?.message ?? 'invalid'}`);
  }
  const api = createApiClient(v.server);
  try {
    const p = await api.put<PublicationDto>(`/api/runs/${runId}/publication`, input.data);
    io.stdout.write(`run ${runId} is public at ${api.server}${p.path}${p.showNodes ? ' (node names shown)' : ''}\n`);
    return 0;
  } catch (err) {
    return failed('publish', err, io);
  }
}

export async function unpublish(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(unpublishCommand, argv, io, {
    help: { type: 'boolean', short: 'h' },
    server: { type: 'string' },
  });
  if (typeof parsed === 'number') return parsed;
  const [runId, ...extra] = parsed.positionals;
  if (!runId || !/^[1-9]\d*$/.test(runId) || extra.length > 0)
    return usageError(unpublishCommand, io, 'give one run id');
  const api = createApiClient(parsed.values.server);
  try {
    await api.delete(`/api/runs/${runId}/publication`);
    io.stdout.write(`run ${runId} is no longer public\n`);
    return 0;
  } catch (err) {
    return failed('unpublish', err, io);
  }
}
