// `trainboard user add|list|set-role|disable|enable|passwd`: manage users on this host's database directly
// (the first admin is created this way). Audited as `local:<os user>`.
import { PASSWORD, USERNAME, roleSchema } from '@trainboard/shared/auth/roles';
import { HttpError } from '../../routes/errors.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';
import { DEFAULT_DB_PATH, localActor, openAuth, readPassword } from '../localAuth.js';

const USAGE = `usage: trainboard user add NAME --role viewer|operator|admin [--password-stdin] [--db PATH]
       trainboard user list [--db PATH]
       trainboard user set-role NAME --role ROLE [--db PATH]
       trainboard user disable|enable NAME [--db PATH]
       trainboard user passwd NAME [--password-stdin] [--db PATH]

Roles: viewer reads; operator acts on runs; admin manages clusters and users. The password is asked twice on a
terminal, or read from the first line of stdin with --password-stdin (at least 10 characters).

  --db PATH   database file (default ${DEFAULT_DB_PATH})
`;
const COMMAND = { name: 'user', usage: USAGE };

export async function run(argv: string[], io: CliIo, input?: NodeJS.ReadableStream): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    role: { type: 'string' },
    'password-stdin': { type: 'boolean', default: false },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const [action, name] = args.positionals;
  const { values } = args;
  if (!action) return usageError(COMMAND, io, 'missing action');
  if (action !== 'list' && !USERNAME.safeParse(name).success)
    return usageError(COMMAND, io, `invalid or missing user name ${JSON.stringify(name ?? '')}`);
  const role = values.role === undefined ? undefined : roleSchema.safeParse(values.role);
  if (role && !role.success) return usageError(COMMAND, io, 'role must be viewer, operator or admin');
  if ((action === 'add' || action === 'set-role') && !role) return usageError(COMMAND, io, 'missing --role');
  let password: string | null = null;
  if (action === 'add' || action === 'passwd') {
    password = await readPassword(values['password-stdin'], io, input);
    if (password === null) return usageError(COMMAND, io, 'no password: use a terminal or --password-stdin');
    const ok = PASSWORD.safeParse(password);
    if (!ok.success) return usageError(COMMAND, io, ok.error.issues[0]?.message ?? 'invalid password');
  }
  const { conn, ctx } = openAuth(values.db);
  try {
    const actor = localActor();
    const user = () => {
      const u = ctx.store.users.byName(name!);
      if (!u) throw new HttpError(404, 'not_found', `no user ${name}`);
      return u;
    };
    switch (action) {
      case 'add': {
        const u = await ctx.users.add(name!, password!, role!.data!, actor);
        io.stdout.write(`user ${u.username} added (${u.role})\n`);
        return 0;
      }
      case 'list':
        for (const u of ctx.users.list())
          io.stdout.write(`${u.username}\t${u.role}${u.disabled ? '\tdisabled' : ''}\n`);
        return 0;
      case 'set-role':
        io.stdout.write(`user ${name}: ${ctx.users.setRole(user().id, role!.data!, actor).role}\n`);
        return 0;
      case 'disable':
      case 'enable':
        ctx.users.setDisabled(user().id, action === 'disable', actor);
        io.stdout.write(`user ${name} ${action}d\n`);
        return 0;
      case 'passwd':
        await ctx.users.setPassword(user().id, password!, actor);
        io.stdout.write(`user ${name}: password changed\n`);
        return 0;
      default:
        return usageError(COMMAND, io, `unknown action ${JSON.stringify(action)}`);
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    io.stderr.write(`trainboard user: ${err.message}\n`);
    return 1;
  } finally {
    conn.close();
  }
}
