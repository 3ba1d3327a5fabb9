// `trainboard login --user NAME [--server URL] [--password-stdin]`: signs in over HTTP and stores an API token for
// the HTTP commands (submit, run, audit) in ~/.config/trainboard/credentials (0600).
import { hostname } from 'node:os';
import { USERNAME } from '@trainboard/shared/auth/roles';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';
import { credentialsPath, DEFAULT_SERVER, writeCredentials } from '../credentials.js';
import { readPassword } from '../localAuth.js';

const USAGE = `usage: trainboard login --user NAME [--server URL] [--password-stdin]

Signs in to the server (default ${DEFAULT_SERVER}, or $TRAINBOARD_URL) and stores a new API token in
${credentialsPath()} (mode 0600). Revoke it with 'trainboard token revoke' or in the dashboard.
`;
const COMMAND = { name: 'login', usage: USAGE };

export async function run(argv: string[], io: CliIo, input?: NodeJS.ReadableStream): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    user: { type: 'string' },
    server: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const { values } = args;
  if (!USERNAME.safeParse(values.user).success) return usageError(COMMAND, io, 'missing or invalid --user NAME');
  const server = values.server ?? process.env.TRAINBOARD_URL ?? DEFAULT_SERVER;
  let url: URL;
  try {
    url = new URL('/api/auth/login', server);
  } catch {
    return usageError(COMMAND, io, `invalid server URL ${JSON.stringify(server)}`);
  }
  const password = await readPassword(values['password-stdin'], io, input);
  if (password === null) return usageError(COMMAND, io, 'no password: use a terminal or --password-stdin');
  const name = `cli ${hostname()}`.replace(/[^A-Za-z0-9._ -]/g, '-').slice(0, 64);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: values.user, password, token: { name } }),
  }).catch(() => null);
  if (!res) {
    io.stderr.write(`trainboard login: cannot reach ${url.origin}\n`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { token?: string; message?: string; user?: { role: string } };
  if (res.status !== 201 || !body.token) {
    io.stderr.write(`trainboard login: ${body.message ?? `sign-in failed (${res.status})`}\n`);
    return 1;
  }
  writeCredentials({ server: url.origin, token: body.token });
  io.stdout.write(`signed in as ${values.user} (${body.user?.role ?? '?'}); token stored in ${credentialsPath()}\n`);
  return 0;
}
