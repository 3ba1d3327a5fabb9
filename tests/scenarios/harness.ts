// The scenario harness (issue 15, F1–F18 end to end): one real server process on the loopback Slurm, runs
// submitted through POST /api/runs with per-run faults (wrapper.ts), and the readers a scenario needs — incidents,
// audit, squeue, the run's median iteration time — plus an honest detection-time measurement:
//
//   detectMs = (when this harness first saw the incident in GET /api/runs/:id/incidents)
//            − (when its triggering evidence became observable).
//
// Evidence from the log becomes observable when its bytes are in the log file: the harness samples the size of every
// run's log every LOG_SAMPLE_MS (the dev cluster's jobs folder is on this machine), so "written at" is the first
// sample that covered the evidence's byte offset. Evidence that is a Slurm state (F10–F13, F17) is observable when
// the harness's own change returned (scancel, scontrol, mount) or squeue first showed it. Both ends are sampled
// (incidents every INCIDENT_POLL_MS), so detectMs overstates the true latency by at most one API poll and
// understates it by at most one log sample: it is measured, not taken from the incident's own clock (a crash
// incident's openedAtMs is its evidence's time, which would make the latency zero by construction).
import { execFileSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import { PRESETS } from '@trainboard/shared/runconfig/presets';
import type { StoredIncident } from '@trainboard/shared/detect/incidentApi';
import { REPO, backend, devCluster, sleep, type DevCluster } from '../integration/cluster.js';
import { apiClient, seedDatabase, startServer, type ServerProcess } from '../integration/controlServer.js';
import { wrapperSource, type RunFaults } from './wrapper.js';

export const INCIDENT_TICK_MS = 1000;
const LOG_SAMPLE_MS = 20;
export const INCIDENT_POLL_MS = 100;
/** How often the server reads each run's checkpoint filesystem here (5 min by default): F17's limit includes it. */
export const DISK_EVERY_MS = 2000;
/** The server's pending_idle confirm time in the scenarios (F11's limit counts it). */
export const PENDING_IDLE_CONFIRM_MS = 3000;
/** The fake trainer's wall time per iteration in the scenarios (the limits scale with it). */
// 1.5 s, not faster: the follower closes a failure record that ends the log after 1.5 s of quiet (quietFlushMs), so
// a crash whose text is the log's last line (ECC) takes ~1.7 s to detect, 2.3 s on a loaded machine.
export const SECONDS_PER_ITERATION = 1.5;
/** The main log inside a run's folder (the demo preset's path, relative to the run folder). */
const MAIN_LOG = 'runs/demo/logs/main/main_log.txt';
export const CHECKPOINTS = 'runs/demo/checkpoints';

export interface QueuedJob {
  id: string;
  name: string;
  state: string;
  dependency: string;
  nodes: string[];
  reason: string;
}

export interface AuditEntry {
  atMs: number;
  action: string;
  result: string;
  command: string | null;
  actorName: string;
  message: string | null;
}

export interface ScenarioRun {
  runId: number;
  name: string;
  runDir: string;
  logPath: string;
}

export interface SubmitOptions {
  faults?: RunFaults;
  /** Over the scenario run config's `cluster` section (partition, nodes, exclude, timeLimit…). */
  cluster?: Record<string, unknown>;
  /** Over the run config's top level (exitDurationMins, eval, checkpointing…). */
  config?: Record<string, unknown>;
  chainLength?: number;
  secondsPerIteration?: number;
  /** Runs as root after the run folder exists and before submitting (F17 mounts its tmpfs here). */
  prepare?: (runDir: string) => void;
}

const SLURMCI = 'slurmci';
const LIVE = ['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED'];
export const live = (jobs: QueuedJob[]) => jobs.filter((j) => LIVE.includes(j.state));

/** A small 1-node run of the demo model: 1 GPU and 1 CPU, so eight share a node; saves every 5, evals every 10. */
export function scenarioConfig(name: string, partition: string, o: SubmitOptions): Record<string, unknown> {
  const demo = PRESETS.demo;
  return {
    ...demo,
    name,
    parallelism: { tensor: 1, pipeline: 1 },
    batch: { micro: 1, global: 4 },
    length: { trainSamples: 4 * 2000 },
    optimizer: { ...demo.optimizer, schedule: { decayStyle: 'cosine', warmupSamples: 40, decaySamples: 7000 } },
    checkpointing: { dir: CHECKPOINTS, saveInterval: 5 },
    eval: { interval: 10, iters: 1, groups: 2 },
    // The log's `elapsed time per iteration` then matches the fake's wall time (the template derives it from TFLOPs).
    planning: { ...demo.planning, assumedTflopsPerGpu: tflopsFor(o) },
    ...o.config,
    cluster: {
      ...demo.cluster,
      partition,
      nodes: 1,
      gpusPerNode: 1,
      cpusPerNode: 1,
      timeLimit: '0:10:00',
      ...o.cluster,
    },
  };
}

/** The demo model at 8 TFLOPs on 2 GPUs takes 0.05 s an iteration; the TFLOPs that make it take the fake's pace. */
function tflopsFor(o: SubmitOptions): number {
  const gpus = Number(o.cluster?.nodes ?? 1) * Number(o.cluster?.gpusPerNode ?? 1);
  return (8 * (0.05 / (o.secondsPerIteration ?? SECONDS_PER_ITERATION)) * 2) / gpus;
}

/** Root's scontrol on the dev cluster (partitions are the site's to change, not the ssh user's). */
export function scontrol(c: DevCluster, ...args: string[]): string {
  return execFileSync('scontrol', args, { encoding: 'utf8', env: { ...process.env, SLURM_CONF: c.slurmConf } });
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}

export class Harness {
  readonly c: DevCluster = devCluster();
  readonly tag = randomBytes(3).toString('hex');
  readonly jobsRoot: string;
  readonly partition = `tbscen${this.tag}`;
  private readonly faultsDir: string;
  private readonly wrapper: string;
  private readonly dbPath: string;
  private server!: ServerProcess;
  private token = '';
  private readonly ssh = backend(this.c).shell;
  readonly runs: ScenarioRun[] = [];
  /** Per log path: [sampled at, size] pairs, oldest first. */
  private readonly sizes = new Map<string, [number, number][]>();
  private sampler: NodeJS.Timeout | null = null;
  private readonly slurmUid = uid(SLURMCI);

  constructor(private readonly workDir: string) {
    this.jobsRoot = `${this.c.jobsDir}/scenarios-${this.tag}`;
    this.faultsDir = `${this.jobsRoot}/.faults`;
    this.wrapper = `${this.jobsRoot}/.bin/pretrain_gpt_scenario.py`;
    this.dbPath = posix.join(workDir, 'trainboard.db');
  }

  api() {
    return apiClient(() => this.server.base, this.token);
  }

  /** The jobs folder (slurmci's), the fake trainer copy + wrapper, the database and the server. */
  async start(env: Record<string, string> = {}): Promise<void> {
    for (const d of [this.jobsRoot, `${this.jobsRoot}/.bin`, this.faultsDir]) {
      mkdirSync(d, { recursive: true, mode: 0o755 });
      if (d === this.jobsRoot) chownSync(d, this.slurmUid, this.slurmUid);
    }
    const trainer = `${this.jobsRoot}/.bin/pretrain_gpt.py`;
    copyFileSync(`${REPO}/scripts/fake-trainer/pretrain_gpt.py`, trainer);
    writeFileSync(this.wrapper, wrapperSource(trainer, this.faultsDir), { mode: 0o644 });
    this.token = seedDatabase(this.dbPath, { ...this.c, fakeTrainer: this.wrapper }, this.jobsRoot);
    // Its own partition over all four nodes, cores shared by up to 4 of its jobs (the fake trainer mostly sleeps):
    // some twenty runs at once take 5–6 cores, and `debug` keeps the rest for the other tests.
    scontrol(this.c, 'create', `PartitionName=${this.partition}`, 'Nodes=c[1-4]', 'OverSubscribe=FORCE:4', 'State=UP');
    this.server = await startServer(this.dbPath, {
      TRAINBOARD_INCIDENT_TICK_MS: String(INCIDENT_TICK_MS),
      TRAINBOARD_LEASE_TTL_MS: '5000',
      TRAINBOARD_SUBMIT_GRACE_MS: '15000',
      TRAINBOARD_FOLLOW_POLL_MS: '100',
      // GPU facts (F7's straggler) every 2 s, not 15 s: the suspect is named when the regression opens.
      TRAINBOARD_NODES_POLL_MS: '2000',
      // pending_idle confirms after this long (2 min by default: a job waits a little before it starts); F11's limit.
      TRAINBOARD_PENDING_IDLE_CONFIRM_MS: String(PENDING_IDLE_CONFIRM_MS),
      // df/du of each run's filesystem every 2 s, not 5 min: F17's pressure grows while the run trains.
      TRAINBOARD_DISK_EVERY_MS: String(DISK_EVERY_MS),
      // ~20 runs polled every 100 ms by one client: far above a person's rate.
      TRAINBOARD_API_RATE_PER_MINUTE: '100000',
      ...env,
    });
    this.sampler = setInterval(() => this.sampleLogs(), LOG_SAMPLE_MS);
  }

  /** The server's warnings and errors (printed by the test when a scenario failed). */
  serverProblems(): Record<string, unknown>[] {
    return this.server?.logs.filter((l) => Number(l.level) >= 40) ?? [];
  }

  async stop(): Promise<void> {
    if (this.sampler) clearInterval(this.sampler);
    await this.cancelLeftovers().catch(() => undefined);
    await this.server?.stop();
    await this.ssh.close();
    // The jobs folder (runs, logs, the wrapper): the measurements are in the result table.
    if (!process.env.SCENARIOS_KEEP) rmSync(this.jobsRoot, { recursive: true, force: true });
    // A partition with jobs left in it cannot be deleted: Slurm ends cancelled jobs within seconds.
    for (let i = 0; i < 60; i++) {
      try {
        scontrol(this.c, 'delete', `PartitionName=${this.partition}`);
        break;
      } catch {
        await sleep(500);
      }
    }
  }

  /** Submits a run with its faults; the name gets the harness's tag (so leftovers are found and cancelled). */
  async submit(base: string, o: SubmitOptions = {}): Promise<ScenarioRun> {
    const name = `${base}-${this.tag}`;
    const runDir = `${this.jobsRoot}/${name}`;
    writeFileSync(`${this.faultsDir}/${name}.json`, JSON.stringify(o.faults ?? {}), { mode: 0o644 });
    if (o.prepare) {
      mkdirSync(runDir, { recursive: true });
      chownSync(runDir, this.slurmUid, this.slurmUid);
      o.prepare(runDir);
    }
    const r = await this.api().post('/api/runs', {
      cluster: 'dev',
      config: scenarioConfig(name, this.partition, o),
      name,
      chainLength: o.chainLength ?? 1,
      fakeSecondsPerIteration: o.secondsPerIteration ?? SECONDS_PER_ITERATION,
    });
    if (r.status !== 201) throw new Error(`submit ${name}: ${r.status} ${JSON.stringify(r.body).slice(0, 2000)}`);
    const run = { runId: r.body.runId as number, name, runDir, logPath: `${runDir}/${MAIN_LOG}` };
    this.runs.push(run);
    this.sizes.set(run.logPath, []);
    return run;
  }

  private sampleLogs(): void {
    const now = Date.now();
    for (const [path, samples] of this.sizes) {
      let size = 0;
      try {
        size = statSync(path).size;
      } catch {
        continue; // not created yet
      }
      if (samples.at(-1)?.[1] !== size) samples.push([now, size]);
    }
  }

  /**
   * When the log first held the byte at `offset` (the evidence's line start), by this harness's samples. The server
   * may read a line before the next sample does: wait for that sample (the latency is then below one sample).
   */
  async writtenAt(run: ScenarioRun, offset: number): Promise<number | null> {
    const end = Date.now() + 2_000;
    for (;;) {
      const at = this.sizes.get(run.logPath)?.find(([, size]) => size > offset)?.[0];
      if (at !== undefined || Date.now() > end) return at ?? null;
      await sleep(LOG_SAMPLE_MS);
    }
  }

  async incidents(runId: number): Promise<StoredIncident[]> {
    const r = await this.api().get(`/api/runs/${runId}/incidents`);
    if (r.status !== 200) throw new Error(`incidents of run ${runId}: ${r.status}`);
    return r.body.incidents as StoredIncident[];
  }

  /** Polls until an incident matching `match` is listed; returns it with the wall time it was first seen. */
  async waitIncident(
    runId: number,
    match: (i: StoredIncident) => boolean,
    timeoutMs: number,
  ): Promise<{ incident: StoredIncident; seenAtMs: number } | null> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const found = (await this.incidents(runId)).find(match);
      if (found) return { incident: found, seenAtMs: Date.now() };
      await sleep(INCIDENT_POLL_MS);
    }
    return null;
  }

  async audit(runId: number): Promise<AuditEntry[]> {
    const r = await this.api().get(`/api/audit?run=${runId}&limit=200`);
    if (r.status !== 200) throw new Error(`audit of run ${runId}: ${r.status}`);
    return (r.body.entries as AuditEntry[]).reverse();
  }

  async control(runId: number) {
    const r = await this.api().get(`/api/runs/${runId}/control`);
    return r.body as {
      version: number;
      desiredState: string;
      jobs: { phase: string; state: string; schedulerJobId: string | null; chainSeq: number }[];
    };
  }

  /** An operator's action: preview, then request with the preview's version (a moved run is previewed again). */
  async act(runId: number, action: Record<string, unknown>): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      const preview = await this.api().post(`/api/runs/${runId}/actions/preview`, { action });
      if (preview.status !== 200) throw new Error(`preview ${JSON.stringify(action)}: ${preview.status}`);
      const r = await this.api().post(`/api/runs/${runId}/actions`, { action, expectedVersion: preview.body.version });
      if (r.status === 409 && r.body.code === 'run_changed' && attempt < 5) continue;
      if (r.status !== 202) throw new Error(`action ${JSON.stringify(action)}: ${r.status} ${JSON.stringify(r.body)}`);
      return preview.body.commands as string[];
    }
  }

  /** The run's recovery policy, when this server has the endpoint (h/policy); null when it does not. */
  async setRecoveryPolicy(runId: number, patch: Record<string, unknown>): Promise<boolean> {
    const got = await this.api().get(`/api/runs/${runId}/recovery-policy`);
    if (got.status === 404) return false;
    const policy = { ...(got.body.policy as Record<string, unknown>), ...patch };
    const res = await fetch(`${this.server.base}/api/runs/${runId}/recovery-policy`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(policy),
    });
    if (res.status !== 200) throw new Error(`recovery policy of run ${runId}: ${res.status} ${await res.text()}`);
    return true;
  }

  /** Every job squeue still knows (MinJobAge keeps ended ones an hour) whose name belongs to `run`. */
  async queue(run: ScenarioRun): Promise<QueuedJob[]> {
    const r = await this.ssh.exec(['squeue', '--noheader', '--states=all', '--format=%i|%T|%E|%N|%r|%j']);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [id = '', state = '', dependency = '', nodes = '', reason = '', ...name] = line.split('|');
        const list = nodes === '' || nodes === '(null)' ? null : nodes;
        return { id, state, dependency, nodes: expandHostlist(list), reason, name: name.join('|') };
      })
      .filter((j) => j.name.startsWith(`${run.name}.tb.`))
      .sort((a, b) => Number(a.id) - Number(b.id));
  }

  /** Runs a Slurm command as the ssh user (what "behind Trainboard's back" means: the owner, not Trainboard). */
  async slurm(argv: string[]): Promise<string> {
    const r = await this.ssh.exec(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  async until<T>(what: string, read: () => Promise<T | undefined>, ms = 90_000, everyMs = 250): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (v !== undefined) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(everyMs);
    }
  }

  /** The run's median iteration time (ms) from the iterations it logged (GET /api/runs/:id/series). */
  async medianIterationMs(runId: number): Promise<number | null> {
    const r = await this.api().get(`/api/runs/${runId}/series?fields=iterationTimeMs&target=20000`);
    const points = (r.body.series as Record<string, { points: [number, number | string][] }> | undefined)
      ?.iterationTimeMs?.points;
    const xs = (points ?? [])
      .map(([, v]) => Number(v))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    if (xs.length === 0) return null;
    const mid = xs.length >> 1;
    return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
  }

  /** The iteration the run's log reached (overview). */
  async latestIteration(runId: number): Promise<number> {
    const r = await this.api().get(`/api/runs/${runId}/overview`);
    return (r.body as { latest: { iteration: number } | null }).latest?.iteration ?? 0;
  }

  async writeControl(run: ScenarioRun, text: string): Promise<void> {
    await this.ssh.exec(['sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', text, `${run.runDir}/fault-control`]);
  }

  /** Whether any job of this harness's runs is RUNNING. */
  async anyRunning(): Promise<boolean> {
    for (const run of this.runs) if ((await this.queue(run)).some((j) => j.state === 'RUNNING')) return true;
    return false;
  }

  /** Ends one run (by its full name) as an operator, once its scenario is over. */
  async finish(name: string): Promise<void> {
    const run = this.runs.find((r) => r.name === name);
    if (!run) return;
    const state = await this.control(run.runId);
    if (state.desiredState === 'active' || state.desiredState === 'held')
      await this.act(run.runId, { kind: 'cancel_run' });
  }

  /** Cancels what is left of this harness's runs, as an operator and then in Slurm. */
  private async cancelLeftovers(): Promise<void> {
    for (const run of this.runs) {
      const state = await this.control(run.runId).catch(() => null);
      if (state && (state.desiredState === 'active' || state.desiredState === 'held'))
        await this.act(run.runId, { kind: 'cancel_run' }).catch(() => undefined);
    }
    const r = await this.ssh.exec(['squeue', '--noheader', '--format=%i|%j']);
    const mine = r.stdout
      .split('\n')
      .filter((l) => l.includes(`-${this.tag}.tb.`))
      .map((l) => l.split('|')[0]!);
    if (mine.length) await this.ssh.exec(['scancel', ...mine]);
  }
}
