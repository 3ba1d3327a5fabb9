// Run config → Kubernetes manifest text, by the same template engine and placeholder rules as the sbatch scripts
// (render/template.ts: every placeholder supplied, none left over, no value unused). Two templates take part: the
// node script (k8s-templates/<workload>.sh.tmpl, shell values quoted exactly as for Slurm, from the same value
// functions) and the manifest (k8s-templates/indexed-job.yaml.tmpl or pytorchjob.yaml.tmpl) that embeds it as a
// YAML literal block. YAML values are validated tokens, integers or JSON strings (a JSON string is a YAML scalar);
// the rendered manifest is parsed back and must carry the script unchanged, or rendering fails.
import { parse as parseYaml } from 'yaml';
import type { RunPlan } from '../runconfig/plan.js';
import type { RunConfig } from '../runconfig/schema.js';
import {
  assertRenderable,
  DEFAULT_FAKE_TRAINER,
  fakeTrainerTemplateValues,
  megatronTemplateValues,
  type FakeTrainerOptions,
  type RenderedRun,
  type TemplateName,
} from '../runconfig/render/sbatch.js';
import { formatNumber, RenderError } from '../runconfig/render/shellWords.js';
import { renderTemplate } from '../runconfig/render/template.js';
import { parseSlurmDuration } from '../slurm/time.js';
import { DNS_LABEL, toK8sName } from './names.js';

export type K8sWorkload = 'job' | 'pytorchjob';
export const K8S_MANIFEST_TEMPLATES: Readonly<Record<K8sWorkload, string>> = {
  job: 'indexed-job',
  pytorchjob: 'pytorchjob',
};

/** OCI image reference: registry[:port]/path[:tag][@sha256:digest]. */
export const IMAGE_PATTERN =
  /^[a-z0-9][a-z0-9._-]*(?::\d{1,5})?(?:\/[a-z0-9][a-z0-9._-]*)*(?::[A-Za-z0-9_][A-Za-z0-9._-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const MOUNT_PATH = /^\/[A-Za-z0-9._/+@=,-]*$/;

export interface K8sRenderOptions {
  workload: K8sWorkload;
  /** The container image with Python, PyTorch and Megatron-DeepSpeed (or the fake trainer). */
  image: string;
  /** A PersistentVolumeClaim mounted in every pod (checkpoints, the main log, the kill-switch file). */
  volume?: { claimName: string; mountPath: string };
}

export interface K8sTemplates {
  /** The node script: k8s-templates/megatron-deepspeed.sh.tmpl or fake-trainer.sh.tmpl. */
  script: { name: TemplateName; text: string };
  /** The manifest: k8s-templates/indexed-job.yaml.tmpl or pytorchjob.yaml.tmpl. */
  manifest: { name: string; text: string };
}

/** Placeholders of the sbatch value sets that only a Slurm script has (the node script has none of them). */
const SLURM_ONLY = [
  'JOB_NAME',
  'PARTITION',
  'NODES',
  'CPUS_PER_TASK',
  'TIME_LIMIT',
  'OUTPUT',
  'SBATCH_OPTIONAL',
  'SRUN_WAIT',
  'KILL_ON_BAD_EXIT',
  'RDZV_PORT',
];

function scriptValues(config: RunConfig, plan: RunPlan, name: TemplateName, fake: FakeTrainerOptions) {
  const all =
    name === 'megatron-deepspeed'
      ? megatronTemplateValues(config, plan)
      : fakeTrainerTemplateValues(config, plan, fake);
  const values = Object.fromEntries(Object.entries(all).filter(([k]) => !SLURM_ONLY.includes(k)));
  // Env values can be secrets (tokens): on Kubernetes they travel in the container's env list, which the backend
  // moves into a Secret of the job (secretKeyRef), never in the script, which is the pod's command.
  values.ENV_EXPORTS = Object.keys(config.env).length
    ? "# the run config's environment comes from the job's Secret (secretKeyRef), not from this script"
    : '# (no environment variables set by the run config)';
  return values;
}

/** The run config's env as the trainer container's `env` entries (JSON strings are YAML scalars). */
function envEntries(env: Readonly<Record<string, string>>): string {
  const names = Object.keys(env).sort();
  if (!names.length) return '# (none: no environment variables set by the run config)';
  return names.map((n) => `- { name: ${JSON.stringify(n)}, value: ${JSON.stringify(env[n])} }`).join('\n');
}

/**
 * Multi-line values placed alone on a template line are indented to that line's column (YAML nesting), so the
 * template shows where a block goes and the value stays plain text.
 */
function indentBlocks(
  template: string,
  values: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  const out = { ...values };
  for (const name of names) {
    const line = template.split('\n').find((l) => l.trim() === `{{${name}}}`);
    if (line === undefined) throw new RenderError(`placeholder {{${name}}} must stand alone on its line`);
    const indent = line.slice(0, line.indexOf('{{'));
    out[name] = (values[name] as string)
      .split('\n')
      .map((l, i) => (i === 0 || l === '' ? l : indent + l))
      .join('\n');
  }
  return out;
}

function volumeValues(o: K8sRenderOptions): { VOLUME_MOUNTS: string; VOLUMES: string } {
  if (!o.volume)
    return {
      VOLUME_MOUNTS: '# (no shared volume: the run paths must exist in the image or on the node)',
      VOLUMES: '# (no shared volume)',
    };
  const { claimName, mountPath } = o.volume;
  if (!DNS_LABEL.test(claimName) || claimName.length > 63)
    throw new RenderError(`volume claim ${JSON.stringify(claimName)}: must be a DNS-1123 name`);
  if (!MOUNT_PATH.test(mountPath))
    throw new RenderError(`mount path ${JSON.stringify(mountPath)}: must be an absolute path`);
  return {
    VOLUME_MOUNTS: `- { name: shared, mountPath: ${JSON.stringify(mountPath)} }`,
    VOLUMES: `- { name: shared, persistentVolumeClaim: { claimName: ${claimName} } }`,
  };
}

function manifestValues(
  config: RunConfig,
  o: K8sRenderOptions,
  script: string,
  planSummary: string,
): Record<string, string> {
  if (!IMAGE_PATTERN.test(o.image))
    throw new RenderError(`image ${JSON.stringify(o.image.slice(0, 200))}: not an image reference`);
  const c = config.cluster;
  const limit = parseSlurmDuration(c.timeLimit); // H:MM:SS or D-HH:MM:SS (the run config's TIME_LIMIT_PATTERN)
  if (limit === null) throw new RenderError(`time limit ${c.timeLimit} cannot be read`);
  return {
    RUN_NAME: config.name,
    PLAN_SUMMARY: planSummary,
    OBJECT_NAME: toK8sName(c.jobName),
    NODES: formatNumber(c.nodes),
    TIME_LIMIT_SECONDS: formatNumber(limit),
    IMAGE: JSON.stringify(o.image),
    RDZV_PORT: formatNumber(config.launcher.rdzvPort),
    GPUS_PER_NODE: formatNumber(c.gpusPerNode),
    CPUS_PER_NODE: formatNumber(c.cpusPerNode),
    ...volumeValues(o),
    CONTAINER_SCRIPT: script.replace(/\n$/, ''),
    RUN_ENV: envEntries(config.env),
    ...(o.workload === 'pytorchjob' ? { WORKERS: formatNumber(c.nodes - 1) } : {}),
  };
}

/** The script as the parsed manifest carries it (first container's `command[2]`, in both workloads). */
function embeddedScript(manifest: string): unknown {
  const doc = parseYaml(manifest) as Record<string, never>;
  const spec = (doc?.spec ?? {}) as Record<string, never>;
  const pod =
    (spec as { template?: unknown }).template ??
    (spec as { pytorchReplicaSpecs?: { Master?: { template?: unknown } } }).pytorchReplicaSpecs?.Master?.template;
  return (pod as { spec?: { containers?: { command?: unknown[] }[] } } | undefined)?.spec?.containers?.[0]
    ?.command?.[2];
}

/**
 * Renders the manifest of a validated config. Files: `<jobName>.k8s.yaml` (the manifest, which is what
 * SubmitSpec.script carries for a kubernetes cluster and what the preview shows).
 * @throws RenderError on a missing/unused placeholder, a value that fails validation, or a script the YAML would alter.
 */
export function renderK8sRun(
  config: RunConfig,
  plan: RunPlan,
  templates: K8sTemplates,
  options: K8sRenderOptions,
  fake: FakeTrainerOptions = DEFAULT_FAKE_TRAINER,
): RenderedRun {
  assertRenderable(config);
  const sv = scriptValues(config, plan, templates.script.name, fake);
  const script = renderTemplate(templates.script.name, templates.script.text, sv);
  const values = manifestValues(config, options, script, sv.PLAN_SUMMARY as string);
  const blocks = indentBlocks(templates.manifest.text, values, [
    'CONTAINER_SCRIPT',
    'VOLUME_MOUNTS',
    'VOLUMES',
    'RUN_ENV',
  ]);
  const manifest = renderTemplate(templates.manifest.name, templates.manifest.text, blocks);
  if (embeddedScript(manifest) !== script)
    throw new RenderError(`${templates.manifest.name}: the manifest does not carry the node script unchanged`);
  const scriptName = `${config.cluster.jobName}.k8s.yaml`;
  return { scriptName, files: { [scriptName]: manifest } };
}
