// The server process: configuration from TRAINBOARD_* environment variables (validated with zod), pino logs on
// stdout, the HTTP + socket.io server, one follower per followed log file, and a clean stop on SIGTERM/SIGINT.
// The only module with side effects; everything it starts is built by functions tested on their own.
//
//   TRAINBOARD_DB=./trainboard.db TRAINBOARD_SSH_HOST=login.example.org TRAINBOARD_SSH_USER=me \
//   TRAINBOARD_SSH_KEY=~/.ssh/id_ed25519 TRAINBOARD_SSH_KNOWN_HOSTS=~/.ssh/known_hosts npx tsx server/src/main.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import { SlurmBackend } from './adapters/slurm-backend.js';
import { SshShell } from './adapters/ssh-shell.js';
import { createApp } from './app.js';
import { openDatabase } from './db/client.js';
import { createRepositories } from './db/repositories.js';
import { startFollowManager } from './follow/followManager.js';
import { sshRemoteFiles } from './follow/remoteFiles.js';
import { slurmGpuProbe } from './nodes/gpuProbe.js';
import { createNodesService } from './nodes/nodesService.js';
import { createPublisher } from './realtime/publisher.js';
import { attachRealtime, roomEmitters } from './realtime/socketServer.js';

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const configSchema = z.object({
  TRAINBOARD_DB: z.string().min(1).default('.trainboard/trainboard.db'), // as the CLI
  TRAINBOARD_HOST: z.string().min(1).default('127.0.0.1'),
  TRAINBOARD_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  TRAINBOARD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRAINBOARD_SSH_HOST: z.string().min(1).optional(),
  TRAINBOARD_SSH_PORT: z.coerce.number().int().min(1).max(65535).default(22),
  TRAINBOARD_SSH_USER: z.string().regex(/^[a-z_][a-z0-9_.-]*$/i, 'not a valid user name').optional(),
  TRAINBOARD_SSH_KEY: z.string().min(1).optional(),
  TRAINBOARD_SSH_KNOWN_HOSTS: z.string().min(1).optional(),
  TRAINBOARD_SSH_FINGERPRINT: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/).optional(),
  TRAINBOARD_SSH_KEEPALIVE_MS: ms(2_000),
  /** SFTP channels the followers and log routes share on the SSH connection: keep it below the login node's MaxSessions. */
  TRAINBOARD_SSH_SFTP_CHANNELS: z.coerce.number().int().min(1).max(32).default(4),
  TRAINBOARD_FOLLOW_POLL_MS: ms(100),
  TRAINBOARD_FOLLOW_IDENTITY_CHECK_MS: ms(5_000),
  TRAINBOARD_FOLLOW_SCAN_MS: ms(2_000),
  /** Longest wait for one remote operation before the connection is presumed dead and reopened. */
  TRAINBOARD_FOLLOW_OP_TIMEOUT_MS: ms(10_000),
  /** How often the nodes view asks Slurm (sinfo, squeue, one nvidia-smi step per watched running job), whatever the viewers. */
  TRAINBOARD_NODES_POLL_MS: ms(15_000),
});

const parsed = configSchema.safeParse(process.env);
if (!parsed.success) {
  // Names and messages only: values may be secrets (key paths are not, but passphrases could be added later).
  for (const issue of parsed.error.issues) process.stderr.write(`config: ${issue.path.join('.')}: ${issue.message}\n`);
  process.exit(2);
}
const config = parsed.data;
const logger = pino({ level: config.TRAINBOARD_LOG_LEVEL, base: { pid: process.pid } });

const conn = openDatabase(config.TRAINBOARD_DB);
const repos = createRepositories(conn.sqlite);
const shell = config.TRAINBOARD_SSH_HOST && config.TRAINBOARD_SSH_USER
  ? new SshShell({
    host: config.TRAINBOARD_SSH_HOST, port: config.TRAINBOARD_SSH_PORT, username: config.TRAINBOARD_SSH_USER,
    ...(config.TRAINBOARD_SSH_KEY ? { privateKeyPath: config.TRAINBOARD_SSH_KEY } : { useAgent: true }),
    ...(config.TRAINBOARD_SSH_KNOWN_HOSTS ? { knownHostsPath: config.TRAINBOARD_SSH_KNOWN_HOSTS } : {}),
    ...(config.TRAINBOARD_SSH_FINGERPRINT ? { hostFingerprint: config.TRAINBOARD_SSH_FINGERPRINT } : {}),
    // A dead connection must be noticed in seconds, not when TCP gives up.
    keepaliveIntervalMs: config.TRAINBOARD_SSH_KEEPALIVE_MS, keepaliveCountMax: 3, connectTimeoutMs: 10_000,
    sftpPool: { maxChannels: config.TRAINBOARD_SSH_SFTP_CHANNELS },
  })
  : null;
// The logs live where the follower reads them: the log viewer reads them the same way.
const files = shell ? sshRemoteFiles(shell, config.TRAINBOARD_FOLLOW_OP_TIMEOUT_MS) : null;
const nodes = shell
  ? createNodesService({ repos, backend: new SlurmBackend(shell), gpuProbe: slurmGpuProbe(shell), logger, pollMs: config.TRAINBOARD_NODES_POLL_MS })
  : null;
nodes?.start();
const http = createServer(createApp({ conn, repos, logger, ...(files ? { files } : {}), ...(nodes ? { nodes } : {}) }));
let emitPoints: ReturnType<typeof roomEmitters>['points'] = () => false;
const publisher = createPublisher(conn.sqlite, (runId, batch) => emitPoints(runId, batch));
const io = attachRealtime(http, { publisher, logger, runExists: repos.runs.exists });
const emitters = roomEmitters(io);
emitPoints = emitters.points;

let manager: ReturnType<typeof startFollowManager> | null = null;
if (files) {
  manager = startFollowManager({
    conn, logger, files, scanMs: config.TRAINBOARD_FOLLOW_SCAN_MS,
    timing: { pollMs: config.TRAINBOARD_FOLLOW_POLL_MS, identityCheckMs: config.TRAINBOARD_FOLLOW_IDENTITY_CHECK_MS },
    beforeStart: (runId) => publisher.ensure(runId),
    onCommitted: (runId) => publisher.publish(runId),
    onStatus: emitters.status,
  });
} else {
  logger.warn('TRAINBOARD_SSH_HOST/TRAINBOARD_SSH_USER not set: no log file is followed');
}

http.listen(config.TRAINBOARD_PORT, config.TRAINBOARD_HOST, () => {
  const { port } = http.address() as AddressInfo;
  logger.info({ port, host: config.TRAINBOARD_HOST }, 'listening');
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await manager?.stop();
  await nodes?.stop();
  await shell?.close();
  await io.close(); // also closes the HTTP server
  conn.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
