// `trainboard user add` creates the first admin (audited as local:<os user>); `token create` prints a token once;
// `login` signs in over HTTP and stores a token (0600) that authenticates.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/client.js';
import { createRepositories } from '../../db/repositories.js';
import { startServerStack, type ServerStack } from '../../stack.js';
import { captureIo } from '../../testing/captureIo.js';
import { run as login } from './login.js';
import { run as token } from './token.js';
import { run as user } from './user.js';

let dir: string;
let db: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tb-user-'));
  db = join(dir, 'tb.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stdin = (text: string) => Readable.from([text]);

describe('trainboard user / token / login', () => {
  it('adds the first admin with a password from stdin, audited as the local OS user', async () => {
    const io = captureIo();
    expect(
      await user(
        ['add', 'alice', '--role', 'admin', '--password-stdin', '--db', db],
        io,
        stdin('correct horse battery\n'),
      ),
    ).toBe(0);
    expect(io.out()).toContain('user alice added (admin)');
    const conn = openDatabase(db);
    const repos = createRepositories(conn.sqlite);
    expect(repos.users.byName('alice')).toMatchObject({ role: 'admin', disabledAt: null });
    expect(repos.users.byName('alice')!.passwordHash).toMatch(/^scrypt\$/);
    expect(repos.audit.list({ limit: 5 })[0]).toMatchObject({
      action: 'user.add',
      actorName: `local:${userInfo().username}`,
    });
    conn.close();
  });

  it('refuses a short password, a bad role and a hostile name', async () => {
    const io = captureIo();
    expect(await user(['add', 'bob', '--role', 'viewer', '--password-stdin', '--db', db], io, stdin('short\n'))).toBe(
      2,
    );
    expect(
      await user(['add', 'bob', '--role', 'root', '--password-stdin', '--db', db], io, stdin('long enough pw\n')),
    ).toBe(2);
    expect(
      await user(
        ['add', 'bob;rm -rf', '--role', 'viewer', '--password-stdin', '--db', db],
        io,
        stdin('long enough pw\n'),
      ),
    ).toBe(2);
  });

  it('keeps the last admin', async () => {
    const io = captureIo();
    expect(await user(['set-role', 'alice', '--role', 'viewer', '--db', db], io)).toBe(1);
    expect(io.err()).toContain('last admin');
  });

  it('creates a token printed once, and stores only its hash', async () => {
    const io = captureIo();
    expect(await token(['create', '--user', 'alice', '--name', 'ci', '--role', 'operator', '--db', db], io)).toBe(0);
    const secret = io.out().trim();
    expect(secret).toMatch(/^tbt_/);
    const conn = openDatabase(db);
    const raw = JSON.stringify(conn.sqlite.prepare('SELECT * FROM api_tokens').all());
    conn.close();
    expect(raw).not.toContain(secret);
  });

  describe('login', () => {
    let stack: ServerStack;
    beforeAll(async () => {
      stack = await startServerStack({ dbPath: db, logger: pino({ level: 'silent' }) });
    });
    afterAll(async () => stack?.stop());

    it('stores a working token in a 0600 file', async () => {
      const env = process.env.XDG_CONFIG_HOME;
      process.env.XDG_CONFIG_HOME = join(dir, 'config');
      try {
        const io = captureIo();
        const code = await login(
          ['--user', 'alice', '--server', stack.url, '--password-stdin'],
          io,
          stdin('correct horse battery\n'),
        );
        expect(io.err()).toBe('');
        expect(code).toBe(0);
        const file = join(dir, 'config', 'trainboard', 'credentials');
        expect(statSync(file).mode & 0o777).toBe(0o600);
        const { token: secret } = JSON.parse(readFileSync(file, 'utf8')) as { token: string };
        const me = await fetch(new URL('/api/auth/me', stack.url), { headers: { authorization: `Bearer ${secret}` } });
        expect(((await me.json()) as { user: { username: string } }).user.username).toBe('alice');
        const wrong = captureIo();
        expect(
          await login(['--user', 'alice', '--server', stack.url, '--password-stdin'], wrong, stdin('nope nope nope\n')),
        ).toBe(1);
      } finally {
        if (env === undefined) delete process.env.XDG_CONFIG_HOME;
        else process.env.XDG_CONFIG_HOME = env;
      }
    });
  });
});
