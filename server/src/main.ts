// The server process: configuration from TRAINBOARD_* environment variables (validated with zod), pino logs on
// stdout, then the server stack (stack.ts: HTTP + socket.io, the built dashboard, the control plane over the
// clusters in the database, a follower for every run's logs on its own cluster), and a clean stop on SIGTERM/SIGINT.
// The only module with side effects; it builds the outside world from the config and leaves the assembly to
// startServerStack. Clusters are data (`trainboard cluster add`); TRAINBOARD_SSH_* optionally names one login node
// for logs registered without a cluster (`trainboard follow`) and for the nodes view.
//
//   TRAINBOARD_DB=./trainboard.db npx tsx server/src/main.ts
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { SlurmBackend } from './adapters/slurmBackend.js';
import { SshShell } from './adapters/sshShell.js';
import { sshRemoteFiles } from './follow/remoteFiles.js';
import { slurmGpuProbe } from './nodes/gpuProbe.js';
import { startServerStack, type ServerStackOptions } from './stack.js';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const list = () =>
  z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    );
const flag = () =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .default('false')
    .transform((v) => v === 'true' || v === '1');
/** An smtp:// (STARTTLS when offered) or smtps:// URL; user and password in it. A secret: never echoed. */
const smtpUrl = z
  .string()
  .refine((s) => URL.canParse(s) && ['smtp:', 'smtps:'].includes(new URL(s).protocol), 'an smtp:// or smtps:// URL')
  .optional();
/** alerts@example.org or `Trainboard <alerts@example.org>`. */
const mailFrom = z
  .string()
  .max(254)
  .regex(/^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/, 'an e-mail address, optionally `Name <address>`')
  .optional();
const httpBase = z
  .string()
  .refine((s) => URL.canParse(s) && ['http:', 'https:'].includes(new URL(s).protocol), 'an http(s) URL')
  .optional();

const configSchema = z
  .object({
    TRAINBOARD_DB: z.string().min(1).default('.trainboard/trainboard.db'), // as the CLI
    TRAINBOARD_HOST: z.string().min(1).default('127.0.0.1'),
    TRAINBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    /** The built dashboard (npm run build -w @trainboard/web); served when it holds an index.html. */
    TRAINBOARD_WEB_DIR: z
      .string()
      .min(1)
      .default(fileURLToPath(new URL('../../web/dist/', import.meta.url))),
    TRAINBOARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    TRAINBOARD_SSH_HOST: z.string().min(1).optional(),
    TRAINBOARD_SSH_PORT: z.coerce.number().int().min(1).max(65535).default(22),
    TRAINBOARD_SSH_USER: z
      .string()
      .regex(/^[a-z_][a-z0-9_.-]*$/i, 'not a valid user name')
      .optional(),
    TRAINBOARD_SSH_KEY: z.string().min(1).optional(),
    TRAINBOARD_SSH_KNOWN_HOSTS: z.string().min(1).optional(),
    TRAINBOARD_SSH_FINGERPRINT: z
      .string()
      .regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/)
      .optional(),
    TRAINBOARD_SSH_KEEPALIVE_MS: ms(2_000),
    /** SFTP channels the followers and log routes share on the SSH connection: keep it below the login node's MaxSessions. */
    TRAINBOARD_SSH_SFTP_CHANNELS: z.coerce.number().int().min(1).max(32).default(4),
    /** Memory for the per-run chart series cache, MiB (~14 per 115k-iteration run); 0 reads the database per request. */
    TRAINBOARD_SERIES_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(160),
    TRAINBOARD_FOLLOW_POLL_MS: ms(100),
    TRAINBOARD_FOLLOW_IDENTITY_CHECK_MS: ms(5_000),
    TRAINBOARD_FOLLOW_SCAN_MS: ms(2_000),
    /** Longest wait for one remote operation before the connection is presumed dead and reopened. */
    TRAINBOARD_FOLLOW_OP_TIMEOUT_MS: ms(10_000),
    /** How often the nodes view asks Slurm (sinfo, squeue, one nvidia-smi step per watched running job), whatever the viewers. */
    TRAINBOARD_NODES_POLL_MS: ms(15_000),
    /** The incident tick: hangs and silence, and the cluster-state facts (squeue, partition, df/du) of each run. */
    TRAINBOARD_INCIDENT_TICK_MS: z.coerce.number().int().min(200).max(3_600_000).default(15_000),
    /** How long a job must wait with idle nodes before pending_idle (F11) opens; tests shorten it. */
    TRAINBOARD_PENDING_IDLE_CONFIRM_MS: z.coerce.number().int().min(0).max(86_400_000).default(120_000),
    /** How often each run's checkpoint filesystem is read (df/du, F17); tests shorten it. */
    TRAINBOARD_DISK_EVERY_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
    /** Extra Host header values to serve (a proxy's public name), comma-separated; loopback names always work. */
    TRAINBOARD_ALLOWED_HOSTS: list(),
    /** Extra origins (https://dash.example.org) allowed on unsafe requests and socket.io, comma-separated. */
    TRAINBOARD_ALLOWED_ORIGINS: list(),
    /** Behind a TLS-terminating reverse proxy: trust X-Forwarded-*, Secure cookies, HSTS. */
    TRAINBOARD_TRUST_PROXY: flag(),
    /** Read-only access without signing in (off by default). */
    TRAINBOARD_ANONYMOUS_READ: flag(),
    TRAINBOARD_MAX_CONNECTIONS: z.coerce.number().int().min(16).max(100_000).default(512),
    TRAINBOARD_API_RATE_PER_MINUTE: z.coerce.number().int().min(10).default(600),
    /** Per address, to the public page (/p, /p-assets): a CDN in front sees its own addresses, so raise it there. */
    TRAINBOARD_PUBLIC_RATE_PER_MINUTE: z.coerce.number().int().min(10).default(300),
    /** The SMTP server alert e-mail goes through (issue 15); without it e-mail channels send nothing. */
    TRAINBOARD_SMTP_URL: smtpUrl,
    /** The From: of alert e-mail; required with TRAINBOARD_SMTP_URL. */
    TRAINBOARD_ALERT_FROM: mailFrom,
    /** The dashboard's address as people reach it (https://dash.example.org/), for the run page link in alerts. */
    TRAINBOARD_PUBLIC_BASE_URL: httpBase,
  })
  .refine((c) => !c.TRAINBOARD_SMTP_URL || c.TRAINBOARD_ALERT_FROM, {
    path: ['TRAINBOARD_ALERT_FROM'],
    message: 'required when TRAINBOARD_SMTP_URL is set',
  });

type Config = z.infer<typeof configSchema>;

function readConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = configSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  // Names and messages only: values may be secrets (key paths are not, but passphrases could be added later).
  for (const issue of parsed.error.issues) process.stderr.write(`config: ${issue.path.join('.')}: ${issue.message}\n`);
  process.exit(2);
}

function sshShell(config: Config): SshShell | null {
  if (!config.TRAINBOARD_SSH_HOST || !config.TRAINBOARD_SSH_USER) return null;
  return new SshShell({
    host: config.TRAINBOARD_SSH_HOST,
    port: config.TRAINBOARD_SSH_PORT,
    username: config.TRAINBOARD_SSH_USER,
    ...(config.TRAINBOARD_SSH_KEY ? { privateKeyPath: config.TRAINBOARD_SSH_KEY } : { useAgent: true }),
    ...(config.TRAINBOARD_SSH_KNOWN_HOSTS ? { knownHostsPath: config.TRAINBOARD_SSH_KNOWN_HOSTS } : {}),
    ...(config.TRAINBOARD_SSH_FINGERPRINT ? { hostFingerprint: config.TRAINBOARD_SSH_FINGERPRINT } : {}),
    // A dead connection must be noticed in seconds, not when TCP gives up.
    keepaliveIntervalMs: config.TRAINBOARD_SSH_KEEPALIVE_MS,
    keepaliveCountMax: 3,
    connectTimeoutMs: 10_000,
    sftpPool: { maxChannels: config.TRAINBOARD_SSH_SFTP_CHANNELS },
  });
}

function stackOptions(config: Config, shell: SshShell | null, logger: Logger): ServerStackOptions {
  const webDir = config.TRAINBOARD_WEB_DIR;
  const built = existsSync(join(webDir, 'index.html'));
  if (!built)
    logger.warn({ webDir }, 'no built dashboard there (npm run build -w @trainboard/web): serving the API only');
  if (!shell) logger.info('TRAINBOARD_SSH_* not set: logs of runs on no cluster are not followed');
  return {
    dbPath: config.TRAINBOARD_DB,
    host: config.TRAINBOARD_HOST,
    port: config.TRAINBOARD_PORT,
    logger,
    ...(built ? { webDir } : {}),
    pollMs: config.TRAINBOARD_FOLLOW_POLL_MS,
    seriesCacheBytes: config.TRAINBOARD_SERIES_CACHE_MB * 1024 * 1024,
    identityCheckMs: config.TRAINBOARD_FOLLOW_IDENTITY_CHECK_MS,
    edge: {
      allowedHosts: config.TRAINBOARD_ALLOWED_HOSTS,
      allowedOrigins: config.TRAINBOARD_ALLOWED_ORIGINS,
      trustProxy: config.TRAINBOARD_TRUST_PROXY,
      anonymousRead: config.TRAINBOARD_ANONYMOUS_READ,
      apiLimitPerMinute: config.TRAINBOARD_API_RATE_PER_MINUTE,
      publicLimitPerMinute: config.TRAINBOARD_PUBLIC_RATE_PER_MINUTE,
    },
    maxConnections: config.TRAINBOARD_MAX_CONNECTIONS,
    incidentTickMs: config.TRAINBOARD_INCIDENT_TICK_MS,
    pendingIdleConfirmMs: config.TRAINBOARD_PENDING_IDLE_CONFIRM_MS,
    diskEveryMs: config.TRAINBOARD_DISK_EVERY_MS,
    alerts: {
      ...(config.TRAINBOARD_SMTP_URL ? { smtpUrl: config.TRAINBOARD_SMTP_URL } : {}),
      ...(config.TRAINBOARD_ALERT_FROM ? { from: config.TRAINBOARD_ALERT_FROM } : {}),
      ...(config.TRAINBOARD_PUBLIC_BASE_URL ? { publicBaseUrl: config.TRAINBOARD_PUBLIC_BASE_URL } : {}),
    },
    scanMs: config.TRAINBOARD_FOLLOW_SCAN_MS,
    followOpTimeoutMs: config.TRAINBOARD_FOLLOW_OP_TIMEOUT_MS,
    ...(shell
      ? {
          // The logs live where the follower reads them: the log viewer reads them the same way.
          files: sshRemoteFiles(shell, config.TRAINBOARD_FOLLOW_OP_TIMEOUT_MS),
          scheduler: {
            backend: new SlurmBackend(shell),
            gpuProbe: slurmGpuProbe(shell),
            pollMs: config.TRAINBOARD_NODES_POLL_MS,
          },
        }
      : {}),
  };
}

const config = readConfig(process.env);
const logger = pino({
  level: config.TRAINBOARD_LOG_LEVEL,
  base: { pid: process.pid },
  // Never in the log, whoever logs an object holding them.
  redact: {
    paths: [
      'password',
      '*.password',
      'token',
      '*.token',
      'authorization',
      '*.authorization',
      'cookie',
      '*.cookie',
      '*.headers.cookie',
      '*.headers.authorization',
      'privateKeyPath',
      '*.privateKeyPath',
      'smtpUrl',
      '*.smtpUrl',
    ],
    censor: '[redacted]',
  },
});
const shell = sshShell(config);
let stack: Awaited<ReturnType<typeof startServerStack>>;
try {
  stack = await startServerStack(stackOptions(config, shell, logger));
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'could not start');
  await shell?.close();
  process.exit(1);
}
logger.info({ url: stack.url, port: (stack.http.address() as AddressInfo).port }, 'listening');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await stack.stop(); // followers, nodes poller, socket.io and HTTP, then the database
  await shell?.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
