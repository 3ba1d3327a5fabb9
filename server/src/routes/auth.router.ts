// /api/auth: who am I (+ the CSRF token), sign in (a session cookie, or an API token for the CLI), the demo's
// one-time sign-in link, sign out. Failures say the same thing whatever was wrong.
import type { Request } from 'express';
import { z } from 'zod';
import { PASSWORD, TOKEN_NAME, USERNAME, type MeResponse } from '@trainboard/shared/auth/roles';
import type { AuthService } from '../auth/auth.service.js';
import type { UserRow } from '../auth/ports.js';
import { csrfToken } from '../http/authenticate.js';
import { route, type RouteDef } from '../http/routeTable.js';
import { HttpError } from './errors.js';

const loginSchema = z.object({
  // Any string up to the limits: a malformed name is just a failed sign-in, not a different answer.
  username: z.string().min(1).max(64),
  password: z
    .string()
    .min(1)
    .max(PASSWORD.maxLength ?? 256),
  /** Ask for an API token (the CLI's `login`) instead of a session cookie. */
  token: z.object({ name: TOKEN_NAME }).optional(),
});

const onceSchema = z.object({
  t: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/),
  next: z
    .string()
    .regex(/^\/(?!\/)[A-Za-z0-9/_-]{0,200}$/)
    .default('/'),
});

const signIn = (req: Request, user: UserRow) =>
  new Promise<void>((resolve, reject) =>
    // A fresh session id at sign-in: a fixated pre-login id never becomes an authenticated one.
    req.session.regenerate((err) => {
      if (err) return reject(err as Error);
      Object.assign(req.session, {
        userId: user.id,
        signedInAt: Date.now(),
        ip: req.ip,
        userAgent: req.headers['user-agent'] ?? '',
      });
      req.session.save((e) => (e ? reject(e as Error) : resolve()));
    }),
  );

const sessionUser = (u: Pick<UserRow, 'id' | 'username' | 'role'>) => ({
  id: u.id,
  username: u.username,
  role: u.role,
});

export function authRouter(auth: AuthService): RouteDef[] {
  return [
    route('get', '/api/auth/me', 'anonymous', (req, res) => {
      const a = req.actor;
      const body: MeResponse = {
        user: a ? { id: a.userId, username: a.name, role: a.role } : null,
        csrfToken: a?.kind === 'user' ? csrfToken(req) : null,
      };
      res.json(body);
    }),
    route(
      'post',
      '/api/auth/login',
      'anonymous',
      async (req, res) => {
        const body = loginSchema.safeParse(req.body);
        const user =
          body.success && USERNAME.safeParse(body.data.username).success
            ? await auth.login(body.data.username, body.data.password, { requestId: req.requestId, ip: req.ip })
            : null;
        if (!body.success || !user) throw new HttpError(401, 'invalid_credentials', 'wrong user name or password');
        if (body.data.token) {
          const { secret } = auth.createToken(user, body.data.token.name, undefined, {
            kind: 'user',
            userId: user.id,
            name: user.username,
            role: user.role,
            requestId: req.requestId,
          });
          return void res.status(201).json({ user: sessionUser(user), token: secret });
        }
        await signIn(req, user);
        res.json({ user: sessionUser(user), csrfToken: csrfToken(req) } satisfies MeResponse);
      },
      { csrf: false, rateLimit: 'login', summary: 'no session yet: Origin check and login limiter instead of CSRF' },
    ),
    route(
      'get',
      '/api/auth/once',
      'anonymous',
      async (req, res) => {
        const q = onceSchema.safeParse(req.query);
        const user = q.success ? auth.consumeLoginLink(q.data.t, { requestId: req.requestId, ip: req.ip }) : null;
        if (!q.success || !user) throw new HttpError(401, 'invalid_link', 'this sign-in link is invalid or was used');
        await signIn(req, user);
        res.redirect(303, q.data.next);
      },
      { rateLimit: 'login' },
    ),
    route('post', '/api/auth/logout', 'viewer', async (req, res) => {
      await new Promise<void>((resolve, reject) =>
        req.session.destroy((err) => (err ? reject(err as Error) : resolve())),
      );
      if (req.actor) auth.signedOut(req.actor.userId);
      res.clearCookie('tb.sid');
      res.status(204).end();
    }),
  ];
}
