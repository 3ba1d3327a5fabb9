// What the user/token commands share: the database opened directly (bootstrap: whoever owns the file is the
// host's admin), the auth services over it, the local actor for the audit, and passwords read without echo.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { AuditActor } from '../auth/auth.service.js';
import { createAuthContext, type AuthContext } from '../app.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { createRepositories } from '../db/repositories.js';
import type { CliIo } from './args.js';

export const DEFAULT_DB_PATH = '.trainboard/trainboard.db';

export function localActor(): AuditActor {
  return { kind: 'local', name: userInfo().username, userId: null, role: 'admin' };
}

export function openAuth(dbPath: string | undefined): { conn: OpenDatabase; ctx: AuthContext } {
  const conn = openDatabase(resolve(dbPath ?? DEFAULT_DB_PATH));
  return { conn, ctx: createAuthContext(createRepositories(conn.sqlite)) };
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

/** One line typed without echo on a terminal. */
function prompt(question: string, io: CliIo, input: NodeJS.ReadableStream): Promise<string> {
  io.stderr.write(question);
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  const rl = createInterface({ input, output: muted, terminal: true });
  return new Promise((resolvePassword) =>
    rl.question('', (answer) => {
      rl.close();
      io.stderr.write('\n');
      resolvePassword(answer);
    }),
  );
}

/** The password from stdin (--password-stdin: the first line) or a terminal prompt (asked twice); null if neither. */
export async function readPassword(
  fromStdin: boolean,
  io: CliIo,
  input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
): Promise<string | null> {
  if (fromStdin) return (await readAll(input)).split(/\r?\n/)[0] ?? '';
  if (!input.isTTY) return null;
  const first = await prompt('password: ', io, input);
  const again = await prompt('again: ', io, input);
  if (first !== again) {
    io.stderr.write('the passwords differ\n');
    return null;
  }
  return first;
}
