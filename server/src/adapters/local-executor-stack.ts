// The embedded default, assembled: SQLite file, HTTP + socket.io server (optionally serving the built dashboard),
// followers reading local log files, and the local executor. Used by the demo, the browser tests and the dashboard
// benchmark; the cluster setup lives in main.ts.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createApp } from '../app.js';
import { openDatabase, type OpenDatabase } from '../db/client.js';
import { startFollowManager, type FollowManager } from '../follow/followManager.js';
import { createPublisher } from '../realtime/publisher.js';
import { attachRealtime, roomEmitters, type RealtimeServer } from '../realtime/socketServer.js';
import { localFiles } from '../follow/localFiles.js';
import { LocalExecutor } from './local-executor.js';

export interface LocalStackOptions {
  dbPath: string;
  /** The executor's folder (job scripts, srun shim, default job directory). */
  workDir: string;
  webDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  logger: Logger;
  /** Added to every job's environment. */
  jobEnv?: Record<string, string>;
  pollMs?: number;
}

export interface LocalStack {
  url: string;
  conn: OpenDatabase;
  executor: LocalExecutor;
  http: Server;
  io: RealtimeServer;
  manager: FollowManager;
  stop(): Promise<void>;
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const conn = openDatabase(o.dbPath);
  const http = createServer(createApp({ conn, logger: o.logger, ...(o.webDir ? { webDir: o.webDir } : {}) }));
  let emitPoints: ReturnType<typeof roomEmitters>['points'] = () => false;
  const publisher = createPublisher(conn.sqlite, (runId, batch) => emitPoints(runId, batch));
  const runExists = conn.sqlite.prepare('SELECT 1 FROM runs WHERE id = ?');
  const io = attachRealtime(http, { publisher, logger: o.logger, runExists: (id) => runExists.get(id) !== undefined });
  const emitters = roomEmitters(io);
  emitPoints = emitters.points;
  const manager = startFollowManager({
    conn, logger: o.logger, files: localFiles(), scanMs: 500,
    timing: { pollMs: o.pollMs ?? 100 },
    beforeStart: (runId) => publisher.ensure(runId),
    onCommitted: (runId) => publisher.publish(runId),
    onStatus: emitters.status,
  });
  const executor = new LocalExecutor({ workDir: o.workDir, nodeName: 'localhost', ...(o.jobEnv ? { env: o.jobEnv } : {}) });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(o.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  let stopped = false;
  return {
    url: `http://${host}:${port}/`, conn, executor, http, io, manager,
    async stop() {
      if (stopped) return;
      stopped = true;
      await executor.close();
      await manager.stop();
      await io.close(); // also closes the HTTP server
      conn.close();
    },
  };
}
