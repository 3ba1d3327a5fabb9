// SSH transport (npm ssh2): one connection reused for every command, opened on first use and reopened after it
// drops. The host key is always checked (known_hosts or a pinned SHA256 fingerprint); there is no
// trust-on-first-use. Keys and passphrases never appear in errors or logs.
//
// A dropped connection is noticed at once: its close, end and error events (ssh2 reports a keepalive failure as an
// error) fail every command and SFTP request pending on it in the same tick, so callers reconnect immediately
// instead of waiting out their timeouts. A connection is only ever forgotten after it has been closed.
import { readFileSync } from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { shellCommand } from '@trainboard/shared/slurm/quote';
import { DEFAULT_SFTP_POOL, SftpPool, type SftpLease, type SftpPoolOptions, type SftpPoolStats } from './sftpPool.js';
import { knownHostKeys, revokedHostKeys, sha256Fingerprint, verifyHostKey, type KnownHostKey } from './knownHosts.js';
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
  /** The shared SFTP channels per connection (at most maxChannels, default 4: below OpenSSH's MaxSessions of 10). */
  sftpPool?: Partial<SftpPoolOptions>;
}

/** One live connection and what depends on it. */
interface Link {
  client: Client;
  pool: SftpPool;
  /** Rejecters of the commands running on it. */
  pending: Set<(err: Error) => void>;
  lost: boolean;
}

export class SshShell implements Shell {
  readonly target: string;
  /** How many connections were opened so far (1 while one connection serves every command). */
  connectionsOpened = 0;
  /** SHA256 fingerprint of the host key the server presented, once it was checked and trusted. */
  hostKeyFingerprint: string | null = null;
  private link: Link | null = null;
  private connecting: Promise<Link> | null = null;

  constructor(private readonly options: SshShellOptions) {
    this.target = `${options.username}@${options.host}:${options.port ?? 22}`;
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ShellResult> {
    const command = shellCommand(argv);
    const link = await this.connection();
    return this.run(link, command, argv[0] ?? '', options);
  }

  /**
   * A share of one of the connection's pooled SFTP channels (the follower and the log routes read files by offset
   * through it). Its requests fail at once when the connection drops; acquire again to get one on a new connection.
   * Release it when done.
   */
  async sftpLease(): Promise<SftpLease> {
    const link = await this.connection();
    return link.pool.acquire();
  }

  /** The SFTP pool of the current connection (zeros when there is none), for tests and diagnostics. */
  sftpStats(): SftpPoolStats {
    return this.link?.pool.stats() ?? { channels: 0, opening: 0, leases: 0, waiting: 0 };
  }

  async close(): Promise<void> {
    const link = this.link;
    this.connecting = null;
    if (link) this.lose(link, new ShellError('closed', `connection to ${this.target} was closed`));
  }

  private connection(): Promise<Link> {
    if (this.link) return Promise.resolve(this.link);
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private trust(): { knownHosts?: KnownHostKey[]; revoked?: KnownHostKey[]; fingerprint?: string } {
    const o = this.options;
    if (o.hostFingerprint) return { fingerprint: o.hostFingerprint };
    if (!o.knownHostsPath)
      throw new ShellError('config', `no known_hosts file or host fingerprint configured for ${this.target}`);
    let text: string;
    try {
      text = readFileSync(o.knownHostsPath, 'utf8');
    } catch (e) {
      throw new ShellError(
        'config',
        `cannot read the known_hosts file configured for ${this.target}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
      );
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
        throw new ShellError(
          'config',
          `cannot read the private key file configured for ${this.target}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`,
        );
      }
      if (o.passphrase) auth.passphrase = o.passphrase;
    }
    if (o.useAgent || o.agentSocket) {
      const sock = o.agentSocket ?? process.env.SSH_AUTH_SOCK;
      if (!sock) throw new ShellError('config', 'ssh-agent requested but SSH_AUTH_SOCK is not set');
      auth.agent = sock;
    }
    if (!auth.privateKey && !auth.agent)
      throw new ShellError('config', `no private key or ssh-agent configured for ${this.target}`);
    return auth;
  }

  private connect(): Promise<Link> {
    const o = this.options;
    const trust = this.trust();
    const auth = this.auth();
    let hostKeyProblem: string | null = null;
    return new Promise<Link>((resolve, reject) => {
      const client = new Client();
      let link: Link | null = null;
      let settled = false;
      const fail = (err: ShellError) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(err);
      };
      client.on('ready', () => {
        if (settled) return;
        settled = true;
        this.connectionsOpened++;
        link = this.newLink(client);
        this.link = link;
        resolve(link);
      });
      client.on('error', (e: Error & { level?: string; code?: string }) => {
        if (link) {
          // Keepalive timeout (level client-timeout) or a socket error: the connection is gone now.
          const why = e.level === 'client-timeout' ? 'no keepalive answer' : (e.code ?? e.message);
          return this.lose(link, new ShellError('closed', `connection to ${this.target} failed: ${why}`, { cause: e }));
        }
        if (hostKeyProblem) return fail(new ShellError('host_key', hostKeyProblem, { cause: e }));
        if (e.level === 'client-authentication') {
          return fail(
            new ShellError('auth', `${this.target} refused our key (publickey authentication failed)`, { cause: e }),
          );
        }
        if (/timed out/i.test(e.message))
          return fail(new ShellError('timeout', `no SSH handshake from ${this.target} in time`, { cause: e }));
        fail(new ShellError('connect', `cannot connect to ${this.target}: ${e.code ?? e.message}`, { cause: e }));
      });
      const ended = () => {
        if (!link)
          return fail(
            new ShellError(
              hostKeyProblem ? 'host_key' : 'connect',
              hostKeyProblem ?? `${this.target} closed the connection during the handshake`,
            ),
          );
        this.lose(link, new ShellError('closed', `connection to ${this.target} dropped`));
      };
      client.on('end', ended);
      client.on('close', ended);
      const config: ConnectConfig = {
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
          else this.hostKeyFingerprint = sha256Fingerprint(key);
          return verdict.ok;
        },
      };
      try {
        client.connect(config);
      } catch (e) {
        // ssh2 throws at once for a key it cannot parse (malformed, or encrypted without a passphrase).
        const why = (e as Error).message.replace(/^Cannot parse privateKey: /, '');
        fail(new ShellError('config', `cannot use the private key configured for ${this.target}: ${why}`));
      }
    });
  }

  private newLink(client: Client): Link {
    const link: Link = {
      client,
      pool: new SftpPool(() => this.openSftp(link), this.target, { ...DEFAULT_SFTP_POOL, ...this.options.sftpPool }),
      pending: new Set(),
      lost: false,
    };
    return link;
  }

  /**
   * One SFTP channel for the pool. A refusal (MaxSessions reached) leaves the connection as it is: exec channels
   * and the other SFTP channels still work. A throw means the connection is not usable: it is closed, then forgotten.
   */
  private openSftp(link: Link): Promise<SFTPWrapper> {
    return new Promise<SFTPWrapper>((resolve, reject) => {
      try {
        link.client.sftp((err, sftp) => {
          if (!err) return resolve(sftp);
          reject(new ShellError('closed', `${this.target} refused an SFTP channel: ${err.message}`, { cause: err }));
        });
      } catch (e) {
        const err = new ShellError('closed', `connection to ${this.target} is not usable: ${(e as Error).message}`, {
          cause: e,
        });
        this.lose(link, err);
        reject(err);
      }
    });
  }

  /** The connection is gone (or given up): fail everything pending on it, close it, and let the next call reconnect. */
  private lose(link: Link, err: Error): void {
    if (link.lost) return;
    link.lost = true;
    if (this.link === link) this.link = null;
    link.pool.destroy(err);
    for (const fail of [...link.pending]) fail(err);
    link.pending.clear();
    link.client.end();
  }

  private run(link: Link, command: string, program: string, options: ExecOptions): Promise<ShellResult> {
    const timeoutMs = options.timeoutMs ?? this.options.commandTimeoutMs ?? 60_000;
    return new Promise<ShellResult>((resolve, reject) => {
      let channel: ClientChannel | null = null;
      let done = false;
      const finish = (fn: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        link.pending.delete(onLost);
        fn();
      };
      const onLost = (err: Error) =>
        finish(() =>
          reject(new ShellError('closed', `connection to ${this.target} dropped while ${program} ran`, { cause: err })),
        );
      const timer = setTimeout(() => {
        finish(() =>
          reject(new ShellError('timeout', `${program} on ${this.target} did not finish within ${timeoutMs} ms`)),
        );
        if (channel) {
          channel.signal('KILL');
          channel.close();
        }
      }, timeoutMs);
      if (link.lost) return onLost(new Error('lost'));
      link.pending.add(onLost);
      try {
        link.client.exec(command, (err, stream) => {
          // A refused channel (MaxSessions) is this command's failure, not the connection's: it stays in use.
          if (err)
            return finish(() =>
              reject(
                new ShellError('closed', `cannot start ${program} on ${this.target}: ${err.message}`, { cause: err }),
              ),
            );
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
            finish(() =>
              resolve({
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(errOut).toString('utf8'),
                code,
                signal,
              }),
            ),
          );
          stream.end(options.stdin ?? '');
        });
      } catch (e) {
        const err = new ShellError('closed', `connection to ${this.target} is not usable: ${(e as Error).message}`, {
          cause: e,
        });
        this.lose(link, err);
        finish(() => reject(err));
      }
    });
  }
}
