// `trainboard <command> ...`: dispatches to one module per command, loaded lazily so that
// `trainboard parse` never pays for the database or SSH code.
import type { CliIo } from './args.js';

export type CommandRun = (argv: string[], io: CliIo) => Promise<number>;

interface CommandEntry {
  summary: string;
  load: () => Promise<{ run: CommandRun }>;
}

const commands: Record<string, CommandEntry> = {
  parse: {
    summary: 'parse Megatron-DeepSpeed logs: a summary, or events as JSON lines (--json)',
    load: () => import('./commands/parse.js'),
  },
  detect: {
    summary: 'replay a log through the detectors: its incidents (crash, node failure, hang, …), or JSON lines (--json)',
    load: () => import('./commands/detect.js'),
  },
  import: {
    summary: 'import a historical main_log.txt into the database (idempotent, resumable)',
    load: () => import('./commands/import.js'),
  },
  validate: { summary: 'validate a run config (errors exit 1)', load: () => import('./commands/validate.js') },
  plan: { summary: 'derived values of a run config or preset (--json)', load: () => import('./commands/plan.js') },
  render: {
    summary: 'render the sbatch script and DeepSpeed config of a run config or preset',
    load: () => import('./commands/render.js'),
  },
  submit: {
    summary: 'submit a run (config file or preset) to a cluster; --dry-run shows the exact script and sbatch argv',
    load: () => import('./commands/submit.js'),
  },
  run: {
    summary: 'status and actions on a run: cancel, resubmit, exclude, save-exit, hold, release, chain',
    load: () => import('./commands/run.js'),
  },
  publish: {
    summary: 'publish a run at /p/<slug> (a public progress page), or change its title, description or node names',
    load: () => import('./commands/publish.js'),
  },
  unpublish: {
    summary: "take a run's public page down",
    load: () => import('./commands/publish.js').then((m) => ({ run: m.unpublish })),
  },
  alerts: {
    summary: "where a run's incident alerts go (webhooks, e-mail, by severity); --set FILE replaces it",
    load: () => import('./commands/alerts.js'),
  },
  recovery: {
    summary: "what Trainboard does by itself on a run's incidents, and its restarts left; --set FILE replaces it",
    load: () => import('./commands/recovery.js'),
  },
  audit: { summary: 'the audit log: who did what, with the exact command', load: () => import('./commands/audit.js') },
  cluster: {
    summary: 'add, list, test or remove the clusters Trainboard uses',
    load: () => import('./commands/cluster.js'),
  },
  follow: {
    summary: 'register a log file on the cluster for the server to follow live',
    load: () => import('./commands/follow.js'),
  },
  user: {
    summary: 'add, list and change users and roles (the first admin too)',
    load: () => import('./commands/user.js'),
  },
  token: { summary: 'create, list and revoke API tokens', load: () => import('./commands/token.js') },
  login: {
    summary: 'sign in to a server and store an API token for the CLI',
    load: () => import('./commands/login.js'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: trainboard <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'trainboard <command> --help' for a command's options.\n`;
}

export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage());
    return name ? 0 : 2;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`trainboard: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const { run } = await entry.load();
  return run(rest, io);
}
