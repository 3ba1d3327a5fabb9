// The cluster-state reads on the real loopback Slurm, over SSH as the test user: a partition of our own (c4 only)
// set DOWN and a future MAINT reservation on c4 read back by SlurmBackend.partition(); df/du of a real folder with a
// hostile name by disk(); and end to end, a run submitted to that DOWN partition through a real server process gets
// a `maintenance` incident on GET /api/runs/:id/incidents. The partition and the reservation are created as root on
// this machine (the SSH user may not) and removed at once: other tests share c4.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidClusterQueryError } from '@trainboard/shared/slurm/partition';
import { openDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { SlurmBackend } from '../../server/src/adapters/slurmBackend.js';
import type { DiskReport } from '../../server/src/adapters/clusterBackend.js';
import { backend, devCluster, devClusterRow, sleep } from './cluster.js';
import { apiClient, startServer, type ServerProcess } from './controlServer.js';

const c = devCluster();
const { shell, slurm } = backend(c);
const tag = randomBytes(3).toString('hex');
const PARTITION = `tb_facts_${process.pid}`;
const RESERVATION = `tb_facts_maint_${process.pid}`;
const folderRoot = `${c.jobsDir}/facts-${tag}`;
/** The server's jobs root: made by the SSH user itself (mkdirp over SFTP), not by root like folderRoot. */
const jobsRoot = `${c.jobsDir}/facts-run-${tag}`;
const MARKER = `/tmp/trainboard-facts-pwned-${tag}`;
const scontrol = (...args: string[]) =>
  execFileSync('scontrol', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    // already gone
  }
};

beforeAll(() => {
  scontrol('create', `PartitionName=${PARTITION}`, 'Nodes=c4', 'State=UP');
});

afterAll(async () => {
  quietly(() => scontrol('delete', `ReservationName=${RESERVATION}`));
  quietly(() => scontrol('delete', `PartitionName=${PARTITION}`));
  rmSync(folderRoot, { recursive: true, force: true });
  await shell.close();
});

describe('SlurmBackend.partition() on the loopback Slurm', () => {
  it('reads our partition UP, then DOWN, with its node and a future MAINT reservation on it', async () => {
    const up = await slurm.partition(PARTITION);
    expect(up).toMatchObject({ partition: PARTITION, state: 'up' });
    expect(up.nodes.map((n) => n.name)).toEqual(['c4']);
    expect(up.reservations.filter((r) => r.name === RESERVATION)).toEqual([]);

    scontrol('update', `PartitionName=${PARTITION}`, 'State=DOWN');
    const before = Date.now();
    scontrol(
      'create',
      'reservation',
      `ReservationName=${RESERVATION}`,
      'StartTime=now+1day',
      'Duration=60',
      'Nodes=c4',
      'Users=root',
      // IGNORE_JOBS: other tests' jobs on c4 without a time limit would make the window "busy".
      'Flags=MAINT,IGNORE_JOBS',
    );
    try {
      const down = await slurm.partition(PARTITION);
      expect(down.state).toBe('down');
      const maint = down.reservations.find((r) => r.name === RESERVATION);
      expect(maint).toMatchObject({ nodes: ['c4'] });
      expect(maint?.flags).toContain('MAINT');
      // The window is read as real instants (printed under TZ=UTC): a day from now, one hour long.
      expect(Math.abs((maint?.startMs ?? 0) - (before + 86_400_000))).toBeLessThan(120_000);
      expect((maint?.endMs ?? 0) - (maint?.startMs ?? 0)).toBe(3_600_000);
    } finally {
      scontrol('delete', `ReservationName=${RESERVATION}`);
    }
    expect((await slurm.partition(PARTITION)).reservations.filter((r) => r.name === RESERVATION)).toEqual([]);
  });

  it('the default partition when none is named; a hostile name is refused before anything is sent', async () => {
    expect((await slurm.partition(null)).partition).toBe(c.partition);
    await expect(slurm.partition(`x;touch ${MARKER}`)).rejects.toBeInstanceOf(InvalidClusterQueryError);
    expect(existsSync(MARKER)).toBe(false);
  });
});

describe('SlurmBackend.disks() on the loopback cluster', () => {
  const duOf = (folder: string) =>
    Number(execFileSync('du', ['-sB1', '--', folder], { encoding: 'utf8' }).split('\t')[0]);

  it('df of the filesystem and du of a folder with a hostile name, as the tools say here', async () => {
    const ckpt = join(folderRoot, `global_step100 $(touch ${MARKER}) ';touch ${MARKER}'`);
    mkdirSync(join(ckpt, 'layer_01'), { recursive: true });
    writeFileSync(join(ckpt, 'layer_01', 'model.pt'), Buffer.alloc(1_000_000, 7));
    const r = await slurm.disk(folderRoot, ckpt);
    const [, line = ''] = execFileSync('df', ['-B1', '--output=size,used,avail', '--', folderRoot], {
      encoding: 'utf8',
    }).split('\n');
    const [size = 0, used = 0] = line.trim().split(/\s+/).map(Number);
    expect(r.totalBytes).toBe(size);
    expect(Math.abs(r.usedBytes - used)).toBeLessThan(size / 100);
    expect(r.folderBytes).toBe(duOf(ckpt));
    expect(r.folderBytes).toBeGreaterThanOrEqual(1_000_000);
    expect(existsSync(MARKER)).toBe(false);
    expect((await slurm.disk(folderRoot, join(folderRoot, 'missing'))).folderBytes).toBeNull();
  });

  it('many runs in one df and one du over SSH: each its own figures, a missing path and a refused one alone unknown', async () => {
    const runs = Array.from({ length: 20 }, (_, i) => {
      const dir = join(folderRoot, `run ${i} '$(touch ${MARKER})'`, 'checkpoints');
      const folder = join(dir, `global_step${i}`);
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'model.pt'), Buffer.alloc(50_000 * (i + 1), 1));
      return { path: dir, folder };
    });
    // A run whose checkpoint folder is inside another's: du -l counts it whole for each.
    const nested = { path: runs[0]!.path, folder: join(runs[0]!.folder, 'layer_01') };
    mkdirSync(nested.folder);
    writeFileSync(join(nested.folder, 'opt.pt'), Buffer.alloc(300_000, 2));
    const requests = [
      ...runs,
      { path: join(folderRoot, 'missing run'), folder: join(folderRoot, 'missing run', 'global_step1') },
      { path: `${folderRoot}/bad\nname`, folder: null },
      nested,
      { path: runs[1]!.path, folder: join(runs[1]!.path, 'global_step999') }, // not saved (yet)
    ];
    const calls: string[][] = [];
    const counted = new SlurmBackend({
      target: shell.target,
      exec: (argv, options) => (calls.push([...argv]), shell.exec(argv, options)),
      close: async () => undefined,
    });
    const out = await counted.disks(requests);
    // One df over the 21 distinct valid paths (the refused one is never sent); du over the 22 folders of paths df
    // read, 16 per command.
    expect(calls.map((a) => a[0])).toEqual(['df', 'du', 'du']);
    expect(calls[0]!.length).toBe(4 + 21);
    expect(calls.slice(1).reduce((n, a) => n + a.length - 3, 0)).toBe(22);
    const [, line = ''] = execFileSync('df', ['-B1', '--output=size,used,avail', '--', folderRoot], {
      encoding: 'utf8',
    }).split('\n');
    const [size = 0] = line.trim().split(/\s+/).map(Number);
    runs.forEach((r, i) => {
      const got = out[i]!;
      expect(got, `run ${i}`).not.toBeInstanceOf(Error);
      expect((got as DiskReport).totalBytes).toBe(size);
      expect((got as DiskReport).folderBytes).toBe(duOf(r.folder));
    });
    expect(out[20]).toBeInstanceOf(Error);
    expect(out[21]).toBeInstanceOf(InvalidClusterQueryError);
    expect((out[22] as DiskReport).folderBytes).toBe(duOf(nested.folder));
    expect((out[22] as DiskReport).folderBytes).toBeGreaterThanOrEqual(300_000);
    expect((out[23] as DiskReport).folderBytes).toBeNull();
    expect(existsSync(MARKER)).toBe(false);
  });
});

describe('a run on a DOWN partition, end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainboard-facts-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    const r = await shell.exec(['squeue', '--noheader', '--format=%i|%j']).catch(() => null);
    const mine = (r?.stdout ?? '')
      .split('\n')
      .map((l) => l.split('|'))
      .filter(([, name]) => name?.startsWith(`facts-${tag}.tb.`))
      .map(([id]) => id!);
    if (mine.length) await shell.exec(['scancel', ...mine]).catch(() => undefined);
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(jobsRoot, { recursive: true, force: true });
  });

  it('yields a maintenance incident holding automatic restarts on GET /api/runs/:id/incidents', async () => {
    scontrol('update', `PartitionName=${PARTITION}`, 'State=DOWN');
    const dbPath = join(dir, 'trainboard.db');
    const conn = openDatabase(dbPath);
    let token: string;
    try {
      const repos = createRepositories(conn.sqlite);
      repos.clusters.insert({
        ...devClusterRow(c, jobsRoot),
        template: 'fake-trainer',
        fakeTrainerPath: c.fakeTrainer,
        defaultPartition: PARTITION,
      });
      token = createTestAuth(conn).token('operator');
    } finally {
      conn.close();
    }
    server = await startServer(dbPath, { TRAINBOARD_INCIDENT_TICK_MS: '1000' });
    const api = apiClient(() => server!.base, token);
    const created = await api.post('/api/runs', {
      cluster: 'dev',
      config: { preset: 'demo' },
      name: `facts-${tag}`,
      chainLength: 1,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const runId = created.body.runId as number;
    const end = Date.now() + 60_000;
    let incidents: {
      kind: string;
      severity: string;
      resolvedAtMs: number | null;
      details?: Record<string, unknown>;
    }[] = [];
    while (!incidents.some((i) => i.kind === 'maintenance') && Date.now() < end) {
      await sleep(500);
      const r = await api.get(`/api/runs/${runId}/incidents`);
      expect(r.status).toBe(200);
      incidents = r.body.incidents as typeof incidents;
    }
    const maint = incidents.find((i) => i.kind === 'maintenance');
    expect(maint).toMatchObject({ severity: 'info', resolvedAtMs: null });
    expect(maint?.details).toMatchObject({ partition: PARTITION, partitionState: 'down', holdAutomaticRestarts: true });
    // The job waits on the partition, which is the maintenance incident's to say: not "pending while idle".
    expect(incidents.map((i) => i.kind)).not.toContain('pending_idle');
    expect(incidents.map((i) => i.kind)).not.toContain('nothing_running');

    scontrol('update', `PartitionName=${PARTITION}`, 'State=UP');
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      const r = await api.get(`/api/runs/${runId}/incidents`);
      const m = (r.body.incidents as typeof incidents).find((i) => i.kind === 'maintenance');
      if (m?.resolvedAtMs) return;
      await sleep(500);
    }
    throw new Error('the maintenance incident did not resolve once the partition was back up');
  });
});
