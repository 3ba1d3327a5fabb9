// A real Trainboard server process (tsx server/src/main.ts) for the control-plane tests: a database seeded with the
// dev cluster's row and an operator token, the server's JSON log kept for assertions, kill -9 by process group.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { pino } from 'pino';
import { openDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { REPO, devClusterRow, sleep, type DevCluster } from './cluster.js';

const MAIN = `${REPO}/server/src/main.ts`;

export interface ServerProcess {
  proc: ChildProcessWithoutNullStreams;
  base: string;
  logs: Record<string, unknown>[];
  exited: Promise<void>;
  /** kill -9 of the server and its children (tsx runs node under it). */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** Seeds a database with the `dev` cluster row and an operator; returns the operator's API token. */
export function seedDatabase(dbPath: string, c: DevCluster, jobsRoot: string): string {
  const conn = openDatabase(dbPath);
  try {
    const repos = createRepositories(conn.sqlite);
    repos.clusters.insert({
      ...devClusterRow(c, jobsRoot),
      template: 'fake-trainer',
      fakeTrainerPath: c.fakeTrainer,
      defaultPartition: c.partition,
    });
    return createTestAuth(conn).token('operator');
  } finally {
    conn.close();
  }
}

export async function startServer(dbPath: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('TRAINBOARD_')) delete childEnv[key];
  Object.assign(childEnv, {
    TRAINBOARD_DB: dbPath,
    TRAINBOARD_PORT: '0',
    TRAINBOARD_LOG_LEVEL: 'info',
    TRAINBOARD_WEB_DIR: '/nonexistent',
    TRAINBOARD_CONTROL_TICK_MS: '1000',
    ...env,
  });
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN], { env: childEnv, stdio: 'pipe', detached: true });
  const logs: Record<string, unknown>[] = [];
  let buffered = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  proc.stderr.on('data', () => undefined);
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const end = Date.now() + 30_000;
  while (!logs.some((l) => l.msg === 'listening')) {
    if (proc.exitCode !== null || Date.now() > end) throw new Error('the server did not start');
    await sleep(100);
  }
  const port = logs.find((l) => l.msg === 'listening')!.port as number;
  const kill = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    process.kill(-proc.pid!, signal);
    await exited;
  };
  return {
    proc,
    base: `http://127.0.0.1:${port}`,
    logs,
    exited,
    kill9: () => kill('SIGKILL'),
    stop: () => kill('SIGTERM'),
  };
}

export function apiClient(base: () => string, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
  };
}

export const silent = pino({ level: 'silent' });
