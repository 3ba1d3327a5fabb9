// /api/tokens: a user's API tokens (admins may list/revoke everyone's with ?all=1). The secret is in the POST's
// answer only; lists show the prefix.
import { z } from 'zod';
import { TOKEN_NAME, roleSchema } from '@trainboard/shared/auth/roles';
import type { AuthService } from '../auth/auth.service.js';
import type { ApiTokenRow, UsersPort } from '../auth/ports.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';
import { parseBody } from './users.router.js';

const createSchema = z.object({ name: TOKEN_NAME, role: roleSchema.optional() });

const tokenDto = (t: ApiTokenRow) => ({
  id: t.id,
  userId: t.userId,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  createdAt: t.createdAt,
  lastUsedAt: t.lastUsedAt,
  expiresAt: t.expiresAt,
  revoked: t.revokedAt !== null,
});

export function tokensRouter(auth: AuthService, users: Pick<UsersPort, 'byId'>): RouteDef[] {
  return [
    route('get', '/api/tokens', 'viewer', (req, res) => {
      res.json({ tokens: auth.listTokens(req.actor!, req.query.all === '1').map(tokenDto) });
    }),
    route('post', '/api/tokens', 'viewer', (req, res) => {
      const b = parseBody(createSchema, req.body);
      const owner = users.byId(req.actor!.userId);
      if (!owner) throw new HttpError(401, 'unauthorized', 'sign in first');
      // The ceiling is the caller's effective role: a token made with a token never outranks the one that made it.
      const { secret, token } = auth.createToken({ ...owner, role: req.actor!.role }, b.name, b.role, req.actor!);
      res.status(201).json({ ...tokenDto(token), token: secret });
    }),
    route('delete', '/api/tokens/:id', 'viewer', (req, res) => {
      auth.revokeToken(parseBody(z.coerce.number().int().positive(), req.params.id), req.actor!);
      res.status(204).end();
    }),
  ];
}
