// The demo on either target, through the same parts: the server stack (SQLite, HTTP + socket.io, dashboard,
// followers), the demo job prepared where it runs, and launchTrainingJob on the target's ClusterBackend.
//   local: the local executor, log files read from this machine (the embedded default, no cluster).
//   slurm: the loopback dev cluster's real sbatch/squeue/scancel over real SSH, the log read over SFTP.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import { LocalExecutor } from '../adapters/localExecutor.js';
import { LocalShell } from '../adapters/localShell.js';
import type { Shell } from '../adapters/shell.js';
import { SlurmBackend } from '../adapters/slurmBackend.js';
import { SshShell } from '../adapters/sshShell.js';
import { launchTrainingJob, type TrainingJob } from './trainingJob.js';
import { localFiles } from '../follow/localFiles.js';
import { sshRemoteFiles } from '../follow/remoteFiles.js';
import { FAKE_NVIDIA_SMI_DIR, localGpuProbe, slurmGpuProbe } from '../nodes/gpuProbe.js';
import { FAKE_TRAINER_PATH } from '../render/templates.js';
import { startServerStack, type ServerStack, type ServerStackOptions } from '../stack.js';
import { devClusterSsh, readDevCluster } from './devCluster.js';
import { prepareDemoJob, type DemoJob, type DemoJobOptions } from './demoJob.js';

export type DemoTarget =
  | { kind: 'local'; /** The local executor's folder; the run's folder too. */ workDir: string }
  | { kind: 'slurm'; /** The dev cluster's cluster.json. */ clusterFile: string };

export interface DemoOptions extends DemoJobOptions {
  target: DemoTarget;
  dbPath: string;
  webDir?: string;
  port: number;
  /** When `port` is taken, listen on a free one instead of failing. */
  anyPortIfBusy?: boolean;
  logger: Logger;
  runName?: string;
  /** How often the job's state is asked (one squeue over SSH on Slurm). */
  jobPollMs?: number;
}

export interface Demo {
  url: string;
  runId: number;
  /** Where the job runs, for messages (`slurmci@127.0.0.1:2222`, `local`). */
  target: string;
  portWasBusy: boolean;
  stack: ServerStack;
  backend: ClusterBackend;
  job: DemoJob;
  training: TrainingJob;
  /** Cancels the current job (scancel on Slurm), stops the server and closes the connection. */
  stop(): Promise<void>;
}

interface TargetParts {
  backend: ClusterBackend;
  /** Where the demo job's files are written. */
  shell: Shell;
  files: ServerStackOptions['files'];
  runDir: string;
  fakeTrainer: string;
  partition?: string;
}

function targetParts(target: DemoTarget): TargetParts {
  if (target.kind === 'local') {
    const workDir = resolve(target.workDir);
    return {
      backend: new LocalExecutor({ workDir, nodeName: 'localhost' }),
      shell: new LocalShell(),
      files: localFiles(),
      runDir: workDir,
      fakeTrainer: FAKE_TRAINER_PATH,
    };
  }
  const cluster = readDevCluster(target.clusterFile);
  // One SSH connection for everything: sbatch/squeue/scancel on exec channels, the log over SFTP.
  const shell = new SshShell(devClusterSsh(cluster));
  return {
    backend: new SlurmBackend(shell),
    shell,
    files: sshRemoteFiles(shell),
    // A fresh folder per demo: an earlier demo's checkpoints would make this one resume instead of starting.
    runDir: `${cluster.jobsDir}/trainboard-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    fakeTrainer: cluster.fakeTrainer,
    partition: cluster.partition,
  };
}

async function listen(o: DemoOptions, parts: TargetParts): Promise<{ stack: ServerStack; portWasBusy: boolean }> {
  // The nodes view: srun --overlap nvidia-smi on the cluster's nodes, or the fake nvidia-smi for the local node.
  const gpuProbe =
    o.target.kind === 'slurm'
      ? slurmGpuProbe(parts.shell)
      : localGpuProbe({ nodeName: 'localhost', fallbackPath: FAKE_NVIDIA_SMI_DIR });
  const options = {
    dbPath: o.dbPath,
    files: parts.files,
    logger: o.logger,
    scanMs: 500,
    ...(o.webDir ? { webDir: o.webDir } : {}),
    scheduler: { backend: parts.backend, gpuProbe, pollMs: o.target.kind === 'slurm' ? 10_000 : 5_000 },
  };
  try {
    return { stack: await startServerStack({ ...options, port: o.port }), portWasBusy: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !o.anyPortIfBusy) throw err;
    return { stack: await startServerStack({ ...options, port: 0 }), portWasBusy: true };
  }
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const parts = targetParts(o.target);
  const { backend } = parts;
  let stack: ServerStack | null = null;
  try {
    const started = await listen(o, parts);
    stack = started.stack;
    const job = await prepareDemoJob(
      {
        shell: parts.shell,
        runDir: parts.runDir,
        fakeTrainer: parts.fakeTrainer,
        ...(parts.partition ? { partition: parts.partition } : {}),
      },
      { secondsPerIteration: o.secondsPerIteration, crashAt: o.crashAt },
    );
    const training = await launchTrainingJob({
      conn: stack.conn,
      backend,
      logger: o.logger,
      runName: o.runName ?? 'demo',
      script: job.script,
      jobName: job.jobName,
      chdir: job.chdir,
      logPath: job.logPath,
      ...(o.jobPollMs ? { pollMs: o.jobPollMs } : {}),
    });
    const server = stack;
    let stopping: Promise<void> | null = null;
    return {
      url: server.url,
      runId: training.runId,
      target: backend.target,
      portWasBusy: started.portWasBusy,
      stack: server,
      backend,
      job,
      training,
      stop() {
        stopping ??= (async () => {
          await training
            .cancel()
            .catch((err: unknown) => o.logger.error({ err: (err as Error).message }, 'cannot cancel the demo job'));
          await server.stop();
          await backend.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await stack?.stop();
    await backend.close();
    throw err;
  }
}
