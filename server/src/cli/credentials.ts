// Where `trainboard login` keeps the API token for the HTTP commands: ~/.config/trainboard/credentials (0600),
// JSON {server, token}. TRAINBOARD_TOKEN / TRAINBOARD_URL override it (CI, scripts).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const DEFAULT_SERVER = 'http://127.0.0.1:3000';

const credentialsSchema = z.object({
  server: z.string().url(),
  token: z.string().regex(/^tbt_[A-Za-z0-9_-]{20,200}$/),
});
export type Credentials = z.infer<typeof credentialsSchema>;

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'trainboard', 'credentials');
}

export function writeCredentials(c: Credentials, path = credentialsPath()): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(c) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600); // an existing file keeps its mode on write
}

/** The token and server to use: environment first, then the stored file; null when neither. */
export function readCredentials(env: NodeJS.ProcessEnv = process.env, path = credentialsPath(env)): Credentials | null {
  const server = env.TRAINBOARD_URL;
  if (env.TRAINBOARD_TOKEN)
    return credentialsSchema.parse({ server: server ?? DEFAULT_SERVER, token: env.TRAINBOARD_TOKEN });
  try {
    const stored = credentialsSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
    return server ? { ...stored, server } : stored;
  } catch {
    return null;
  }
}
