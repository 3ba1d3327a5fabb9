// The clusters repository: every cluster Trainboard reaches, as plain rows (no key material ever lives here).
import type Database from 'better-sqlite3';

export type ClusterKind = 'slurm' | 'local' | 'kubernetes';
export type ClusterAuth = 'key' | 'agent';
export type ClusterTemplate = 'megatron-deepspeed' | 'fake-trainer';

export interface ClusterRow {
  id: number;
  name: string;
  kind: ClusterKind;
  host: string | null;
  port: number | null;
  sshUser: string | null;
  auth: ClusterAuth | null;
  privateKeyPath: string | null;
  /** Null = $SSH_AUTH_SOCK. */
  agentSocket: string | null;
  knownHostsPath: string | null;
  hostFingerprint: string | null;
  defaultPartition: string | null;
  defaultAccount: string | null;
  defaultQos: string | null;
  profile: string | null;
  template: ClusterTemplate;
  jobsRoot: string | null;
  fakeTrainerPath: string | null;
  settings: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number | null;
  disabledAt: number | null;
}

type Settable = Omit<ClusterRow, 'id' | 'name' | 'kind' | 'createdAt' | 'updatedAt'>;
export type NewCluster = Pick<ClusterRow, 'name' | 'kind'> & Partial<Settable>;
export type ClusterPatch = Partial<Settable>;

/** Thrown by `remove` when runs still reference the cluster. */
export class ClusterInUseError extends Error {
  constructor(readonly clusterName: string) {
    super(`cluster ${clusterName} is used by runs`);
    this.name = 'ClusterInUseError';
  }
}

export interface ClustersRepo {
  list(): ClusterRow[];
  byName(name: string): ClusterRow | undefined;
  byId(id: number): ClusterRow | undefined;
  /** @throws on a duplicate name or a row that breaks a CHECK (e.g. both or neither host-key pin for SSH). */
  insert(c: NewCluster, now?: number): ClusterRow;
  /** Returns false when no such cluster. */
  update(name: string, patch: ClusterPatch, now?: number): boolean;
  /** Deletes the cluster (its node rows go with it). @throws ClusterInUseError when runs reference it. */
  remove(name: string): boolean;
  /** The `local` cluster row (local executor), created on first call with `jobsRoot`. */
  ensureLocal(jobsRoot: string): ClusterRow;
}

/** snake_case column ↔ camelCase field, in one table so SELECT and UPDATE agree. */
const COLUMNS: Record<keyof Settable, string> = {
  host: 'host',
  port: 'port',
  sshUser: 'ssh_user',
  auth: 'auth',
  privateKeyPath: 'private_key_path',
  agentSocket: 'agent_socket',
  knownHostsPath: 'known_hosts_path',
  hostFingerprint: 'host_fingerprint',
  defaultPartition: 'default_partition',
  defaultAccount: 'default_account',
  defaultQos: 'default_qos',
  profile: 'profile',
  template: 'template',
  jobsRoot: 'jobs_root',
  fakeTrainerPath: 'fake_trainer_path',
  settings: 'settings',
  disabledAt: 'disabled_at',
};

const SELECT = `SELECT id, name, kind, created_at AS createdAt, updated_at AS updatedAt, ${Object.entries(COLUMNS)
  .map(([field, column]) => `${column} AS ${field}`)
  .join(', ')} FROM clusters`;

type StoredRow = Omit<ClusterRow, 'settings'> & { settings: string | null };
const fromStored = (r: StoredRow | undefined): ClusterRow | undefined =>
  r && { ...r, settings: r.settings === null ? null : (JSON.parse(r.settings) as Record<string, unknown>) };

function toStored(field: string, value: unknown): unknown {
  if (field === 'settings') return value == null ? null : JSON.stringify(value);
  return value ?? null;
}

export function createClustersRepo(sqlite: Database.Database): ClustersRepo {
  const list = sqlite.prepare<[], StoredRow>(`${SELECT} ORDER BY name`);
  const byName = sqlite.prepare<[string], StoredRow>(`${SELECT} WHERE name = ?`);
  const byId = sqlite.prepare<[number], StoredRow>(`${SELECT} WHERE id = ?`);
  const usedByRuns = sqlite.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM runs WHERE cluster_id = (SELECT id FROM clusters WHERE name = ?)',
  );
  const remove = sqlite.prepare<[string]>('DELETE FROM clusters WHERE name = ?');

  const repo: ClustersRepo = {
    list: () => list.all().map((r) => fromStored(r)!),
    byName: (name) => fromStored(byName.get(name)),
    byId: (id) => fromStored(byId.get(id)),
    insert(c, now = Date.now()) {
      const fields = Object.keys(COLUMNS).filter((f) => c[f as keyof Settable] !== undefined) as (keyof Settable)[];
      const columns = ['name', 'kind', 'created_at', ...fields.map((f) => COLUMNS[f])];
      const values = [c.name, c.kind, now, ...fields.map((f) => toStored(f, c[f]))];
      const info = sqlite
        .prepare(`INSERT INTO clusters (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
        .run(...values);
      return repo.byId(Number(info.lastInsertRowid))!;
    },
    update(name, patch, now = Date.now()) {
      const fields = Object.keys(COLUMNS).filter((f) => f in patch) as (keyof Settable)[];
      const sets = [...fields.map((f) => `${COLUMNS[f]} = ?`), 'updated_at = ?'];
      const values = [...fields.map((f) => toStored(f, patch[f])), now, name];
      return sqlite.prepare(`UPDATE clusters SET ${sets.join(', ')} WHERE name = ?`).run(...values).changes > 0;
    },
    remove(name) {
      // Checked first for a clear error; the foreign key would refuse anyway.
      if (usedByRuns.get(name)!.n > 0) throw new ClusterInUseError(name);
      return remove.run(name).changes > 0;
    },
    ensureLocal(jobsRoot) {
      sqlite
        .prepare(
          `INSERT INTO clusters (name, kind, template, jobs_root, created_at) VALUES ('local', 'local', 'fake-trainer', ?, ?)
           ON CONFLICT (name) DO NOTHING`,
        )
        .run(jobsRoot, Date.now());
      return repo.byName('local')!;
    },
  };
  return repo;
}
