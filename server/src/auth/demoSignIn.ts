// The demo's sign-in: a `demo` operator (random password, never printed) and a one-time URL that signs a browser
// in and lands on `next` (10 minutes, single use). `npm run demo` prints the URL instead of asking for set-up.
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../app.js';

export const DEMO_USER = 'demo';
export const LOGIN_LINK_TTL_MS = 10 * 60_000;

export async function demoSignInUrl(ctx: AuthContext, baseUrl: string, next = '/'): Promise<string> {
  const existing = ctx.store.users.byName(DEMO_USER);
  const user =
    existing ??
    (await ctx.users.add(DEMO_USER, randomBytes(24).toString('base64url'), 'operator', {
      kind: 'local',
      name: 'demo',
      userId: null,
      role: 'admin',
    }));
  const secret = ctx.auth.createLoginLink(user.id, LOGIN_LINK_TTL_MS);
  const url = new URL('/api/auth/once', baseUrl);
  url.search = new URLSearchParams({ t: secret, next }).toString();
  return url.toString();
}
