// What rendering a run needs from a kubernetes cluster entry: the manifest's workload (asked of the API when the
// entry says `auto`), image and volume, and where run folders are as the pods see them. The rendered manifest is
// then what the preview shows and what SubmitSpec.script carries (k8s-templates/README.md).
import { kubernetesSettingsSchema } from '@trainboard/shared/k8s/clusterEntry';
import type { K8sRenderOptions } from '@trainboard/shared/k8s/render';
import type { ClusterRow } from '../clusters/types.js';

/** KubernetesBackend.preferredWorkload, when the backend has it (the control plane sees a narrower type). */
function askWorkload(backend: object): Promise<'job' | 'pytorchjob'> | null {
  if (!('preferredWorkload' in backend) || typeof backend.preferredWorkload !== 'function') return null;
  return (backend.preferredWorkload as () => Promise<'job' | 'pytorchjob'>).call(backend);
}

export type KubernetesRender =
  { ok: true; options: K8sRenderOptions; jobsRoot: string } | { ok: false; message: string };

export async function kubernetesRender(row: ClusterRow, backend: object): Promise<KubernetesRender> {
  const s = kubernetesSettingsSchema.safeParse(row.settings ?? {});
  if (!s.success) return { ok: false, message: `cluster ${row.name}: its kubernetes settings are invalid` };
  const { image, volume, workload } = s.data;
  if (!image) return { ok: false, message: `cluster ${row.name} has no container image (cluster add --image)` };
  // Run folders must be where every pod sees them: the entry's jobs root, else the shared volume's mount.
  const jobsRoot = row.jobsRoot ?? volume?.mountPath ?? null;
  if (!jobsRoot) return { ok: false, message: `cluster ${row.name} has no jobs root or shared volume` };
  const chosen = workload === 'auto' ? ((await askWorkload(backend)) ?? 'job') : workload;
  return { ok: true, options: { workload: chosen, image, ...(volume ? { volume } : {}) }, jobsRoot };
}
