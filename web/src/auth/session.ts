// Who is signed in: `GET /api/auth/me` answers {user, csrfToken}; sign-in and sign-out are the two auth mutations.
// The CSRF token is handed to http.ts, which sends it on every later mutation.
import type { MeResponse, SessionUserDto } from '@trainboard/shared/auth/roles';
import { ApiError, get, post, setCsrfToken } from '../http.js';

export { roleAtLeast, type Role } from '@trainboard/shared/auth/roles';
export type SessionUser = SessionUserDto;

/**
 * The session as the app sees it. `open` is a server without sign-in (one older than the auth routes): the dashboard
 * reads as before and shows no controls, since nothing says who is asking.
 */
export type Session = { kind: 'signed-in'; user: SessionUser } | { kind: 'signed-out' } | { kind: 'open' };

export async function loadSession(): Promise<Session> {
  try {
    const me = await get<MeResponse>('/api/auth/me');
    setCsrfToken(me.csrfToken);
    return me.user ? { kind: 'signed-in', user: me.user } : { kind: 'signed-out' };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { kind: 'open' };
    throw err;
  }
}

/** Words for a failed sign-in: the server's own message for a refusal, otherwise what went wrong. */
export function signInErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 429) return 'Too many sign-in attempts. Wait a few minutes, then try again.';
    if (err.status === 401 || err.status === 400) return 'That user name and password do not match. Try again.';
    if (err.status === 403) return 'The server refused the sign-in from this page. Reload the page and try again.';
    return `The server could not sign you in (${err.message}).`;
  }
  return 'The server did not answer. Check that Trainboard is running, then try again.';
}

/** Signs in, then re-reads the session: the server regenerates it at sign-in, so the CSRF token is a new one. */
export async function signIn(username: string, password: string): Promise<Session> {
  await post('/api/auth/login', { username, password });
  return loadSession();
}

export async function signOut(): Promise<void> {
  try {
    await post('/api/auth/logout');
  } finally {
    setCsrfToken(null);
  }
}
