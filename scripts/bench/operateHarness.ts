// The `operate` bench's harness (no `run()`: bench.ts skips it): a real server process on a fresh database whose
// `dev` cluster row runs a bench-owned wrapper around a copy of the fake trainer, the run config the bench submits,
// the queue as squeue shows it, and an operator's previewed actions.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PRESETS } from '@trainboard/shared/runconfig/presets';
import { DEFAULT_RECOVERY_POLICY } from '@trainboard/shared/control/recoveryPolicy';
import { openDatabase } from '../../server/src/db/client.js';
import { createRepositories } from '../../server/src/db/repositories.js';
import type { SshShell } from '../../server/src/adapters/sshShell.js';
import { createTestAuth } from '../../server/src/testing/testAuth.js';
import { DEV_CLUSTER, REPO, backend, devClusterRow, sleep, type DevCluster } from '../../tests/integration/cluster.js';
import { apiClient, startServer, type ServerProcess } from '../../tests/integration/controlServer.js';

export interface Harness {
  c: DevCluster;
  /** Bench folder on the cluster (0777: the jobs, run as slurmci, remove the crash markers): wrapper, control files. */
  dir: string;
  dbPath: string;
  server: ServerProcess;
  api: ReturnType<typeof apiClient> & { put(path: string, body: unknown): Promise<ApiAnswer> };
  shell: SshShell;
  /** `straggler` when the trainer copy knows the word, else `slow 3` (the same pace; no GPU clock report). */
  stragglerWord: string;
  /** The runs this bench submitted (cleanup cancels only their jobs). */
  names: string[];
  close(): Promise<void>;
}

type ApiAnswer = { status: number; body: Record<string, unknown> };

/**
 * The wrapper every job of the bench runs instead of the trainer: task 0 of a run with a `crash-once-<run>` marker
 * crashes at the marker's iteration (once: the marker is removed), and each job polls its OWN control file
 * `control-<job id>` (a resubmitted job never inherits the previous job's fault). `eval-<job id>` holding N makes
 * every validation group of that job take N seconds (a long eval round, not a fault). Paths are JSON strings,
 * which Python reads as the same literals; the run name is checked before it names a file.
 */
export function wrapperSource(trainer: string, dir: string): string {
  return `import importlib.util, os, re, sys, time
d = ${JSON.stringify(dir)}
job = os.environ.get("SLURM_JOB_ID", "0")
name = os.environ.get("SLURM_JOB_NAME", "").split(".tb.")[0]
if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}", name) or not job.isdigit():
    name, job = "unknown", "0"
marker = os.path.join(d, "crash-once-" + name)
if os.environ.get("SLURM_PROCID", "0") == "0" and os.path.exists(marker):
    at = open(marker).read().strip()
    os.remove(marker)
    sys.argv += ["--fault", "crash", "--fault-at-iteration", at]
sys.argv += ["--control-file", os.path.join(d, "control-" + job)]
spec = importlib.util.spec_from_file_location("pretrain_gpt", ${JSON.stringify(trainer)})
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
plain_evaluate = m.evaluate
def evaluate(out, args, where, iteration, groups, train_loss, is_nan, *rest, **kw):
    # Whatever else the trainer's evaluate takes (e.g. its hang-eval flag) passes through unchanged.
    try:
        seconds = float(open(os.path.join(d, "eval-" + job)).read().split()[0])
    except (OSError, ValueError, IndexError):
        seconds = 0.0
    if seconds <= 0 or iteration is None:
        return plain_evaluate(out, args, where, iteration, groups, train_loss, is_nan, *rest, **kw)
    for g in groups:
        time.sleep(seconds)
        plain_evaluate(out, args, where, iteration, [g], train_loss, is_nan, *rest, **kw)
m.evaluate = evaluate
sys.argv[0] = ${JSON.stringify(trainer)}
sys.exit(m.main(sys.argv[1:]))
`;
}

export async function startHarness(c: DevCluster, env: Record<string, string>): Promise<Harness> {
  const dir = mkdtempSync(join(c.jobsDir, 'bench-operate-'));
  chmodSync(dir, 0o777);
  const trainer = join(dir, 'pretrain_gpt.py');
  copyFileSync(join(REPO, 'scripts/fake-trainer/pretrain_gpt.py'), trainer);
  chmodSync(trainer, 0o644);
  const wrapper = join(dir, 'pretrain_gpt_bench.py');
  writeFileSync(wrapper, wrapperSource(trainer, dir), { mode: 0o644 });
  const stragglerWord = /['"]straggler['"]/.test(readFileSync(trainer, 'utf8')) ? 'straggler' : 'slow 3';

  // The database (it holds the operator's token) stays off the cluster's shared folder.
  const dbPath = join(mkdtempSync(join(tmpdir(), 'trainboard-operate-')), 'trainboard.db');
  const token = seed(dbPath, c, join(dir, 'runs'), wrapper);
  const server = await startServer(dbPath, env);
  const base = apiClient(() => server.base, token);
  const put = async (path: string, body: unknown): Promise<ApiAnswer> => {
    const res = await fetch(`${server.base}${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // an HTML 404 page: the route does not exist on this build
    }
    return { status: res.status, body: parsed };
  };
  const { shell } = backend(c);
  return {
    c,
    dir,
    dbPath,
    server,
    api: { ...base, put },
    shell,
    stragglerWord,
    names: [],
    close: async () => {
      await server.stop();
      await shell.close();
    },
  };
}

function seed(dbPath: string, c: DevCluster, jobsRoot: string, wrapper: string): string {
  const conn = openDatabase(dbPath);
  try {
    createRepositories(conn.sqlite).clusters.insert({
      ...devClusterRow(c, jobsRoot),
      template: 'fake-trainer',
      fakeTrainerPath: wrapper,
      defaultPartition: c.partition,
    });
    return createTestAuth(conn).token('operator');
  } finally {
    conn.close();
  }
}

/**
 * The demo preset made a long 1-node run: 4 fake GPUs (TP 2 × PP 2) and 1 CPU so it shares a node with other jobs,
 * `exclude` confining it, a save every 100 iterations and an eval round (2 groups) every 100, a time limit and a
 * duration exit far past the bench, and enough samples never to finish.
 */
export function benchRunConfig(name: string, exclude: string | null): Record<string, unknown> {
  const demo = structuredClone(PRESETS.demo) as unknown as Record<string, Record<string, unknown>> & {
    cluster: Record<string, unknown>;
  };
  return {
    ...demo,
    name,
    length: { trainSamples: 5_000_000 },
    optimizer: {
      ...demo.optimizer,
      schedule: { decayStyle: 'cosine', warmupSamples: 1600, decaySamples: 4_000_000 },
    },
    checkpointing: { dir: 'runs/bench/checkpoints', saveInterval: 100 },
    eval: { interval: 100, iters: 2, groups: 2 },
    exitDurationMins: 170,
    cluster: {
      ...demo.cluster,
      timeLimit: '3:00:00',
      nodes: 1,
      cpusPerNode: 1,
      jobName: 'tb-bench-operate',
      ...(exclude ? { exclude } : {}),
    },
  };
}

export interface QueuedJob {
  id: string;
  state: string;
  node: string;
  name: string;
}

export const LIVE_STATES = ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED'];

/** Every job squeue knows (pending, running, just ended), by name. */
export async function queue(shell: SshShell): Promise<QueuedJob[]> {
  const r = await shell.exec(['squeue', '--noheader', '--states=all', '--format=%i|%T|%N|%j']);
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', state = '', node = '', ...name] = line.split('|');
      return { id, state, node, name: name.join('|') };
    });
}

export const jobsOfRun = (jobs: QueuedJob[], run: string) =>
  jobs.filter((j) => j.name.startsWith(`${run}.tb.`)).sort((a, b) => Number(a.id) - Number(b.id));

/** Submits a run (a chain of one job: only the policy, or a person, starts another), returns its id and time. */
export async function submitRun(
  h: Harness,
  name: string,
  exclude: string | null,
  secondsPerIteration: number,
): Promise<{ runId: number; submittedAt: number }> {
  h.names.push(name);
  const submittedAt = Date.now();
  const r = await h.api.post('/api/runs', {
    cluster: 'dev',
    config: benchRunConfig(name, exclude),
    name,
    chainLength: 1,
    fakeSecondsPerIteration: secondsPerIteration,
  });
  if (r.status !== 201) throw new Error(`submitting ${name} failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { runId: r.body.runId as number, submittedAt };
}

/** An operator's action: preview, then request with the preview's version (again if the run moved meanwhile). */
export async function act(h: Harness, runId: number, action: Record<string, unknown>): Promise<boolean> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const preview = await h.api.post(`/api/runs/${runId}/actions/preview`, { action });
    if (preview.status !== 200 || preview.body.refusal) return false;
    const r = await h.api.post(`/api/runs/${runId}/actions`, { action, expectedVersion: preview.body.version });
    if (r.status === 202) return true;
    if (r.status !== 409) return false;
    await sleep(200);
  }
  return false;
}

/**
 * Policy on or off for a run, through `PUT /api/runs/:id/recovery-policy` as an operator would. On: the default
 * policy with room for 10 restarts in its window, so the scripted faults (more than the default 3) are all
 * recovered by the policy and none is held for a person. Off: `enabled: false`. The run's exclusion list starts as
 * its config's (the submit records it; written here too for a server older than that), so each run stays on its
 * own two nodes whatever the policy excludes. Returns what was done, in words.
 */
export async function configureRun(
  h: Harness,
  runId: number,
  opts: { policy: boolean; exclude: string | null },
): Promise<string> {
  const conn = openDatabase(h.dbPath);
  try {
    const repo = createRepositories(conn.sqlite).runControl;
    for (let attempt = 0; ; attempt++) {
      const row = repo.get(runId);
      if (!row) throw new Error(`run ${runId} has no control row`);
      if (
        row.excludeNodes === opts.exclude ||
        repo.setDesired(runId, { excludeNodes: opts.exclude }, row.version) === 'ok'
      )
        break;
      if (attempt > 20) throw new Error(`run ${runId}: could not set its exclusion list`);
      await sleep(100);
    }
  } finally {
    conn.close();
  }
  const policy = opts.policy
    ? { ...DEFAULT_RECOVERY_POLICY, maxRestartsPerWindow: 10 }
    : { ...DEFAULT_RECOVERY_POLICY, enabled: false };
  const r = await h.api.put(`/api/runs/${runId}/recovery-policy`, policy);
  if (r.status !== 200) throw new Error(`run ${runId}: PUT recovery-policy answered ${r.status}`);
  return opts.policy
    ? 'on: the default recovery policy (backoff 30 s doubling), at most 10 restarts in 6 h'
    : 'off: recovery policy enabled=false; a scripted person resubmits';
}

/** `scripts/dev-cluster fault crash|restart <node>` (the node's slurmd and everything in its cgroup). */
export async function nodeFault(what: 'crash' | 'restart', node: string): Promise<void> {
  if (!/^c\d+$/.test(node)) throw new Error(`not a dev-cluster node: ${node}`);
  await promisify(execFile)('bash', [DEV_CLUSTER, 'fault', what, node], { timeout: 60_000 });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export const seconds = (ms: number | null | undefined): string =>
  ms === null || ms === undefined || !Number.isFinite(ms) ? '—' : `${(ms / 1000).toFixed(1)} s`;
