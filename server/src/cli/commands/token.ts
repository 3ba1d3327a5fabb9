// `trainboard token create|list|revoke`: API tokens on this host's database directly. The secret is printed once.
import { TOKEN_NAME, USERNAME, roleSchema } from '@trainboard/shared/auth/roles';
import { HttpError } from '../../routes/errors.js';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';
import { DEFAULT_DB_PATH, localActor, openAuth } from '../localAuth.js';

const USAGE = `usage: trainboard token create --user NAME --name LABEL [--role ROLE] [--db PATH]
       trainboard token list [--user NAME] [--db PATH]
       trainboard token revoke ID [--db PATH]

create prints the token once (keep it: only its hash is stored). A token's role is at most its user's, and
min(token role, user role) applies at each use.

  --db PATH   database file (default ${DEFAULT_DB_PATH})
`;
const COMMAND = { name: 'token', usage: USAGE };

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, {
    user: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (typeof args === 'number') return args;
  const [action, id] = args.positionals;
  const { values } = args;
  if (values.user !== undefined && !USERNAME.safeParse(values.user).success)
    return usageError(COMMAND, io, 'invalid user name');
  const role = values.role === undefined ? undefined : roleSchema.safeParse(values.role);
  if (role && !role.success) return usageError(COMMAND, io, 'role must be viewer, operator or admin');
  if (action === 'create' && (!values.user || !TOKEN_NAME.safeParse(values.name).success))
    return usageError(COMMAND, io, 'create needs --user NAME and --name LABEL');
  if (action === 'revoke' && !/^[1-9][0-9]{0,15}$/.test(id ?? ''))
    return usageError(COMMAND, io, 'revoke needs a token ID');
  const { conn, ctx } = openAuth(values.db);
  try {
    const owner = values.user ? ctx.store.users.byName(values.user) : undefined;
    if (values.user && !owner) throw new HttpError(404, 'not_found', `no user ${values.user}`);
    switch (action) {
      case 'create': {
        const { secret, token } = ctx.auth.createToken(owner!, values.name!, role?.data, localActor());
        io.stderr.write(`token ${token.id} for ${owner!.username} (${token.role}); it is shown only now:\n`);
        io.stdout.write(`${secret}\n`);
        return 0;
      }
      case 'list':
        for (const t of ctx.store.apiTokens.list(owner?.id))
          io.stdout.write(
            `${t.id}\t${t.prefix}…\t${t.name}\t${t.role}\tuser ${t.userId}${t.revokedAt ? '\trevoked' : ''}\n`,
          );
        return 0;
      case 'revoke':
        ctx.auth.revokeToken(Number(id), localActor());
        io.stdout.write(`token ${id} revoked\n`);
        return 0;
      default:
        return usageError(COMMAND, io, `unknown action ${JSON.stringify(action ?? '')}`);
    }
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    io.stderr.write(`trainboard token: ${err.message}\n`);
    return 1;
  } finally {
    conn.close();
  }
}
