// The server process as it is started in production: a real child process on a temporary database and a free port.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'trainboard-main-'));
let child: ChildProcessWithoutNullStreams | null = null;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves with the first pino line whose msg is `msg` (the child logs JSON lines on stdout). */
function logLine(proc: ChildProcessWithoutNullStreams, msg: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (const text of buffered.split('\n').slice(0, -1)) {
        const entry = JSON.parse(text) as Record<string, unknown>;
        if (entry.msg === msg) {
          proc.stdout.off('data', onData);
          resolve(entry);
        }
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    };
    proc.stdout.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`exited (${code}) before logging '${msg}'`)));
  });
}

describe('server/src/main.ts', () => {
  it('starts the stack from its environment, serves health and the dashboard, and stops cleanly on SIGTERM', async () => {
    const webDir = join(dir, 'web');
    mkdirSync(webDir);
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>trainboard test dashboard</title>');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('TRAINBOARD_')) delete env[key];
    Object.assign(env, {
      TRAINBOARD_DB: join(dir, 'trainboard.db'),
      TRAINBOARD_PORT: '0',
      TRAINBOARD_WEB_DIR: webDir,
      TRAINBOARD_LOG_LEVEL: 'info',
    });
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], { env, stdio: 'pipe' });
    child = proc;
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));

    const listening = await logLine(proc, 'listening');
    const base = `http://127.0.0.1:${listening.port as number}`;
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const page = await fetch(`${base}/runs/1`);
    expect(await page.text()).toContain('trainboard test dashboard');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    // Anonymous access is off by default: the app is public, its data is not.
    expect((await fetch(`${base}/api/run-summaries`)).status).toBe(401);
    expect(existsSync(join(dir, 'trainboard.db'))).toBe(true);

    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
      proc.once('exit', (code, signal) => r([code, signal])),
    );
    const stopping = logLine(proc, 'stopping');
    proc.kill('SIGTERM');
    expect(await stopping).toMatchObject({ signal: 'SIGTERM' });
    expect(await exited).toEqual([0, null]);
    expect(stderr).toBe('');
  }, 60_000); // a bound on a loaded machine (tsx compiles the server at start), not a measured time

  it('refuses an invalid environment with exit 2, naming the variable', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: { ...process.env, TRAINBOARD_PORT: 'not-a-port', TRAINBOARD_DB: join(dir, 'never.db') },
      stdio: 'pipe',
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('config: TRAINBOARD_PORT');
    expect(existsSync(join(dir, 'never.db'))).toBe(false);
  }, 60_000);

  it('refuses an SMTP URL that is not smtp(s):// without echoing it (it holds a password)', async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      env: {
        ...process.env,
        TRAINBOARD_SMTP_URL: 'http://alerts:s3cretpw@mail.example.org',
        TRAINBOARD_DB: join(dir, 'never.db'),
      },
      stdio: 'pipe',
    });
    let stderr = '';
    proc.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const code = await new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
    expect(code).toBe(2);
    expect(stderr).toContain('config: TRAINBOARD_SMTP_URL: an smtp:// or smtps:// URL');
    expect(stderr).not.toContain('s3cretpw');
  }, 60_000);
});
