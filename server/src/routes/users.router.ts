// /api/users (admin): list, add, change role / password / disabled, remove. The last admin stays (409).
import { z } from 'zod';
import { PASSWORD, USERNAME, roleSchema } from '@trainboard/shared/auth/roles';
import type { UsersService } from '../auth/users.service.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';
import { canonicalIdParam } from './runParam.js';

const addSchema = z.object({ username: USERNAME, password: PASSWORD, role: roleSchema });
const patchSchema = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional(), password: PASSWORD.optional() })
  .refine((p) => Object.keys(p).length > 0, 'nothing to change');

export function parseBody<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success)
    throw new HttpError(
      400,
      'invalid_request',
      r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  return r.data;
}

export function usersRouter(users: UsersService): RouteDef[] {
  return [
    route('get', '/api/users', 'admin', (_req, res) => void res.json({ users: users.list() })),
    route('post', '/api/users', 'admin', async (req, res) => {
      const b = parseBody(addSchema, req.body);
      res.status(201).json(await users.add(b.username, b.password, b.role, req.actor!));
    }),
    route('patch', '/api/users/:id', 'admin', async (req, res) => {
      const id = canonicalIdParam(req.params.id, 'user');
      const p = parseBody(patchSchema, req.body);
      if (p.password !== undefined) await users.setPassword(id, p.password, req.actor!);
      if (p.disabled !== undefined) users.setDisabled(id, p.disabled, req.actor!);
      const updated = p.role !== undefined ? users.setRole(id, p.role, req.actor!) : undefined;
      res.json(updated ?? users.list().find((u) => u.id === id));
    }),
    route('delete', '/api/users/:id', 'admin', (req, res) => {
      users.remove(canonicalIdParam(req.params.id, 'user'), req.actor!);
      res.status(204).end();
    }),
  ];
}
