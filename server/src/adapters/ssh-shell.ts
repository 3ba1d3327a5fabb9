// SSH transport (npm ssh2): one connection reused for every command, opened on first use and reopened after it
// drops. The host key is always checked (known_hosts or a pinned SHA256 fingerprint); there is no
// trust-on-first-use. Keys and passphrases never appear in errors or logs.
import { readFileSync } from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { shellCommand } from '@trainboard/shared/slurm/quote';
import { knownHostKeys, revokedHostKeys, verifyHostKey, type KnownHostKey } from './known-hosts.js';
import { ShellError, type ExecOptions, type Shell, type ShellResult } from './shell.js';

export interface SshShellOptions {
  host: string;
  port?: number;
  username: string;
  /** Private key file (OpenSSH or PEM). Read at connect time, kept in memory only. */
  privateKeyPath?: string;
  passphrase?: string;
  /** Use the ssh-agent at this socket (default: $SSH_AUTH_SOCK when `useAgent`). */
  useAgent?: boolean;
  agentSocket?: string;
  /** One of these two must be given. */
  knownHostsPath?: string;
  hostFingerprint?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export class SshShell implements Shell {
  readonly target: string;
  /** How many connections were opened so far (1 while one connection serves every command). */
  connectionsOpened = 0;
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;

  constructor(private readonly options: SshShellOptions) {
    this.target = `${options.username}@${options.host}:${options.port ?? 22}`;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ShellResult> {
    const command = shellCommand(argv);
    const client = await this.connection();
    return this.run(client, command, argv[0] ?? '', options);
  }

  /**
   * An SFTP session on the shared connection (the log follower reads files by offset through it). It ends when the
   * connection drops; call again to get one on a new connection. The caller ends it when done.
   */
  async sftp(): Promise<SFTPWrapper> {
    const client = await this.connection();
    return new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        client.sftp((err, sftp) => {
          if (!err) return resolve(sftp);
          this.dropped(client);
          reject(new ShellError('closed', `cannot open an SFTP session on ${this.target}: ${err.message}`, { cause: err }));
        });
      } catch (e) {
        this.dropped(client);
        reject(new ShellError('closed', `connection to ${this.target} is not usable: ${(e as Error).message}`, { cause: e }));
      }
    });
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    this.connecting = null;
    if (c) c.end();
  }

  private connection(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private trust(): { knownHosts?: KnownHostKey[]; revoked?: KnownHostKey[]; fingerprint?: string } {
    const o = this.options;
    if (o.hostFingerprint) return { fingerprint: o.hostFingerprint };
    if (!o.knownHostsPath) throw new ShellError('config', `no known_hosts file or host fingerprint configured for ${this.target}`);
    let text: string;
    try {
      text = readFileSync(o.knownHostsPath, 'utf8');
    } catch (e) {
      throw new ShellError('config', `cannot read known_hosts file ${o.knownHostsPath}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    return { knownHosts: knownHostKeys(text, o.host, o.port ?? 22), revoked: revokedHostKeys(text) };
  }

  private auth(): Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'> {
    const o = this.options;
    const auth: Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'> = {};
    if (o.privateKeyPath) {
      try {
        auth.privateKey = readFileSync(o.privateKeyPath);
      } catch (e) {
        throw new ShellError('config', `cannot read private key ${o.privateKeyPath}: ${(e as NodeJS.ErrnoException).code ?? e}`);
      }
      if (o.passphrase) auth.passphrase = o.passphrase;
    }
    if (o.useAgent || o.agentSocket) {
      const sock = o.agentSocket ?? process.env.SSH_AUTH_SOCK;
      if (!sock) throw new ShellError('config', 'ssh-agent requested but SSH_AUTH_SOCK is not set');
      auth.agent = sock;
    }
    if (!auth.privateKey && !auth.agent) throw new ShellError('config', `no private key or ssh-agent configured for ${this.target}`);
    return auth;
  }

  private connect(): Promise<Client> {
    const o = this.options;
    const trust = this.trust();
    const auth = this.auth();
    let hostKeyProblem: string | null = null;
    return new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let settled = false;
      const fail = (err: ShellError) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(err);
      };
      client.on('ready', () => {
        settled = true;
        this.connectionsOpened++;
        this.client = client;
        resolve(client);
      });
      client.on('error', (e: Error & { level?: string; code?: string }) => {
        if (hostKeyProblem) return fail(new ShellError('host_key', hostKeyProblem, { cause: e }));
        if (e.level === 'client-authentication') {
          return fail(new ShellError('auth', `${this.target} refused our key (publickey authentication failed)`, { cause: e }));
        }
        if (/timed out/i.test(e.message)) return fail(new ShellError('timeout', `no SSH handshake from ${this.target} in time`, { cause: e }));
        if (!settled) return fail(new ShellError('connect', `cannot connect to ${this.target}: ${e.code ?? e.message}`, { cause: e }));
        this.dropped(client);
      });
      client.on('close', () => {
        if (!settled) fail(new ShellError(hostKeyProblem ? 'host_key' : 'connect', hostKeyProblem ?? `${this.target} closed the connection during the handshake`));
        this.dropped(client);
      });
      client.connect({
        host: o.host,
        port: o.port ?? 22,
        username: o.username,
        ...auth,
        readyTimeout: o.connectTimeoutMs ?? 10_000,
        keepaliveInterval: o.keepaliveIntervalMs ?? 5_000,
        keepaliveCountMax: o.keepaliveCountMax ?? 3,
        hostVerifier: (key: Buffer) => {
          const verdict = verifyHostKey(key, trust, this.target);
          if (!verdict.ok) hostKeyProblem = verdict.reason;
          return verdict.ok;
        },
      });
    });
  }

  /** Forget a dead connection so that the next command reconnects. */
  private dropped(client: Client): void {
    if (this.client === client) this.client = null;
  }

  private run(client: Client, command: string, program: string, options: ExecOptions): Promise<ShellResult> {
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
    return new Promise<ShellResult>((resolve, reject) => {
      let channel: ClientChannel | null = null;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        client.removeListener('close', onClose);
        fn();
      };
      const onClose = () => finish(() => reject(new ShellError('closed', `connection to ${this.target} dropped while ${program} ran`)));
      const timer = setTimeout(() => {
        finish(() => reject(new ShellError('timeout', `${program} on ${this.target} did not finish within ${timeoutMs} ms`)));
        if (channel) {
          channel.signal('KILL');
          channel.close();
        }
      }, timeoutMs);
      client.once('close', onClose);
      try {
        client.exec(command, (err, stream) => {
          if (err) {
            this.dropped(client);
            return finish(() => reject(new ShellError('closed', `cannot start ${program} on ${this.target}: ${err.message}`, { cause: err })));
          }
          channel = stream;
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          let code: number | null = null;
          let signal: string | null = null;
          stream.on('data', (b: Buffer) => out.push(b));
          stream.stderr.on('data', (b: Buffer) => errOut.push(b));
          stream.on('exit', (c: number | null, s?: string) => {
            code = c ?? null;
            signal = s ?? null;
          });
          stream.on('close', () =>
            finish(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), code, signal })),
          );
          stream.end(options.stdin ?? '');
        });
      } catch (e) {
        this.dropped(client);
        finish(() => reject(new ShellError('closed', `connection to ${this.target} is not usable: ${(e as Error).message}`, { cause: e })));
      }
    });
  }
}
