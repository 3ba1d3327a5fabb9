// Signing in from tests, the e2e stack and benches: users and API tokens created directly in the auth store, and
// a real sign-in over HTTP when a test needs the session cookie and its CSRF token.
import type { Role } from '@trainboard/shared/auth/roles';
import { createAuthContext, type AuthContext } from '../app.js';
import type { AuthStore, PublicUser } from '../auth/ports.js';
import { hashPassword } from '../auth/passwords.js';
import type { EdgeOptions } from '../http/security.js';
import type { OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';

export interface TestAuth {
  ctx: AuthContext;
  store: AuthStore;
  /** A user of this role (created once, named `test-<role>`), without a usable password. */
  user(role: Role): PublicUser;
  /** An API token (tbt_…) of a user of this role (created once). */
  token(role: Role): string;
  /** `{authorization: 'Bearer tbt_…'}` for token(role). */
  headers(role: Role): Record<string, string>;
  /** socket.io's `auth` option for token(role). */
  socket(role: Role): { token: string };
  /** A user with a password, for sign-in tests. */
  userWithPassword(username: string, password: string, role: Role): Promise<PublicUser>;
}

/** Auth over the database the app under test uses (an in-memory one is fine), or over a running stack's context. */
export function createTestAuth(source: OpenDatabase | AuthContext, edge: Partial<EdgeOptions> = {}): TestAuth {
  const ctx = 'sqlite' in source ? createAuthContext(createRepositories(source.sqlite), edge) : source;
  const store = ctx.store;
  const users = new Map<Role, PublicUser>();
  const tokens = new Map<Role, string>();
  const user = (role: Role) => {
    let u = users.get(role);
    if (!u) {
      u =
        store.users.byName(`test-${role}`) ?? store.users.insert({ username: `test-${role}`, passwordHash: '!', role });
      users.set(role, u);
    }
    return u;
  };
  const token = (role: Role) => {
    let secret = tokens.get(role);
    if (!secret) {
      const local = { kind: 'local', name: 'test', userId: null, role: 'admin' } as const;
      secret = ctx.auth.createToken(user(role), `test ${role}`, role, local).secret;
      tokens.set(role, secret);
    }
    return secret;
  };
  return {
    ctx,
    store,
    user,
    token,
    headers: (role) => ({ authorization: `Bearer ${token(role)}` }),
    socket: (role) => ({ token: token(role) }),
    async userWithPassword(username, password, role) {
      return store.users.insert({ username, passwordHash: await hashPassword(password), role });
    },
  };
}

export interface BrowserSession {
  /** `tb.sid=…` to send as the Cookie header. */
  cookie: string;
  csrfToken: string;
  /** Headers for an unsafe request made the way the dashboard makes it (cookie, CSRF token, same Origin). */
  headers: Record<string, string>;
}

/** Signs in over HTTP like the dashboard's login form does. */
export async function signInOverHttp(baseUrl: string, username: string, password: string): Promise<BrowserSession> {
  const origin = new URL(baseUrl).origin;
  const res = await fetch(new URL('/api/auth/login', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const cookie = /tb\.sid=[^;]+/.exec(setCookie)?.[0];
  if (!cookie) throw new Error('sign-in set no session cookie');
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return {
    cookie,
    csrfToken,
    headers: { cookie, 'x-csrf-token': csrfToken, origin, 'content-type': 'application/json' },
  };
}

/**
 * A one-time sign-in URL for a user of `role` (test-<role>), as the demo prints: a browser that opens it gets the
 * session cookie and lands on `next`. For e2e stacks: `await page.goto(signInUrl(stack.url, stack.authContext))`.
 */
export function signInUrl(baseUrl: string, ctx: AuthContext, role: Role = 'operator', next = '/'): string {
  const auth = createTestAuth(ctx);
  const secret = ctx.auth.createLoginLink(auth.user(role).id, 10 * 60_000);
  const url = new URL('/api/auth/once', baseUrl);
  url.search = new URLSearchParams({ t: secret, next }).toString();
  return url.toString();
}
