// Every request of the dashboard goes through here: JSON in and out, the session cookie sent by the browser, and the
// CSRF token of the session in `x-csrf-token` on every mutation (the server refuses a cookie-authenticated POST
// without it). A failure becomes an ApiError carrying the HTTP status and the server's error code, so callers can
// tell "signed out" (401), "not allowed" (403) and "the run changed" (409 run_changed) apart.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | null,
    /** The whole JSON body of the error answer (a 409 carries the run's current version). */
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | null = null;
/** Bumped whenever the session is (re)read: a 401 to a request sent before then says nothing about the new one. */
let sessionGeneration = 0;
const signedOutListeners = new Set<() => void>();

/** The session's CSRF token, from `GET /api/auth/me` (changes at sign-in: the session is regenerated). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
  sessionGeneration++;
}

/**
 * Called when a request answers 401: the session expired or was revoked, so the app shows the sign-in page. Not for
 * a request sent before the session was last read (the run page's prefetch, sent before anyone signed in).
 */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => void signedOutListeners.delete(listener);
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function request<T>(
  method: string,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { ...extraHeaders, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  const generation = sessionGeneration;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const parsed = parseJson(text);
  if (!res.ok) {
    const stale = generation !== sessionGeneration || path.startsWith('/api/auth/');
    if (res.status === 401 && !stale) for (const l of signedOutListeners) l();
    const message = typeof parsed.message === 'string' ? parsed.message : `${path}: HTTP ${res.status}`;
    throw new ApiError(message, res.status, typeof parsed.code === 'string' ? parsed.code : null, parsed);
  }
  return parsed as T;
}

function parseJson(text: string): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return {};
  }
}

export const get = <T>(path: string) => request<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {});
