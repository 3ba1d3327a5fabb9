// The demo on either target, through the path every run takes: the server stack with its control plane, a
// cluster row (`local`, or `dev` from the dev cluster's cluster.json), a demo operator with a one-time sign-in
// link, and the `demo` preset submitted through SubmitRunService. The controller submits the job; the crash is
// resubmitted by the failure policy through runActions, exactly as an operator's click would be.
//   local: the local executor, log files read from this machine (the embedded default, no cluster).
//   slurm: the loopback dev cluster's real sbatch/squeue/scancel over real SSH, the log read over SFTP.
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import { createRecoveryPolicyService } from '../control/recoveryPolicy.service.js';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { isTerminalState } from '@trainboard/shared/slurm/types';
import type { ClusterBackend } from '../adapters/clusterBackend.js';
import { SlurmBackend } from '../adapters/slurmBackend.js';
import { SshShell } from '../adapters/sshShell.js';
import { createRepositories, type Repositories } from '../db/repositories.js';
import type { ClusterRow } from '../db/clusters.repo.js';
import { localFiles } from '../follow/localFiles.js';
import { sshRemoteFiles } from '../follow/remoteFiles.js';
import { FAKE_NVIDIA_SMI_DIR, localGpuProbe, slurmGpuProbe, type GpuProbe } from '../nodes/gpuProbe.js';
import { FAKE_TRAINER_PATH } from '../render/templates.js';
import { startServerStack, type ServerStack, type ServerStackOptions } from '../stack.js';
import type { ActorRef } from '../control/ports.js';
import { createPublicationService } from '../public/publication.service.js';
import { devClusterSsh, readDevCluster, type DevCluster } from './devCluster.js';
import { demoRunDir } from './demoJob.js';

export type DemoTarget =
  | { kind: 'local'; /** The local executor's folder; run folders are made in it. */ workDir: string }
  | { kind: 'slurm'; /** The dev cluster's cluster.json. */ clusterFile: string };

export interface DemoOptions {
  target: DemoTarget;
  dbPath: string;
  webDir?: string;
  port: number;
  /** When `port` is taken, listen on a free one instead of failing. */
  anyPortIfBusy?: boolean;
  logger: Logger;
  runName?: string;
  secondsPerIteration: number;
  crashAt: number | null;
  /** The controller's tick (default 1 s for a lively demo). */
  tickMs?: number;
  /** Publish the run's public page at /p/<slug> (`npm run demo` does, as 'demo'); tests publish their own way. */
  publicSlug?: string;
}

export interface Demo {
  url: string;
  runId: number;
  /** One-time sign-in link for the demo operator (10 minutes). */
  loginUrl: string;
  cluster: string;
  /** The demo run's public page (published by the demo operator, audited like any publish), when asked for. */
  publicUrl: string | null;
  portWasBusy: boolean;
  stack: ServerStack;
  /** Cancels the run (through runActions, audited), waits for the scancel, stops the server. */
  stop(): Promise<void>;
}

const LOGIN_LINK_MS = 10 * 60_000;

interface TargetParts {
  files: ServerStackOptions['files'];
  /** The nodes view's scheduler: its own SSH connection on Slurm; locally the control plane's executor. */
  scheduler: (stack: () => ServerStack) => { backend: ClusterBackend; gpuProbe: GpuProbe | null };
  cluster(repos: Repositories): ClusterRow;
  close(): Promise<void>;
}

/** A backend that forwards to the control plane's handle of `cluster`, resolved on first use. */
function lateBackend(stack: () => ServerStack, cluster: string): ClusterBackend {
  return new Proxy({} as ClusterBackend, {
    get(_t, prop) {
      const b = stack().control!.clusters.get(cluster).backend as unknown as Record<string | symbol, unknown>;
      const v = b[prop];
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(b) : v;
    },
  });
}

function targetParts(target: DemoTarget): TargetParts {
  if (target.kind === 'local') {
    const workDir = resolve(target.workDir);
    return {
      files: localFiles(),
      scheduler: (stack) => ({
        backend: lateBackend(stack, 'local'),
        gpuProbe: localGpuProbe({ nodeName: 'localhost', fallbackPath: FAKE_NVIDIA_SMI_DIR }),
      }),
      cluster: (repos) => repos.clusters.ensureLocal(workDir),
      close: async () => undefined,
    };
  }
  const dev = readDevCluster(target.clusterFile);
  // The followers and the nodes view share one SSH connection; the control plane has its own (the registry's).
  const shell = new SshShell(devClusterSsh(dev));
  return {
    files: sshRemoteFiles(shell),
    scheduler: () => ({ backend: new SlurmBackend(shell), gpuProbe: slurmGpuProbe(shell) }),
    cluster: (repos) => devClusterRow(repos, dev),
    close: () => shell.close(),
  };
}

/** The `dev` cluster row, with a fresh jobs root per demo (an earlier demo's checkpoints would be resumed). */
function devClusterRow(repos: Repositories, dev: DevCluster): ClusterRow {
  const jobsRoot = `${dev.jobsDir}/trainboard-demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const settings = {
    host: dev.ssh.host,
    port: dev.ssh.port,
    sshUser: dev.ssh.user,
    auth: 'key' as const,
    privateKeyPath: dev.ssh.privateKeyPath,
    knownHostsPath: dev.ssh.knownHostsPath,
    jobsRoot,
    template: 'fake-trainer' as const,
    fakeTrainerPath: dev.fakeTrainer,
    defaultPartition: dev.partition,
  };
  if (repos.clusters.byName('dev')) repos.clusters.update('dev', settings);
  else repos.clusters.insert({ name: 'dev', kind: 'slurm', ...settings });
  return repos.clusters.byName('dev')!;
}

async function listen(o: DemoOptions, parts: TargetParts): Promise<{ stack: ServerStack; portWasBusy: boolean }> {
  let stack: ServerStack | null = null;
  const options: ServerStackOptions = {
    dbPath: o.dbPath,
    files: parts.files,
    logger: o.logger,
    scanMs: 500,
    ...(o.webDir ? { webDir: o.webDir } : {}),
    scheduler: { ...parts.scheduler(() => stack!), pollMs: o.target.kind === 'slurm' ? 10_000 : 5_000 },
    control: {
      tickMs: o.tickMs ?? 1_000,
      ...(o.target.kind === 'local' ? { localWorkDir: resolve(o.target.workDir) } : {}),
    },
  };
  try {
    stack = await startServerStack({ ...options, port: o.port });
    return { stack, portWasBusy: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || !o.anyPortIfBusy) throw err;
    stack = await startServerStack({ ...options, port: 0 });
    return { stack, portWasBusy: true };
  }
}

/** The `demo` operator (a random password nobody knows: the one-time link signs in). */
function demoOperator(repos: Repositories): ActorRef {
  const user =
    repos.users.byName('demo') ??
    repos.users.insert({ username: 'demo', passwordHash: `!${randomBytes(16).toString('hex')}`, role: 'operator' });
  return { kind: 'local', userId: user.id, name: 'demo' };
}

export async function startDemo(o: DemoOptions): Promise<Demo> {
  const parts = targetParts(o.target);
  let stack: ServerStack | null = null;
  try {
    const started = await listen(o, parts);
    const server = (stack = started.stack);
    const repos = createRepositories(server.conn.sqlite);
    const cluster = parts.cluster(repos);
    const actor = demoOperator(repos);
    const control = server.control!;
    const fakeTrainer = cluster.kind === 'local' ? FAKE_TRAINER_PATH : cluster.fakeTrainerPath!;
    const runName = o.runName ?? `demo-${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}`;
    const { runId } = await control.submit.submit(
      {
        cluster: cluster.name,
        config: { preset: 'demo' },
        name: runName,
        chainLength: 1,
        fakeSecondsPerIteration: o.secondsPerIteration,
      },
      actor,
      { prepareRunDir: demoRunDir({ fakeTrainer, crashAt: o.crashAt }) },
    );
    quickRecovery(repos, runId, actor);
    const publication = o.publicSlug ? publishDemo(server, repos, runId, actor, o.publicSlug) : null;
    const secret = server.authContext.auth.createLoginLink(actor.userId!, LOGIN_LINK_MS);
    let stopping: Promise<void> | null = null;
    return {
      url: server.url,
      runId,
      loginUrl: `${server.url}api/auth/once?t=${encodeURIComponent(secret)}`,
      cluster: cluster.name,
      publicUrl: publication && new URL(publication.path, server.url).toString(),
      portWasBusy: started.portWasBusy,
      stack: server,
      stop() {
        stopping ??= stopDemo(server, runId, actor, o.logger).finally(() => parts.close());
        return stopping;
      },
    };
  } catch (err) {
    await stack?.stop();
    await parts.close();
    throw err;
  }
}

/** Publishes the demo run, as an operator's "Public page…" does, so the public page can be seen too. */
/** The demo shows its crash resubmitted within seconds: a 2 s backoff instead of the default 30 s (audited). */
function quickRecovery(repos: Repositories, runId: number, actor: ActorRef) {
  const policy = { ...DEFAULT_RECOVERY_POLICY, backoffBaseSeconds: 2 };
  createRecoveryPolicyService({ repos }).put(runId, policy, {
    kind: 'local',
    name: actor.name,
    userId: null,
    role: 'operator',
  });
}

function publishDemo(server: ServerStack, repos: Repositories, runId: number, actor: ActorRef, slug: string) {
  const publications = createPublicationService({ repos, snapshots: server.publicSnapshots });
  const input = {
    slug,
    title: 'Trainboard demo run',
    description: 'A small Megatron-style run of the demo preset, followed live (it crashes once and is resubmitted).',
    showNodes: false,
  };
  return publications.publish(runId, input, { kind: 'local', name: actor.name, userId: null, role: 'operator' });
}

/** Cancels the run like an operator would (preview → request), lets the controller run the scancel, stops. */
async function stopDemo(stack: ServerStack, runId: number, actor: ActorRef, logger: Logger): Promise<void> {
  const control = stack.control!;
  try {
    const preview = control.actions.preview(runId, { kind: 'cancel_run' });
    if (!preview.refusal) {
      const { actionId } = control.actions.request(runId, { kind: 'cancel_run' }, preview.version, actor);
      const end = Date.now() + 30_000;
      while (
        control.store.action(actionId)?.state === 'pending' ||
        control.store.action(actionId)?.state === 'running'
      ) {
        if (Date.now() > end) break;
        await control.controller.kick();
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    // Until the scheduler reports the jobs ended, so the jobs table tells how the run ended.
    const end = Date.now() + 30_000;
    const live = () => control.store.jobsOfRun(runId).some((j) => j.phase === 'submitted' && !isTerminalState(j.state));
    while (live() && Date.now() < end) {
      await control.controller.kick();
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'cannot cancel the demo run');
  }
  await stack.stop();
}
