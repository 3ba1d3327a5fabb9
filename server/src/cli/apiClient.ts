// The HTTP side of the CLI (`submit`, `run`, `audit`): the server and API token from --server / TRAINBOARD_URL /
// TRAINBOARD_TOKEN or the file `trainboard login` writes (~/.config/trainboard/credentials, JSON {server, token}).
// Bearer tokens carry no ambient credential, so these requests need no CSRF token.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

const stored = z.object({ server: z.string().url(), token: z.string().regex(/^tbt_[A-Za-z0-9_-]{20,200}$/) });

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
}

function readStored(env: NodeJS.ProcessEnv): z.infer<typeof stored> | null {
  const path = join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'trainboard', 'credentials');
  try {
    return stored.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return null;
  }
}

/** @throws Error when no token is configured (run `trainboard login` or set TRAINBOARD_TOKEN). */
export function createApiClient(server: string | undefined, env: NodeJS.ProcessEnv = process.env): ApiClient {
  const file = readStored(env);
  const token = env.TRAINBOARD_TOKEN ?? file?.token;
  if (!token) throw new Error('no API token: run `trainboard login` or set TRAINBOARD_TOKEN');
  const base = (server ?? env.TRAINBOARD_URL ?? file?.server ?? DEFAULT_SERVER).replace(/\/$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
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
  return { server: base, get: (path) => call('GET', path), post: (path, body) => call('POST', path, body) };
}
