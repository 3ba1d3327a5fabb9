// The embedded default, assembled: the server stack (SQLite file, HTTP + socket.io, optionally the built
// dashboard) with followers reading local log files, and the local executor. Used by the browser tests and the
// benchmarks; the server process (main.ts) and the demo compose the same stack for a cluster.
import type { Logger } from 'pino';
import { localFiles } from './follow/localFiles.js';
import { FAKE_NVIDIA_SMI_DIR, localGpuProbe } from './nodes/gpuProbe.js';
import { startServerStack, type ServerStack } from './stack.js';
import { LocalExecutor } from './adapters/localExecutor.js';

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

export interface LocalStack extends ServerStack {
  executor: LocalExecutor;
}

export async function startLocalStack(o: LocalStackOptions): Promise<LocalStack> {
  const executor = new LocalExecutor({
    workDir: o.workDir,
    nodeName: 'localhost',
    ...(o.jobEnv ? { env: o.jobEnv } : {}),
  });
  const server = await startServerStack({
    dbPath: o.dbPath,
    files: localFiles(),
    logger: o.logger,
    scanMs: 500,
    pollMs: o.pollMs ?? 100,
    ...(o.webDir ? { webDir: o.webDir } : {}),
    ...(o.host ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    // Polling the local executor costs nothing: 5 s keeps the demo's grid lively.
    scheduler: {
      backend: executor,
      gpuProbe: localGpuProbe({ nodeName: 'localhost', fallbackPath: FAKE_NVIDIA_SMI_DIR }),
      pollMs: 5_000,
    },
  });
  return {
    ...server,
    executor,
    async stop() {
      await executor.close();
      await server.stop();
    },
  };
}
