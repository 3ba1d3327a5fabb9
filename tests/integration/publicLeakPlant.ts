// The private side of the leak test (publicLeak.test.ts): a run whose every private field carries a sentinel
// string, written through the real repositories and a real followed log file. Every sentinel starts with `zqx`
// (lower-case letters and digits only, so no escaping in HTML, JSON or SVG can disguise it), and compute node
// names start with `zqxnode`: the one kind the publisher may opt in to show. The scheduler's numeric job id is
// 987654321 (a string of digits that no figure of the run contains).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Role } from '@trainboard/shared/auth/roles';
import type { AuthContext } from '../../server/src/app.js';
import type { OpenDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { registerFollowedFile } from '../../server/src/follow/followedSources.js';

export const SENTINEL_PREFIX = 'zqx';
export const NODE_PREFIX = 'zqxnode';
export const NUMERIC_JOB_ID = '987654321';
/** A node name in any public text: the only sentinels a publisher's showNodes opt-in lets through. */
export const NODE_NAME = /zqxnode[a-z0-9-]*/g;

/** Every planted string, by where it was planted (the self-check proves each reached the database or the API). */
export const SENTINELS = {
  // The cluster's settings.
  clusterName: 'zqxclustername',
  clusterHost: 'zqxloginhost',
  sshUser: 'zqxsshuser',
  keyPath: 'zqxkeypath',
  knownHosts: 'zqxknownhosts',
  partition: 'zqxpartition',
  account: 'zqxaccount',
  qos: 'zqxqos',
  jobsRoot: 'zqxjobsroot',
  clusterSetting: 'zqxclustersetting',
  // People.
  publisher: 'zqxpublisheruser',
  operator: 'zqxoperatoruser',
  admin: 'zqxadminuser',
  tokenName: 'zqxtokenname',
  // The run.
  runName: 'zqxprivaterunname',
  configValue: 'zqxconfigvalue',
  envValue: 'zqxenvvalue',
  script: 'zqxscriptline',
  runDir: 'zqxrundir',
  killSwitch: 'zqxkillswitch',
  submitOption: 'zqxsubmitoption',
  // Jobs.
  jobIdString: 'zqxarrayjob',
  idemKey: 'zqxidemkey',
  schedName: 'zqxschedname',
  reasonText: 'zqxreasontext',
  // Actions and audit (incident evidence an operator recorded).
  actionParam: 'zqxactionparam',
  auditMessage: 'zqxauditmessage',
  auditDetail: 'zqxauditdetail',
  // The log: banner arguments, paths, failure text, tracebacks, environment printed by the job.
  dataPath: 'zqxdatapath',
  checkpointDir: 'zqxckptdir',
  tensorboardDir: 'zqxtbdir',
  bannerArg: 'zqxbannerarg',
  condaEnv: 'zqxcondaenv',
  unixUser: 'zqxunixuser',
  failureText: 'zqxfailuretext',
  tracebackText: 'zqxtracebacktext',
  masterAddr: 'zqxmasteraddr',
  logEnv: 'zqxlogenvvalue',
  // The server process's own environment.
  processEnv: 'zqxprocessenv',
  // Appended while viewers are connected (the live path).
  lateFailure: 'zqxlatefailure',
  latePath: 'zqxlatepath',
  // Compute nodes (shown only with showNodes): job node lists, failure hosts, excluded nodes.
  nodeA: 'zqxnodea01',
  nodeB: 'zqxnodeb02',
  nodeLate: 'zqxnodec03',
  nodeExcluded: 'zqxnodex09',
} as const;

export type SentinelName = keyof typeof SENTINELS;

export interface PlantedRun {
  runId: number;
  runDir: string;
  logPath: string;
  /** API tokens (Bearer) of the planted users. */
  tokens: Record<'publisher' | 'operator' | 'admin', string>;
  publisherId: number;
  /** The last iteration written to the log so far. */
  lastIteration: number;
  /** Appends `count` iterations and, with `failure`, the late failure (new sentinels); returns the last iteration. */
  append(count: number, failure?: boolean): number;
}

const TRAIN_ITERS = 1000;
const SEQ = 2048;
const BATCH = 512;

/** One Megatron-DeepSpeed iteration line as the last rank prints it (figures far from 987654321). */
export function iterationLine(i: number): string {
  const samples = i * BATCH;
  const loss = (2 + 8 / Math.sqrt(i + 1)).toExponential(6).toUpperCase();
  return (
    `[default7]: iteration ${String(i).padStart(8)}/${String(TRAIN_ITERS).padStart(8)} | consumed samples: ${String(samples).padStart(12)} | ` +
    `consumed tokens: ${String(samples * SEQ).padStart(14)} | elapsed time per iteration (s): 1.25 | learning rate: 6.000E-05 | ` +
    `global batch size: ${String(BATCH).padStart(5)} | lm loss: ${loss} | grad norm: 0.512 | num zeros: 0.0 | ` +
    `number of skipped iterations:   0 | number of nan iterations:   0 | samples per second: 409.600 | TFLOPs: 123.45 |`
  );
}

function banner(runDir: string): string[] {
  const arg = (name: string, value: string | number) => `[default0]:  ${name} ${'.'.repeat(48 - name.length)} ${value}`;
  const S = SENTINELS;
  return [
    `[default0]:using world size: 16, data-parallel-size: 16, tensor-model-parallel size: 1, pipeline-model-parallel size: 1 `,
    '[default0]:------------------------ arguments ------------------------',
    arg('data_path', `/${S.dataPath}/corpus_text_document`),
    arg('global_batch_size', BATCH),
    arg('kill_switch_path', join(runDir, S.killSwitch)),
    arg('load', `/${S.checkpointDir}/checkpoints`),
    arg('save', `/${S.checkpointDir}/checkpoints`),
    arg('seq_length', SEQ),
    arg('tensorboard_dir', `/${S.tensorboardDir}/tb`),
    arg('train_iters', TRAIN_ITERS),
    arg('wandb_entity', S.bannerArg),
    arg('wandb_project', S.configValue), // the banner's arguments become the run's stored config
    '[default0]:-------------------- end of arguments ---------------------',
    `[default0]:MASTER_ADDR=${S.masterAddr} HF_TOKEN=${S.logEnv} USER=${S.unixUser}`,
    `[default0]:setting training iterations to ${TRAIN_ITERS}`,
    `[default0]:  successfully loaded checkpoint from /${S.checkpointDir}/checkpoints at iteration 0`,
    '[default0]:training ...',
  ];
}

function checkpointLines(i: number): string[] {
  const dir = `/${SENTINELS.checkpointDir}/checkpoints`;
  return [
    '[default7]:-------------------------------------------------------------------------------------------',
    `[default7]:valid loss at iteration ${i} | lm loss value: 2.318412E+00 | lm loss PPL: 1.015953E+01 | `,
    '[default7]:-------------------------------------------------------------------------------------------',
    `[default0]:saving checkpoint at iteration ${String(i).padStart(7)} to ${dir}`,
    `[default0]:  successfully saved checkpoint at iteration ${String(i).padStart(7)} to ${dir}`,
  ];
}

/** A hardware failure with its traceback, node names and job id, as Slurm and torchelastic print it. */
function failureLines(node: string, text: string, path: string): string[] {
  const S = SENTINELS;
  return [
    `[default2]:[E ProcessGroupNCCL.cpp:737] [Rank 2] Watchdog caught collective operation timeout on ${node}: ${text}`,
    'Traceback (most recent call last):',
    `  File "/${S.condaEnv}/home/${S.unixUser}/${path}/pretrain_gpt.py", line 231, in <module>`,
    `RuntimeError: ${S.tracebackText} NCCL error in: ${node}:${text}`,
    `srun: error: ${node}: task 3: Exited with exit code 1`,
    `slurmstepd: error: *** JOB ${NUMERIC_JOB_ID} ON ${node} CANCELLED AT 2026-12-06T12:00:00 DUE TO NODE FAILURE ***`,
  ];
}

export interface PlantOptions {
  conn: OpenDatabase;
  authContext: AuthContext;
  /** A folder of this test's own; the run's folder (and so its log path) is made inside it. */
  dir: string;
}

/** Writes every private row and the log (first job, a failure, a restart), and registers the log as followed. */
export function plantPrivateRun(o: PlantOptions): PlantedRun {
  const S = SENTINELS;
  const repos = createRepositories(o.conn.sqlite);
  const runDir = join(o.dir, S.runDir);
  mkdirSync(runDir, { recursive: true });
  const logPath = join(runDir, 'main_log.txt');
  const users = {
    publisher: repos.users.insert({ username: S.publisher, passwordHash: '!', role: 'operator' }),
    operator: repos.users.insert({ username: S.operator, passwordHash: '!', role: 'operator' }),
    admin: repos.users.insert({ username: S.admin, passwordHash: '!', role: 'admin' }),
  };
  const local = { kind: 'local', name: 'leak-test', userId: null, role: 'admin' } as const;
  const token = (u: { id: number; username: string; role: Role }) =>
    o.authContext.auth.createToken(u, `${S.tokenName} ${u.username}`, u.role, local).secret;
  const cluster = repos.clusters.insert({
    name: S.clusterName,
    kind: 'slurm',
    host: `${S.clusterHost}.example.org`,
    port: 2222,
    sshUser: S.sshUser,
    auth: 'key',
    privateKeyPath: `/${S.keyPath}/id_ed25519`,
    knownHostsPath: `/${S.knownHosts}/known_hosts`,
    defaultPartition: S.partition,
    defaultAccount: S.account,
    defaultQos: S.qos,
    template: 'megatron-deepspeed',
    jobsRoot: `/${S.jobsRoot}`,
    settings: { note: S.clusterSetting },
  });
  const run = repos.runControl.create({
    name: S.runName,
    clusterId: cluster.id,
    ownerId: users.publisher.id,
    config: {
      name: S.runName,
      cluster: { partition: S.partition, account: S.account },
      env: { HF_TOKEN: S.envValue },
      data: { path: `/${S.dataPath}`, note: S.configValue },
    },
    excludeNodes: `${S.nodeExcluded}`,
    script: `#!/bin/bash\n# ${S.script}\nexport HF_TOKEN=${S.envValue}\n`,
    submitOptions: { partition: S.partition, account: S.account, qos: S.qos, comment: S.submitOption },
    runDir,
    logPath,
    killSwitchPath: join(runDir, S.killSwitch),
    trainIters: TRAIN_ITERS,
    state: 'running',
  });
  plantJobs(repos, run.runId, cluster.id);
  repos.runActions.insert({
    runId: run.runId,
    kind: 'exclude',
    params: { nodes: S.nodeA, why: S.actionParam },
    requestedBy: users.operator.id,
    state: 'refused',
    result: { message: S.actionParam },
  });
  repos.audit.append({
    atMs: Date.now(),
    actorKind: 'user',
    actorName: S.operator,
    userId: users.operator.id,
    action: 'run.cancel',
    targetKind: 'run',
    targetId: String(run.runId),
    runId: run.runId,
    clusterId: cluster.id,
    command: `scancel ${NUMERIC_JOB_ID}`,
    result: 'ok',
    message: S.auditMessage,
    details: { evidence: S.auditDetail, node: S.nodeA },
  });
  let last = 0;
  const lines: string[] = [...banner(runDir)];
  for (let i = 1; i <= 40; i++) lines.push(iterationLine(i), ...(i % 20 === 0 ? checkpointLines(i) : []));
  lines.push(...failureLines(S.nodeA, S.failureText, 'code'));
  lines.push(...banner(runDir)); // the restart: a new process start from the checkpoint at 40
  for (let i = 41; i <= 60; i++) lines.push(iterationLine(i));
  last = 60;
  writeFileSync(logPath, lines.join('\n') + '\n');
  registerFollowedFile(o.conn.db, S.runName, logPath);
  const planted: PlantedRun = {
    runId: run.runId,
    runDir,
    logPath,
    tokens: { publisher: token(users.publisher), operator: token(users.operator), admin: token(users.admin) },
    publisherId: users.publisher.id,
    lastIteration: last,
    append(count, failure = false) {
      const more: string[] = failure ? failureLines(S.nodeLate, S.lateFailure, S.latePath) : [];
      for (let i = planted.lastIteration + 1; i <= planted.lastIteration + count; i++) more.push(iterationLine(i));
      appendFileSync(logPath, more.join('\n') + '\n');
      planted.lastIteration += count;
      return planted.lastIteration;
    },
  };
  return planted;
}

/** Two jobs: the numeric one that failed on node A, then an array-style id running on node B. */
function plantJobs(repos: ReturnType<typeof createRepositories>, runId: number, clusterId: number): void {
  const S = SENTINELS;
  const keys = (id: number) => ({ idemKey: `tb.${S.idemKey}.${id}`, schedName: `${S.schedName}-${id}` });
  const first = repos.jobs.beginSubmit({
    runId,
    clusterId,
    chainSeq: 1,
    dependsOn: null,
    exclude: S.nodeExcluded,
    reason: 'initial',
    actionId: null,
    keys,
  });
  repos.jobs.markSubmitted(first.id, NUMERIC_JOB_ID);
  repos.jobs.recordStatus(first.id, {
    state: 'NODE_FAIL',
    nodeList: `${S.nodeA},zqxnodea02`,
    exitCode: 1,
    startedAt: Date.now() - 3_600_000,
    endedAt: Date.now() - 1_800_000,
    reasonText: S.reasonText,
  });
  const second = repos.jobs.beginSubmit({
    runId,
    clusterId,
    chainSeq: 2,
    dependsOn: NUMERIC_JOB_ID,
    exclude: S.nodeA,
    reason: 'resubmit',
    actionId: null,
    keys,
  });
  repos.jobs.markSubmitted(second.id, `${S.jobIdString}_7`);
  repos.jobs.recordStatus(second.id, {
    state: 'RUNNING',
    nodeList: S.nodeB,
    startedAt: Date.now() - 1_700_000,
    reasonText: `${S.reasonText} None`,
  });
}
