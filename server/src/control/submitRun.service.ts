// Submitting a run: validate the config with the existing rules (cluster defaults and profile applied), render
// it through renderRunConfig, show the exact script and sbatch argv, create the run's folder on the cluster and
// record the run with its desired state. It never calls sbatch: the controller does, through the key protocol.
import { posix } from 'node:path';
import { KEY_PLACEHOLDER } from '@trainboard/shared/control/actions';
import type { RunCreate, RunCreated, SubmitPreviewDto } from '@trainboard/shared/control/api';
import { jobSubmitSpec, mergeHostlists, sbatchArgv, type RunSubmitOptions } from '@trainboard/shared/control/commands';
import { partitionIssues } from '@trainboard/shared/control/partitionCheck';
import type { ConfigIssue, RunConfig, TemplateName } from '@trainboard/shared/runconfig/index';
import { expandHostlist } from '@trainboard/shared/slurm/hostlist';
import type { RunConfigSource } from '../render/loadRunConfig.js';
import { renderRunConfig, type RenderOutcome } from '../render/renderRunConfig.js';
import { FAKE_TRAINER_PATH } from '../render/templates.js';
import type { ActorRef, ControlCluster, ClusterAccess, ControlStore } from './ports.js';

export interface RenderOverrides {
  /** fake-trainer template: the trainer the script runs (the demo's crash-once wrapper). */
  fakeTrainerPath?: string;
}

export interface SubmitRunOptions {
  store: ControlStore;
  clusters: ClusterAccess;
  kick: () => void;
  templatesDir?: string;
  now?: () => number;
}

export interface SubmitOpts {
  /** Runs after the run folder exists and before rendering (the demo writes its wrapper there). */
  prepareRunDir?(cluster: ControlCluster, runDir: string): Promise<RenderOverrides>;
}

export class SubmitRefusedError extends Error {
  constructor(
    readonly code: 'invalid_config' | 'run_exists' | 'cluster_unusable',
    message: string,
    readonly preview?: SubmitPreviewDto,
  ) {
    super(message);
    this.name = 'SubmitRefusedError';
  }
}

export interface SubmitRunService {
  preview(input: RunCreate): Promise<SubmitPreviewDto>;
  submit(input: RunCreate, actor: ActorRef, opts?: SubmitOpts): Promise<RunCreated>;
}

interface Prepared {
  preview: SubmitPreviewDto;
  outcome: Extract<RenderOutcome, { ok: true }>;
  runName: string;
  runDir: string;
  submitOptions: RunSubmitOptions;
}

const DEFAULT_SECONDS_PER_ITERATION = 0.2;

export function createSubmitRunService(o: SubmitRunOptions): SubmitRunService {
  const now = o.now ?? Date.now;

  async function prepare(input: RunCreate, overrides: RenderOverrides = {}): Promise<Prepared | SubmitPreviewDto> {
    const cluster = o.clusters.get(input.cluster);
    const row = cluster.row;
    // A backend may render runs its own way (Kubernetes: a manifest, the preview's script and SubmitSpec.script).
    const target = cluster.backend.renderTarget ? await cluster.backend.renderTarget(row) : null;
    if (target && !target.ok) throw new SubmitRefusedError('cluster_unusable', target.message);
    const outcome = await renderRunConfig({
      source: withDefaults(configSource(input), clusterDefaults(cluster)),
      template: (row.template ?? 'megatron-deepspeed') as TemplateName,
      fakeTrainer: {
        fakeTrainerPath: overrides.fakeTrainerPath ?? row.fakeTrainerPath ?? FAKE_TRAINER_PATH,
        secondsPerIteration: input.fakeSecondsPerIteration ?? DEFAULT_SECONDS_PER_ITERATION,
      },
      ...(o.templatesDir ? { templatesDir: o.templatesDir } : {}),
      ...(target?.ok ? target.render : {}),
    });
    const base = { cluster: input.cluster, chainLength: input.chainLength };
    if (!outcome.ok)
      return {
        ...base,
        ok: false,
        issues: outcome.issues,
        runName: null,
        script: null,
        sbatchArgv: [],
        runDir: null,
        files: [],
      };
    const jobsRoot = target?.ok ? target.jobsRoot : row.jobsRoot;
    if (!jobsRoot) throw new SubmitRefusedError('cluster_unusable', `cluster ${row.name} has no jobs root`);
    const runName = input.name ?? outcome.config.name;
    const runDir = posix.join(jobsRoot, runName);
    const submitOptions: RunSubmitOptions = { chdir: runDir };
    const script = outcome.rendered.files[outcome.rendered.scriptName] ?? null;
    const preview: SubmitPreviewDto = {
      ...base,
      ok: true,
      issues: outcome.issues,
      runName,
      script,
      sbatchArgv: chainArgv(runName, submitOptions, input.chainLength),
      runDir,
      files: Object.keys(outcome.rendered.files).map((f) => posix.join(runDir, f)),
    };
    refuseUnsubmittable(cluster, { script, submitOptions, runName, exclude: outcome.config.cluster.exclude });
    return { preview, outcome, runName, runDir, submitOptions };
  }

  return {
    async preview(input) {
      const p = await prepare(input);
      if (!('preview' in p)) return p;
      const more = await partitionCheck(o.clusters.get(input.cluster), p.outcome.config);
      return more.length ? { ...p.preview, issues: [...p.preview.issues, ...more] } : p.preview;
    },
    async submit(input, actor, opts = {}) {
      const first = await prepare(input);
      if (!('preview' in first)) throw new SubmitRefusedError('invalid_config', 'the run config has errors', first);
      if (o.store.runIdByName(first.runName) !== undefined)
        throw new SubmitRefusedError('run_exists', `a run named ${first.runName} exists already`);
      const cluster = o.clusters.get(input.cluster);
      // A cluster without run-folder access (Kubernetes: no shell) has nothing to write files with: the script
      // travels in the run row and the job (ClusterBackend.runFolderAccess).
      if (cluster.backend.runFolderAccess === false) {
        const created = record(o.store, cluster, first, input, actor, now());
        o.kick();
        return created;
      }
      await cluster.files.mkdirp(first.runDir);
      const overrides = (await opts.prepareRunDir?.(cluster, first.runDir)) ?? {};
      const p = opts.prepareRunDir ? await prepare(input, overrides) : first;
      if (!('preview' in p)) throw new SubmitRefusedError('invalid_config', 'the run config has errors', p);
      for (const [name, content] of Object.entries(p.outcome.rendered.files)) {
        await cluster.files.writeFile(posix.join(p.runDir, name), content, name.endsWith('.slurm') ? 0o755 : 0o644);
      }
      const created = record(o.store, cluster, p, input, actor, now());
      o.kick();
      return created;
    },
  };
}

/** A run the cluster could never create a job of (ClusterBackend.checkSubmit) is refused before it is recorded. */
function refuseUnsubmittable(
  cluster: ControlCluster,
  r: { script: string | null; submitOptions: RunSubmitOptions; runName: string; exclude: string | undefined },
): void {
  if (!cluster.backend.checkSubmit || r.script === null) return;
  const job = {
    baseName: r.runName,
    key: KEY_PLACEHOLDER,
    dependsOn: null,
    exclude: mergeHostlists(r.exclude ?? null, null),
  };
  try {
    cluster.backend.checkSubmit(jobSubmitSpec(r.script, r.submitOptions, job));
  } catch (e) {
    throw new SubmitRefusedError('invalid_config', `cluster ${cluster.name} cannot run this: ${(e as Error).message}`);
  }
}

const PARTITION_CHECK_MS = 10_000;

/**
 * F12 before submitting: the partition's state and usable nodes against the config's nodes, as warnings. Best
 * effort: a backend without partition(), or one that fails or is slow, leaves the preview as it was.
 */
async function partitionCheck(cluster: ControlCluster, config: RunConfig): Promise<ConfigIssue[]> {
  const read = cluster.backend.partition?.bind(cluster.backend);
  if (!read) return [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), PARTITION_CHECK_MS)));
    const report = await Promise.race([read(config.cluster.partition), timeout]);
    return report ? partitionIssues(report, config.cluster.nodes, expandHostlist(config.cluster.exclude)) : [];
  } catch {
    return [];
  } finally {
    clearTimeout(timer);
  }
}

function configSource(input: RunCreate): { preset: string } | { value: unknown } {
  const c = input.config;
  return 'preset' in c && typeof c.preset === 'string' && Object.keys(c).length === 1
    ? { preset: c.preset }
    : { value: c };
}

/**
 * Where the cluster row's defaults go. A preset's partition and account are another site's examples, so the row's
 * defaults replace them (the demo preset on a cluster); a config of the user's own keeps what it names and takes a
 * default only where it names none. `array` is always removed: the chain replaces arrays.
 */
function withDefaults(
  source: { preset: string } | { value: unknown },
  defaults: Record<string, unknown>,
): RunConfigSource {
  if ('preset' in source) return { ...source, cluster: { array: undefined, ...defaults } };
  return { ...source, cluster: { array: undefined }, clusterDefaults: defaults };
}

/** The cluster row's defaults for the config's `cluster` section. */
function clusterDefaults(cluster: ControlCluster): Record<string, unknown> {
  const r = cluster.row;
  return {
    ...(r.defaultPartition ? { partition: r.defaultPartition } : {}),
    ...(r.defaultAccount ? { account: r.defaultAccount } : {}),
    ...(r.defaultQos ? { qos: r.defaultQos } : {}),
    ...(r.profile ? { profile: r.profile } : {}),
  };
}

/** One argv per job of the first chain; keys and dependencies are placeholders until the rows exist. */
function chainArgv(runName: string, options: RunSubmitOptions, length: number): string[][] {
  return Array.from({ length }, (_, i) =>
    sbatchArgv(options, {
      baseName: runName,
      key: KEY_PLACEHOLDER,
      dependsOn: i === 0 ? null : '0',
      exclude: null,
    }).map((a) => (a === '--dependency=afterany:0' ? '--dependency=afterany:<previous job>' : a)),
  );
}

function record(
  store: ControlStore,
  cluster: ControlCluster,
  p: Prepared,
  input: RunCreate,
  actor: ActorRef,
  now: number,
): RunCreated {
  const config: RunConfig = p.outcome.config;
  const resolve = (path: string) => posix.resolve(p.runDir, path);
  // A server that cannot reach the run folder (no shell) and cannot set the switch from inside a job either
  // (touchInJob) has no kill switch for the control plane: save-and-exit says why, a resubmit clears nothing.
  const folder = cluster.backend.runFolderAccess !== false || !!cluster.backend.touchInJob;
  return store.transaction(() => {
    const { runId, version } = store.createRun({
      name: p.runName,
      clusterId: cluster.id,
      ownerId: actor.userId,
      chainLength: input.chainLength,
      maxAutoResubmits: 2,
      script: p.preview.script!,
      submitOptions: p.submitOptions,
      runDir: p.runDir,
      logPath: resolve(config.logging.mainLog),
      killSwitchPath: config.killSwitchPath && folder ? resolve(config.killSwitchPath) : null,
      trainIters: p.outcome.plan.trainIters,
      config: config as unknown as Record<string, unknown>,
      // The script's `#SBATCH --exclude` is replaced by any `--exclude` on the sbatch line: the first exclusion
      // must carry the config's nodes too, so they start the run's own list (normalised, sorted).
      excludeNodes: mergeHostlists(config.cluster.exclude ?? null, null),
    });
    // Each job's own log stream (jobLogSource) is registered with the job by the controller; else the main log file.
    if (!cluster.backend.jobLogSource) store.followLog(p.runName, resolve(config.logging.mainLog), now);
    const auditId = store.audit(
      {
        actor,
        action: 'run.submit',
        targetKind: 'run',
        targetId: String(runId),
        runId,
        clusterId: cluster.id,
        command: null,
        result: 'requested',
        message: `chain of ${input.chainLength} on ${cluster.name}`,
        // The submitted config's Slurm and checkpoint fields: runs.config is replaced at each start-up banner, and
        // the cluster facts (clusterFacts.ts) need the run's partition, nodes, exclusions, time limit, checkpoints.
        details: { config: { cluster: config.cluster, checkpointing: { dir: config.checkpointing.dir } } },
      },
      now,
    );
    return { runId, version, auditId };
  });
}
