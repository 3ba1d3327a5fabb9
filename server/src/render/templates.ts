// Reads templates and cluster profiles from slurm-templates/ (data files, rendered by the pure code in shared).
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatIssue, parseClusterProfile } from '@trainboard/shared/runconfig/index';
import type { ClusterProfile, TemplateName } from '@trainboard/shared/runconfig/index';
import { K8S_MANIFEST_TEMPLATES, type K8sTemplates, type K8sWorkload } from '@trainboard/shared/k8s/render';

/** The repository's slurm-templates/ directory. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../slurm-templates/', import.meta.url));

/** The fake trainer in this checkout, used as the default path in rendered fake-trainer scripts. */
export const FAKE_TRAINER_PATH = fileURLToPath(
  new URL('../../../scripts/fake-trainer/pretrain_gpt.py', import.meta.url),
);

export async function readTemplate(
  name: TemplateName,
  dir = TEMPLATES_DIR,
): Promise<{ name: TemplateName; text: string }> {
  return { name, text: await readFile(path.join(dir, `${name}.slurm.tmpl`), 'utf8') };
}

/** The repository's k8s-templates/ directory (Kubernetes manifests and node scripts, issue 13). */
export const K8S_TEMPLATES_DIR = fileURLToPath(new URL('../../../k8s-templates/', import.meta.url));

/** The node script and manifest templates of a run on a kubernetes cluster. */
export async function readK8sTemplates(
  script: TemplateName,
  workload: K8sWorkload,
  dir = K8S_TEMPLATES_DIR,
): Promise<K8sTemplates> {
  const manifest = K8S_MANIFEST_TEMPLATES[workload];
  return {
    script: { name: script, text: await readFile(path.join(dir, `${script}.sh.tmpl`), 'utf8') },
    manifest: { name: manifest, text: await readFile(path.join(dir, `${manifest}.yaml.tmpl`), 'utf8') },
  };
}

/**
 * Every profile in `<dir>/profiles/*.yaml`, validated.
 * @throws Error naming the file and the findings when a profile is invalid (a broken checkout, not user input).
 */
export async function loadClusterProfiles(dir = TEMPLATES_DIR): Promise<ClusterProfile[]> {
  const profilesDir = path.join(dir, 'profiles');
  const files = (await readdir(profilesDir)).filter((f) => f.endsWith('.yaml')).sort();
  const profiles: ClusterProfile[] = [];
  for (const file of files) {
    const result = parseClusterProfile(parseYaml(await readFile(path.join(profilesDir, file), 'utf8')));
    if (!result.ok) throw new Error(`invalid cluster profile ${file}:\n${result.issues.map(formatIssue).join('\n')}`);
    profiles.push(result.profile);
  }
  return profiles;
}
