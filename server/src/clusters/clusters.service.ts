// Clusters as data: add, list, test and remove cluster rows (no req/res, no SQL). Every input passes the strict
// schema of shared/slurm/cluster.ts; what leaves goes through the DTO builders, which never carry key material
// (and paths only for admins); a test report names no key or known_hosts path.
import { accessSync, constants } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import { clusterInputSchema, type ClusterInput } from '@trainboard/shared/slurm/cluster';
import { kubernetesSettingsSchema } from '@trainboard/shared/k8s/clusterEntry';
import { SINFO_PARTITION_FORMAT } from '@trainboard/shared/slurm/formats';
import { parseSinfoPartitions, type PartitionInfo } from '@trainboard/shared/slurm/sinfo';
import { CommandFailedError, ShellError } from '../adapters/shell.js';
import { SshShell } from '../adapters/sshShell.js';
import type { Repositories } from '../db/repositories.js';
import { HttpError } from '../routes/errors.js';
import { openHandle, type ClusterRegistry } from './clusterRegistry.js';
import type { AdminClusterDto, ClusterDto, ClusterHandle, ClusterRow, ClusterTestReport } from './types.js';
import { kubernetesFailure, kubernetesReport, parseKubernetesInput } from './kubernetesCluster.js';

/** Who asked (PLAN §2 audit_log actor columns). */
export interface ClusterActor {
  kind: 'user' | 'token' | 'system' | 'local';
  name: string;
  userId?: number | null;
  tokenId?: number | null;
  requestId?: string | null;
}

export interface ClustersServiceDeps {
  repos: Pick<Repositories, 'clusters' | 'audit' | 'transaction'>;
  registry: Pick<ClusterRegistry, 'invalidate'>;
  /** Timeouts of the throwaway connection `test` opens. */
  testTimeouts?: { connectTimeoutMs?: number; commandTimeoutMs?: number };
}

/** A refused request (an AppError: the HTTP layer sends its status, code and client-safe message). */
export class ClusterRequestError extends HttpError {
  constructor(
    status: 400 | 404 | 409,
    code: 'invalid_cluster' | 'cluster_not_found' | 'cluster_exists' | 'cluster_in_use' | 'cluster_reserved',
    message: string,
    readonly issues: string[] = [],
  ) {
    super(status, code, message);
    this.name = 'ClusterRequestError';
  }
}

export function toClusterDto(row: ClusterRow): ClusterDto {
  return {
    name: row.name,
    kind: row.kind,
    template: row.template,
    defaultPartition: row.defaultPartition,
    defaultAccount: row.defaultAccount,
    defaultQos: row.defaultQos,
    profile: row.profile,
  };
}

export function toAdminClusterDto(row: ClusterRow): AdminClusterDto {
  return {
    ...toClusterDto(row),
    host: row.host,
    port: row.port,
    user: row.sshUser,
    auth: row.auth,
    privateKeyPath: row.privateKeyPath,
    agentSocket: row.agentSocket,
    knownHostsPath: row.knownHostsPath,
    hostFingerprint: row.hostFingerprint,
    jobsRoot: row.jobsRoot,
    fakeTrainerPath: row.fakeTrainerPath,
    kubernetes:
      row.kind === 'kubernetes' ? (kubernetesSettingsSchema.safeParse(row.settings ?? {}).data ?? null) : null,
    createdAt: row.createdAt,
  };
}

/** The strict input, or a 400 listing every problem by field (values are not echoed). */
export function parseClusterInput(input: unknown): ClusterInput {
  const r = clusterInputSchema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.join('.') || 'cluster'}: ${i.message}`);
  throw new ClusterRequestError(400, 'invalid_cluster', `invalid cluster: ${issues.join('; ')}`, issues);
}

/** Every column a cluster input sets (the rest are the repository's). */
type ClusterFields = Omit<ClusterRow, 'id' | 'createdAt' | 'updatedAt' | 'disabledAt' | 'settings'>;

function rowOf(c: ClusterInput): ClusterFields {
  return {
    name: c.name,
    kind: c.kind,
    host: c.host,
    port: c.port,
    sshUser: c.user,
    auth: c.auth,
    privateKeyPath: c.privateKeyPath ?? null,
    agentSocket: c.agentSocket ?? null,
    knownHostsPath: c.knownHostsPath ?? null,
    hostFingerprint: c.hostFingerprint ?? null,
    defaultPartition: c.defaultPartition ?? null,
    defaultAccount: c.defaultAccount ?? null,
    defaultQos: c.defaultQos ?? null,
    profile: c.profile ?? null,
    template: c.template,
    jobsRoot: c.jobsRoot,
    fakeTrainerPath: c.fakeTrainerPath ?? null,
  };
}

/** A Slurm input, parsed, its local files checked, as the row's columns. */
function rowOfChecked(input: unknown): ClusterFields {
  const c = parseClusterInput(input);
  checkLocalFiles(c);
  return rowOf(c);
}

/** A stored row in the shape of an input (for a patch to be validated as a whole). */
function inputOfRow(row: ClusterRow): Record<string, unknown> {
  const input: Record<string, unknown> = {
    name: row.name,
    kind: row.kind,
    host: row.host,
    port: row.port,
    user: row.sshUser,
    auth: row.auth,
    privateKeyPath: row.privateKeyPath,
    agentSocket: row.agentSocket,
    knownHostsPath: row.knownHostsPath,
    hostFingerprint: row.hostFingerprint,
    jobsRoot: row.jobsRoot,
    defaultPartition: row.defaultPartition,
    defaultAccount: row.defaultAccount,
    defaultQos: row.defaultQos,
    profile: row.profile,
    template: row.template,
    fakeTrainerPath: row.fakeTrainerPath,
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null));
}

/** The files the server itself reads must be readable by it (checked at add, not at the first run). */
function checkLocalFiles(c: ClusterInput): void {
  const files: [string, string | undefined][] = [
    ['privateKeyPath', c.privateKeyPath],
    ['knownHostsPath', c.knownHostsPath],
  ];
  const unreadable = files.filter(([, path]) => {
    if (path === undefined) return false;
    try {
      accessSync(path, constants.R_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (unreadable.length) {
    const issues = unreadable.map(([field]) => `${field}: the server cannot read this file`);
    throw new ClusterRequestError(400, 'invalid_cluster', `invalid cluster: ${issues.join('; ')}`, issues);
  }
}

export class ClustersService {
  constructor(private readonly deps: ClustersServiceDeps) {}

  add(input: unknown, actor: ClusterActor): AdminClusterDto {
    const isKubernetes = (input as { kind?: unknown } | null)?.kind === 'kubernetes';
    const fields = isKubernetes ? parseKubernetesInput(input) : rowOfChecked(input);
    return this.deps.repos.transaction(() => {
      if (this.deps.repos.clusters.byName(fields.name))
        throw new ClusterRequestError(409, 'cluster_exists', `a cluster named ${fields.name} exists already`);
      const row = this.deps.repos.clusters.insert(fields);
      this.audit(actor, 'cluster.add', row);
      return toAdminClusterDto(row);
    });
  }

  /**
   * Changes fields of a cluster (not its name or kind): the whole result is validated again, the handle is
   * invalidated, so the next command connects with the new settings.
   */
  update(name: string, patch: unknown, actor: ClusterActor): AdminClusterDto {
    const row = this.deps.repos.clusters.byName(name);
    if (!row) throw new ClusterRequestError(404, 'cluster_not_found', 'no such cluster');
    if (row.kind === 'local')
      throw new ClusterRequestError(409, 'cluster_reserved', 'the local cluster is built in and cannot be changed');
    if (row.kind === 'kubernetes')
      throw new ClusterRequestError(
        400,
        'invalid_cluster',
        'change a kubernetes cluster by removing and adding it again',
      );
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch))
      throw new ClusterRequestError(400, 'invalid_cluster', 'the changes must be an object of cluster fields');
    if ('name' in patch || 'kind' in patch)
      throw new ClusterRequestError(400, 'invalid_cluster', 'the name and kind of a cluster cannot be changed');
    // null in the patch clears a field (e.g. known_hosts → fingerprint).
    const merged = Object.entries({ ...inputOfRow(row), ...patch }).filter(([, v]) => v !== null);
    const c = parseClusterInput(Object.fromEntries(merged));
    checkLocalFiles(c);
    const updated = this.deps.repos.transaction(() => {
      const { name: _name, kind: _kind, ...fields } = rowOf(c);
      this.deps.repos.clusters.update(name, fields);
      this.audit(actor, 'cluster.update', row);
      return this.deps.repos.clusters.byName(name) as ClusterRow;
    });
    this.forget(name);
    return toAdminClusterDto(updated);
  }

  /**
   * Every enabled cluster. The admin view (the default: the router filters it per role) adds connection details
   * and paths; the public view has only what a submit form needs. Neither carries key material.
   */
  list(view?: 'admin'): AdminClusterDto[];
  list(view: 'public'): ClusterDto[];
  list(view: 'admin' | 'public' = 'admin'): (ClusterDto | AdminClusterDto)[] {
    const rows = this.deps.repos.clusters.list().filter((r) => r.disabledAt === null);
    return rows.map((r) => (view === 'admin' ? toAdminClusterDto(r) : toClusterDto(r)));
  }

  remove(name: string, actor: ClusterActor): void {
    if (name === 'local')
      throw new ClusterRequestError(409, 'cluster_reserved', 'the local cluster is built in and cannot be removed');
    this.deps.repos.transaction(() => {
      const row = this.deps.repos.clusters.byName(name);
      if (!row) throw new ClusterRequestError(404, 'cluster_not_found', 'no such cluster');
      try {
        this.deps.repos.clusters.remove(name);
      } catch (e) {
        if ((e as Error).name !== 'ClusterInUseError' && !/FOREIGN KEY/i.test((e as Error).message)) throw e;
        throw new ClusterRequestError(409, 'cluster_in_use', `runs still reference cluster ${name}`);
      }
      this.audit(actor, 'cluster.remove', row);
    });
    this.forget(name);
  }

  /** The row changed: the next use makes a new handle; the old connection closes in the background. */
  private forget(name: string): void {
    void this.deps.registry.invalidate(name).catch(() => undefined);
  }

  /**
   * Connects over a fresh connection (so a stored row is tested as it is now), checks the host key, asks sinfo for
   * partitions and nodes. A stored name or a not-yet-stored input (validated first).
   */
  async test(target: string | { input: unknown }): Promise<ClusterTestReport> {
    const row = this.rowToTest(target);
    if (row.kind === 'local') return localReport(row);
    if (row.kind === 'kubernetes') {
      try {
        return await kubernetesReport(row, openHandle(row));
      } catch (e) {
        return kubernetesFailure(row, e);
      }
    }
    const handle = openHandle(row, { ssh: this.deps.testTimeouts ?? {} });
    try {
      return await probe(handle);
    } catch (e) {
      return failure(row, handle.shell.target, e);
    } finally {
      await handle.close().catch(() => {});
    }
  }

  private audit(actor: ClusterActor, action: `cluster.${'add' | 'update' | 'remove'}`, row: ClusterRow): void {
    this.deps.repos.audit.append({
      atMs: Date.now(),
      actorKind: actor.kind,
      actorName: actor.name,
      userId: actor.userId ?? null,
      tokenId: actor.tokenId ?? null,
      requestId: actor.requestId ?? null,
      action,
      targetKind: 'cluster',
      targetId: row.name,
      clusterId: action === 'cluster.remove' ? null : row.id,
      result: 'ok',
    });
  }

  private rowToTest(target: string | { input: unknown }): ClusterRow {
    if (typeof target !== 'string' && (target.input as { kind?: unknown } | null)?.kind === 'kubernetes') {
      const fields = parseKubernetesInput(target.input);
      return { ...fields, id: 0, createdAt: 0, updatedAt: null, disabledAt: null } as ClusterRow;
    }
    if (typeof target !== 'string') {
      const c = parseClusterInput(target.input);
      return { ...rowOf(c), id: 0, settings: null, createdAt: 0, updatedAt: null, disabledAt: null };
    }
    const row = this.deps.repos.clusters.byName(target);
    if (!row) throw new ClusterRequestError(404, 'cluster_not_found', 'no such cluster');
    return row;
  }
}

/** The local executor needs no connection (and a second executor on its folder would start its pending jobs). */
function localReport(row: ClusterRow): ClusterTestReport {
  const node = { name: hostname(), state: 'idle', gpus: null, cpus: availableParallelism() };
  return {
    ok: true,
    cluster: row.name,
    target: 'local',
    hostKey: null,
    partitions: [{ name: 'local', nodes: 1, isDefault: true }],
    nodes: [node],
    states: { idle: 1 },
    gpus: 0,
  };
}

async function partitionsOf(handle: ClusterHandle): Promise<PartitionInfo[]> {
  const argv = ['sinfo', '--noheader', `--format=${SINFO_PARTITION_FORMAT}`];
  const r = await handle.shell.exec(argv);
  if (r.code !== 0) throw new CommandFailedError(argv, r);
  return parseSinfoPartitions(r.stdout).partitions;
}

async function probe(handle: ClusterHandle): Promise<ClusterTestReport> {
  const nodes = await handle.backend.nodes(); // first command: connects and checks the host key
  const partitions = await partitionsOf(handle);
  const states: Record<string, number> = {};
  for (const n of nodes) states[n.state] = (states[n.state] ?? 0) + 1;
  return {
    ok: true,
    cluster: handle.row.name,
    target: handle.shell.target,
    hostKey: handle.shell instanceof SshShell ? handle.shell.hostKeyFingerprint : null,
    partitions: partitions.map((p) => ({ name: p.name, nodes: p.nodes, isDefault: p.isDefault })),
    nodes: nodes.map((n) => ({ name: n.name, state: n.state, gpus: n.gpus, cpus: n.cpus })),
    states,
    gpus: nodes.reduce((sum, n) => sum + (n.gpus ?? 0), 0),
  };
}

/** What went wrong, in words that name no local path (the configured ones are cut out as a second guard). */
function failure(row: ClusterRow, target: string, e: unknown): ClusterTestReport {
  const paths = [row.privateKeyPath, row.knownHostsPath, row.agentSocket].filter((p): p is string => !!p);
  const scrub = (text: string) => paths.reduce((t, p) => t.split(p).join('<configured file>'), text).slice(0, 500);
  if (e instanceof ShellError)
    return { ok: false, cluster: row.name, target, error: e.kind, message: scrub(e.message) };
  if (e instanceof CommandFailedError)
    return { ok: false, cluster: row.name, target, error: 'slurm', message: scrub(e.message) };
  return { ok: false, cluster: row.name, target, error: 'slurm', message: 'the cluster did not answer as expected' };
}
