// `trainboard cluster add|list|test|remove`: manages the cluster rows in the database directly (bootstrap: the
// database file's owner is the host's admin), audited as actor `local:<os user>`. `test` connects, checks the host
// key, runs sinfo and says what it found. Nothing printed ever contains key material.
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseCommandArgs, usageError, type CliIo } from '../args.js';
import { ClusterRequestError, type ClusterActor, type ClustersService } from '../../clusters/clusters.service.js';
import type { AdminClusterDto, ClusterTestReport } from '../../clusters/types.js';

const DEFAULT_DB_PATH = '.trainboard/trainboard.db';

const USAGE = `usage: trainboard cluster add NAME --host H [--port P] --user U (--key PATH | --agent [--agent-socket PATH])
                           (--known-hosts PATH | --fingerprint SHA256:…) --jobs-root DIR
                           [--partition P] [--account A] [--qos Q] [--profile F] [--template T] [--fake-trainer PATH]
       trainboard cluster add NAME --kind kubernetes [--context CTX] [--namespace NS] [--kubeconfig PATH]
                           [--workload auto|job|pytorchjob] [--image IMAGE] [--volume-claim PVC --mount-path DIR]
                           [--jobs-root DIR] [--profile F] [--template T] [--fake-trainer PATH]
       trainboard cluster list [--json]
       trainboard cluster test NAME [--json]
       trainboard cluster remove NAME

Clusters live in the database (--db PATH, default ${DEFAULT_DB_PATH}). The server connects to each over SSH with
the key file (read at connect time, never stored) or the ssh-agent, and trusts only the host key in the known_hosts
file or the pinned fingerprint. --jobs-root is the absolute folder on the cluster where run folders are created.
Local paths (--key, --known-hosts, --agent-socket) are resolved against the current folder.

  --template T   megatron-deepspeed (default) or fake-trainer (needs --fake-trainer, the trainer on the cluster)

A kubernetes cluster is reached through its API with a kubeconfig: --kubeconfig PATH, else KUBECONFIG,
~/.kube/config or the in-cluster service account (never a silent http://localhost:8080). --context picks one of
its contexts (default: the current one), --namespace where jobs go (default: the context's, else default).
--workload auto submits a PyTorchJob when the cluster serves the Kubeflow CRD, else an Indexed Job. --image is the
training container; --volume-claim/--mount-path a PersistentVolumeClaim mounted in every pod.
`;
const COMMAND = { name: 'cluster', usage: USAGE };

/** What the command needs, opened from the database file (tests pass their own). */
export interface ClusterCliDeps {
  service: ClustersService;
  close(): Promise<void>;
}
export type OpenClusterDeps = (dbPath: string) => Promise<ClusterCliDeps>;

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean', default: false },
  kind: { type: 'string', default: 'slurm' },
  host: { type: 'string' },
  port: { type: 'string' },
  user: { type: 'string' },
  key: { type: 'string' },
  agent: { type: 'boolean', default: false },
  'agent-socket': { type: 'string' },
  'known-hosts': { type: 'string' },
  fingerprint: { type: 'string' },
  'jobs-root': { type: 'string' },
  partition: { type: 'string' },
  account: { type: 'string' },
  qos: { type: 'string' },
  profile: { type: 'string' },
  template: { type: 'string' },
  'fake-trainer': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string' },
  workload: { type: 'string' },
  image: { type: 'string' },
  'volume-claim': { type: 'string' },
  'mount-path': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;
type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function localActor(): ClusterActor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry for this uid
  }
  return { kind: 'local', name: `local:${user}` };
}

const definedOnly = (input: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));

/** A kubernetes entry from the flags (the kubeconfig path resolved against the current folder). */
function kubernetesInputOf(name: string, v: Values): Record<string, unknown> {
  return definedOnly({
    name,
    kind: 'kubernetes',
    kubeconfig: v.kubeconfig === undefined ? undefined : resolve(v.kubeconfig),
    context: v.context,
    namespace: v.namespace,
    workload: v.workload,
    image: v.image,
    volumeClaim: v['volume-claim'],
    mountPath: v['mount-path'],
    jobsRoot: v['jobs-root'],
    profile: v.profile,
    template: v.template,
    fakeTrainerPath: v['fake-trainer'],
  });
}

/** The service's input from the flags; the schema checks every value (nothing here trusts them). */
function inputOf(name: string, v: Values): Record<string, unknown> {
  if (v.kind === 'kubernetes') return kubernetesInputOf(name, v);
  const local = (p: string | undefined) => (p === undefined ? undefined : resolve(p));
  const input: Record<string, unknown> = {
    name,
    kind: v.kind,
    host: v.host,
    port: v.port === undefined ? undefined : /^\d{1,5}$/.test(v.port) ? Number(v.port) : v.port,
    user: v.user,
    auth: v.agent ? 'agent' : 'key',
    privateKeyPath: local(v.key),
    agentSocket: local(v['agent-socket']),
    knownHostsPath: local(v['known-hosts']),
    hostFingerprint: v.fingerprint,
    jobsRoot: v['jobs-root'],
    defaultPartition: v.partition,
    defaultAccount: v.account,
    defaultQos: v.qos,
    profile: v.profile,
    template: v.template,
    fakeTrainerPath: v['fake-trainer'],
  };
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

function describeCluster(c: AdminClusterDto): string {
  if (c.kind === 'local') return `${c.name}  local executor  jobs ${c.jobsRoot ?? '-'}`;
  if (c.kind === 'kubernetes') {
    const k = c.kubernetes;
    return `${c.name}  kubernetes  context ${k?.context ?? '(current)'}  namespace ${k?.namespace ?? '(context)'}  kubeconfig ${k?.kubeconfig ?? '(default places)'}  workload ${k?.workload ?? 'auto'}  template ${c.template}`;
  }
  const trust = c.hostFingerprint ? `pinned ${c.hostFingerprint}` : `known_hosts ${c.knownHostsPath ?? '-'}`;
  const auth = c.auth === 'agent' ? 'ssh-agent' : `key ${c.privateKeyPath ?? '-'}`;
  const defaults = [
    c.defaultPartition && `partition ${c.defaultPartition}`,
    c.defaultAccount && `account ${c.defaultAccount}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `${c.name}  ${c.user ?? '?'}@${c.host ?? '?'}:${c.port ?? 22}  ${auth}  ${trust}  jobs ${c.jobsRoot ?? '-'}  template ${c.template}${defaults ? `  ${defaults}` : ''}`;
}

/** The human answer of `cluster test`. */
export function formatTestReport(r: ClusterTestReport): string {
  if (!r.ok) return `cluster ${r.cluster} (${r.target}): FAILED (${r.error}): ${r.message}\n`;
  const byPartition = r.partitions.map((p) => `${p.name}${p.isDefault ? ' (default)' : ''}: ${p.nodes} nodes`);
  const states = Object.entries(r.states).map(([s, n]) => `${n} ${s}`);
  const nodes = r.nodes.map((n) => `  ${n.name}  ${n.state}  ${n.cpus ?? '?'} CPUs  ${n.gpus ?? 0} GPUs`);
  return [
    `cluster ${r.cluster} (${r.target}): OK`,
    `host key: ${r.hostKey ? `${r.hostKey} (matches the trusted key)` : 'not applicable (local)'}`,
    `partitions: ${byPartition.join(', ') || 'none'}`,
    `nodes: ${r.nodes.length} (${states.join(', ')}), ${r.gpus} GPUs in total`,
    ...nodes,
    '',
  ].join('\n');
}

async function subcommand(sub: string, name: string | undefined, v: Values, deps: ClusterCliDeps, io: CliIo) {
  const { service } = deps;
  if (sub === 'list') {
    const all = service.list('admin');
    io.stdout.write(v.json ? `${JSON.stringify(all, null, 2)}\n` : all.map((c) => `${describeCluster(c)}\n`).join(''));
    return 0;
  }
  if (name === undefined) return usageError(COMMAND, io, `cluster ${sub} needs a NAME`);
  if (sub === 'add') {
    const added = service.add(inputOf(name, v), localActor());
    io.stdout.write(`added ${describeCluster(added)}\nnext: trainboard cluster test ${added.name}\n`);
    return 0;
  }
  if (sub === 'test') {
    const report = await service.test(name);
    io.stdout.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : formatTestReport(report));
    return report.ok ? 0 : 1;
  }
  service.remove(name, localActor());
  io.stdout.write(`removed cluster ${name}\n`);
  return 0;
}

export async function run(argv: string[], io: CliIo, open: OpenClusterDeps = openDatabaseDeps): Promise<number> {
  const args = parseCommandArgs(COMMAND, argv, io, OPTIONS);
  if (typeof args === 'number') return args;
  const [sub, name, ...extra] = args.positionals;
  if (!sub || !['add', 'list', 'test', 'remove'].includes(sub))
    return usageError(COMMAND, io, sub ? `unknown subcommand '${sub}'` : 'missing subcommand');
  if (extra.length) return usageError(COMMAND, io, 'too many arguments');
  const dbPath = resolve(args.values.db ?? DEFAULT_DB_PATH);
  let deps: ClusterCliDeps;
  try {
    deps = await open(dbPath);
  } catch (err) {
    io.stderr.write(`trainboard cluster: cannot open database ${dbPath}: ${(err as Error).message}\n`);
    return 1;
  }
  try {
    return await subcommand(sub, name, args.values as Values, deps, io);
  } catch (err) {
    if (!(err instanceof ClusterRequestError)) throw err;
    io.stderr.write(`trainboard cluster ${sub}: ${err.issues.length ? err.issues.join('\n  ') : err.message}\n`);
    return 1;
  } finally {
    await deps.close();
  }
}

async function openDatabaseDeps(dbPath: string): Promise<ClusterCliDeps> {
  const { openClusterServiceDeps } = await import('../../clusters/openClusters.js');
  return openClusterServiceDeps(dbPath);
}
