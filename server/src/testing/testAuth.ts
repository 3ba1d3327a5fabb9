// Signing in from tests, the e2e stack and benches: users and API tokens created directly in the auth store, and
// a real sign-in over HTTP when a test needs the session cookie and its CSRF token.
import type { Role } from '@trainboard/shared/auth/roles';
import { createAuthContext, type AuthContext } from '../app.js';
import type { AuthStore, UserRow } from '../auth/ports.js';
import { hashPassword } from '../auth/passwords.js';
import type { EdgeOptions } from '../http/security.js';
import { createMemoryAuthStore } from './memoryAuthStore.js';

export interface TestAuth {
  ctx: AuthContext;
  store: AuthStore;
  /** A user of this role (created once, named `test-<role>`), without a usable password. */
  user(role: Role): UserRow;
  /** `{authorization: 'Bearer tbt_…'}` for a token of a user of this role (created once). */
  headers(role: Role): Record<string, string>;
  /** A user with a password, for sign-in tests. */
  userWithPassword(username: string, password: string, role: Role): Promise<UserRow>;
}

export function createTestAuth(store: AuthStore = createMemoryAuthStore(), edge: Partial<EdgeOptions> = {}): TestAuth {
  const ctx = createAuthContext(store, edge);
  const users = new Map<Role, UserRow>();
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
  return {
    ctx,
    store,
    user,
    headers(role) {
      let secret = tokens.get(role);
      if (!secret) {
        const owner = user(role);
        secret = ctx.auth.createToken(owner, `test ${role}`, role, {
          kind: 'local',
          name: 'test',
          userId: null,
          role: 'admin',
        }).secret;
        tokens.set(role, secret);
      }
      return { authorization: `Bearer ${secret}` };
    },
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
