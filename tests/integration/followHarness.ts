// What the follow tests and the follow benchmark share: a private sshd (so killing its sessions touches nobody
// else's), the server as a child process (so it can be killed with SIGKILL), a socket.io client that records every
// point, and the expected rows of a log file from a one-pass parse.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { createLogParser } from '@trainboard/shared/log/parser';
import {
  acceptBatch,
  type ClientToServerEvents,
  type LivePoint,
  type ServerToClientEvents,
} from '@trainboard/shared/realtime';
import { REPO, sleep, type DevCluster } from './cluster.js';
import { descendants } from './processes.js';

/** A folder the test user can read over SSH (the dev cluster's shared jobs folder). */
export function remoteDir(c: DevCluster, prefix: string): string {
  const dir = mkdtempSync(join(c.jobsDir, `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** An sshd of our own on another port, same config and keys as the dev cluster's. */
export class PrivateSshd {
  private proc: ChildProcess | null = null;
  readonly knownHostsPath: string;
  /** `options`: more sshd `-o` settings (e.g. `MaxSessions=2`). */
  constructor(
    private readonly c: DevCluster,
    readonly port: number,
    dir: string,
    private readonly options: string[] = [],
  ) {
    this.knownHostsPath = join(dir, 'known_hosts');
    const key = readFileSync(c.ssh.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
    writeFileSync(this.knownHostsPath, `[${c.ssh.host}]:${port} ${key}\n`);
  }
  async start(): Promise<void> {
    this.proc = spawn(
      '/usr/sbin/sshd',
      [
        '-D',
        '-e',
        '-f',
        join(this.c.dir, 'ssh', 'sshd_config'),
        '-o',
        `Port=${this.port}`,
        '-o',
        'PidFile=none',
        ...this.options.flatMap((o) => ['-o', o]),
      ],
      { stdio: 'ignore' },
    );
    await sleep(300);
  }
  /** The listening sshd's pid (its children are the connections). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  /** Kills every per-connection sshd process (the SSH sessions), by pid; returns how many. */
  killSessions(): number {
    if (!this.proc?.pid) return 0;
    const pids = descendants(this.proc.pid);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return pids.length;
  }
  async stop(): Promise<void> {
    this.killSessions();
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}

export interface ServerOptions {
  db: string;
  port: number;
  sshPort: number;
  knownHostsPath: string;
  c: DevCluster;
  env?: Record<string, string>;
}

/** The real server (server/src/main.ts) as a child process. */
export class ServerProcess {
  private proc: ChildProcess | null = null;
  readonly output: string[] = [];
  constructor(private readonly o: ServerOptions) {}
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  async start(): Promise<void> {
    const { c } = this.o;
    const proc = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        TRAINBOARD_DB: this.o.db,
        TRAINBOARD_PORT: String(this.o.port),
        TRAINBOARD_LOG_LEVEL: 'info',
        TRAINBOARD_SSH_HOST: c.ssh.host,
        TRAINBOARD_SSH_PORT: String(this.o.sshPort),
        TRAINBOARD_SSH_USER: c.ssh.user,
        TRAINBOARD_SSH_KEY: c.ssh.privateKeyPath,
        TRAINBOARD_SSH_KNOWN_HOSTS: this.o.knownHostsPath,
        TRAINBOARD_SSH_KEEPALIVE_MS: '500',
        TRAINBOARD_FOLLOW_SCAN_MS: '200',
        TRAINBOARD_FOLLOW_IDENTITY_CHECK_MS: '500',
        TRAINBOARD_FOLLOW_OP_TIMEOUT_MS: '3000',
        ...this.o.env,
      },
    });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      let buf = '';
      const onData = (b: Buffer) => {
        buf += b.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.output.push(line);
          if (line.includes('"msg":"listening"')) resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.on('data', (b: Buffer) => this.output.push(b.toString('utf8')));
      proc.once('exit', (code) =>
        reject(new Error(`server exited (${code}) before listening:\n${this.output.join('\n')}`)),
      );
    });
  }
  /** kill -9: no shutdown code runs. */
  async kill9(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    if (p.exitCode !== null || p.signalCode !== null)
      throw new Error(`the server had died on its own:\n${this.output.slice(-20).join('\n')}`);
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await exited;
  }
}

/** A dashboard-like client: subscribes to a run, resubscribes from its last seq after every reconnect. */
export class RecordingClient {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  lastSeq = 0;
  readonly points: LivePoint[] = [];
  readonly receivedAt = new Map<number, number>();
  gaps = 0;
  duplicates = 0;
  subscribes = 0;
  constructor(
    url: string,
    readonly runId: number,
    /** An API token (createTestAuth(conn).token('viewer')): the handshake is authenticated like REST. */
    token: string,
  ) {
    this.socket = connect(url, {
      transports: ['websocket'],
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      auth: { token },
    });
    this.socket.on('connect', () => this.subscribe());
    this.socket.on('points', (batch) => {
      const now = Date.now();
      const { gap, fresh } = acceptBatch(this.lastSeq, batch);
      this.duplicates += batch.points.length - fresh.length;
      if (gap) {
        this.gaps++;
        this.subscribe(); // replay from the DB what we missed
        return;
      }
      for (const p of fresh) {
        this.points.push(p);
        this.receivedAt.set(p.iteration, now);
      }
      this.lastSeq = Math.max(this.lastSeq, batch.seq);
    });
  }
  private subscribe(): void {
    this.subscribes++;
    this.socket.emit('subscribe', { runId: this.runId, afterSeq: this.lastSeq }, () => undefined);
  }
  close(): void {
    this.socket.close();
  }
}

export interface ExpectedRows {
  iterations: { offset: number; iteration: number; lmLoss: number | null }[];
  validations: number[];
}

/** What a one-pass parse of the whole file gives: the rows the database must hold, no more, no less. */
export function expectedRows(bytes: Buffer): ExpectedRows {
  const parser = createLogParser();
  const events = [...parser.push(bytes), ...parser.end()];
  const iterations = [];
  const validations = [];
  for (const e of events) {
    if (e.type === 'iteration') iterations.push({ offset: e.offset, iteration: e.iteration, lmLoss: e.lmLoss });
    else if (e.type === 'validation') validations.push(e.offset);
  }
  return { iterations: iterations.sort((a, b) => a.offset - b.offset), validations: validations.sort((a, b) => a - b) };
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export async function until(what: string, cond: () => boolean, timeoutMs: number, stepMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(stepMs);
  }
}
