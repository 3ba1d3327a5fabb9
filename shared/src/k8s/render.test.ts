import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PRESETS } from '../runconfig/presets.js';
import type { PresetName } from '../runconfig/presets.js';
import { RenderError } from '../runconfig/render/shellWords.js';
import { placeholdersOf } from '../runconfig/render/template.js';
import { validateRunConfig } from '../runconfig/validate.js';
import type { TemplateName } from '../runconfig/render/sbatch.js';
import { finalizeWorkload } from './manifests.js';
import { K8S_MANIFEST_TEMPLATES, renderK8sRun, type K8sWorkload } from './render.js';
import type { K8sJob, K8sPyTorchJob } from './types.js';

const DIR = fileURLToPath(new URL('../../../k8s-templates/', import.meta.url));
const read = (f: string) => readFileSync(path.join(DIR, f), 'utf8');
const templates = (script: TemplateName, workload: K8sWorkload) => ({
  script: { name: script, text: read(`${script}.sh.tmpl`) },
  manifest: { name: K8S_MANIFEST_TEMPLATES[workload], text: read(`${K8S_MANIFEST_TEMPLATES[workload]}.yaml.tmpl`) },
});
const FAKE = { fakeTrainerPath: '/opt/trainboard/scripts/fake-trainer/pretrain_gpt.py', secondsPerIteration: 0.2 };
const IMAGE = 'nvcr.io/nvidia/pytorch:24.05-py3';

function valid(input: unknown) {
  const r = validateRunConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r;
}

function scriptOf(manifest: string): string {
  const doc = parseYaml(manifest) as { kind: string } & Record<string, never>;
  const j = doc as unknown as K8sJob & K8sPyTorchJob;
  const pod = doc.kind === 'Job' ? j.spec!.template : j.spec!.pytorchReplicaSpecs.Master!.template;
  return pod.spec!.containers[0]!.command![2] as string;
}

describe('renderK8sRun', () => {
  for (const preset of Object.keys(PRESETS) as PresetName[])
    for (const script of ['megatron-deepspeed', 'fake-trainer'] as TemplateName[])
      for (const workload of ['job', 'pytorchjob'] as K8sWorkload[])
        it(`${preset} × ${script} × ${workload}: YAML that carries a bash-valid script, matching its snapshot`, async () => {
          const { config, plan } = valid(PRESETS[preset]);
          const r = renderK8sRun(config, plan, templates(script, workload), { workload, image: IMAGE }, FAKE);
          const manifest = r.files[r.scriptName] as string;
          expect(r.scriptName).toBe(`${config.cluster.jobName}.k8s.yaml`);
          expect(manifest.startsWith('#!')).toBe(true); // SubmitSpec.script's rule; a YAML comment
          expect(manifest).not.toMatch(/\{\{|\}\}/);
          expect(spawnSync('bash', ['-n'], { input: scriptOf(manifest) }).status).toBe(0);
          await expect(manifest).toMatchFileSnapshot(`./__snapshots__/${preset}.${script}.${workload}.k8s.yaml`);
          // What the backend sends is the same manifest, finished by the submission's options.
          const done = finalizeWorkload(
            { script: manifest, name: `${config.cluster.jobName}.tb.abc123.1`, nodes: config.cluster.nodes },
            { namespace: 'ml', excludeHostnames: [] },
          );
          expect(done.workload.kind).toBe(workload === 'job' ? 'Job' : 'PyTorchJob');
        });

  it('fills the run config values: nodes, GPUs, image, deadline, rendezvous port; env as env entries, not in the script', () => {
    const input = structuredClone(PRESETS['bloom-176b']) as Record<string, unknown> & { env?: Record<string, string> };
    input.env = { ...input.env, SECRET_TOKEN: "a'b; $(touch PWNED)" };
    const { config, plan } = valid(input);
    const manifest = renderK8sRun(config, plan, templates('megatron-deepspeed', 'job'), {
      workload: 'job',
      image: IMAGE,
      volume: { claimName: 'scratch', mountPath: '/gpfsscratch' },
    }).files['tr11-176B-ml.k8s.yaml'] as string;
    const job = parseYaml(manifest) as K8sJob;
    expect(job.spec).toMatchObject({ completions: 48, parallelism: 48 });
    expect(job.spec!.template.spec!.activeDeadlineSeconds).toBe(360000); // the pods', not the Job's (queue time)
    const c = job.spec!.template.spec!.containers[0]!;
    expect(c.image).toBe(IMAGE);
    expect(c.resources?.limits).toEqual({ 'nvidia.com/gpu': '8', cpu: '64' });
    expect(c.ports).toEqual([{ name: 'c10d', containerPort: 6000 }]);
    expect((c as { volumeMounts?: unknown[] }).volumeMounts).toContainEqual({
      name: 'shared',
      mountPath: '/gpfsscratch',
    });
    const script = scriptOf(manifest);
    // Env values are never in the script (the pod's command): they are the container's env entries, as written,
    // which the backend moves into the job's Secret.
    expect(script).not.toContain('SECRET_TOKEN');
    expect(c.env).toContainEqual({ name: 'SECRET_TOKEN', value: "a'b; $(touch PWNED)" });
    const done = finalizeWorkload(
      { script: manifest, name: 'tr11-176B-ml.tb.abc123.1' },
      { namespace: 'ml', excludeHostnames: [] },
    );
    expect(JSON.stringify(done.workload.job)).not.toContain('PWNED');
    expect(done.secret?.stringData?.SECRET_TOKEN).toBe("a'b; $(touch PWNED)");
    expect(script).toContain('--node_rank "$NODE_RANK"');
  });

  it('refuses a hostile image, volume claim or mount path', () => {
    const { config, plan } = valid(PRESETS.demo);
    const t = templates('fake-trainer', 'job');
    for (const image of ['x\ny: 1', 'a b', 'IMG', '"x"', 'x:tag; rm -rf /', ''])
      expect(() => renderK8sRun(config, plan, t, { workload: 'job', image }), image).toThrow(RenderError);
    expect(() =>
      renderK8sRun(config, plan, t, { workload: 'job', image: IMAGE, volume: { claimName: 'a b', mountPath: '/x' } }),
    ).toThrow(RenderError);
    expect(() =>
      renderK8sRun(config, plan, t, {
        workload: 'job',
        image: IMAGE,
        volume: { claimName: 'ok', mountPath: 'rel\n- x' },
      }),
    ).toThrow(RenderError);
  });

  it('every placeholder of the k8s templates is documented in k8s-templates/README.md', () => {
    const readme = read('README.md');
    for (const f of [
      'indexed-job.yaml.tmpl',
      'pytorchjob.yaml.tmpl',
      'megatron-deepspeed.sh.tmpl',
      'fake-trainer.sh.tmpl',
    ])
      for (const p of placeholdersOf(read(f))) expect(readme, `${f}: ${p}`).toContain(`\`{{${p}}}\``);
  });
});
