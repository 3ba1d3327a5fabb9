// The HTTP side of the CLI (`submit`, `run`, `audit`, `publish`): the server and API token from --server / TRAINBOARD_URL /
// TRAINBOARD_TOKEN or the file `trainboard login` writes (~/.config/trainboard/credentials, JSON {server, token}).
// Bearer tokens carry no ambient credential, so these requests need no CSRF token.
import { DEFAULT_SERVER, readCredentials } from './credentials.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiClient {
  server: string;
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** `headers`: extra request headers (e.g. If-Match for a conditional replace). */
  put<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

/** @throws Error when no token is configured (run `trainboard login` or set TRAINBOARD_TOKEN). */
export function createApiClient(server: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const credentials = readCredentials(env);
  if (!credentials) throw new Error('no API token: run `trainboard login` or set TRAINBOARD_TOKEN');
  const { token } = credentials;
  const base = (server ?? credentials.server ?? DEFAULT_SERVER).replace(/\/$/, '');
  const call = async <T>(
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...extra,
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    if (!res.ok) {
      const code = typeof json.code === 'string' ? json.code : `http_${res.status}`;
      throw new ApiError(res.status, code, typeof json.message === 'string' ? json.message : res.statusText, json);
    }
    return json as T;
  };
  return {
    server: base,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    put: (path, body, headers) => call('PUT', path, body, headers),
    delete: (path) => call('DELETE', path),
  };
}
