// What rendering a run needs from a kubernetes cluster entry: the manifest's workload (asked of the API when the
// entry says `auto`), image and volume, and where run folders are as the pods see them. The rendered manifest is
// then what the preview shows and what SubmitSpec.script carries (k8s-templates/README.md).
import { kubernetesSettingsSchema } from '@trainboard/shared/k8s/clusterEntry';
import type { ClusterRow } from '../../db/clusters.repo.js';
import type { RenderTarget } from '../clusterBackend.js';

export async function kubernetesRenderTarget(
  row: ClusterRow,
  preferredWorkload: () => Promise<'job' | 'pytorchjob'>,
): Promise<RenderTarget> {
  const s = kubernetesSettingsSchema.safeParse(row.settings ?? {});
  if (!s.success) return { ok: false, message: `cluster ${row.name}: its kubernetes settings are invalid` };
  const { image, volume, workload } = s.data;
  if (!image) return { ok: false, message: `cluster ${row.name} has no container image (cluster add --image)` };
  // Run folders must be where every pod sees them: the entry's jobs root, else the shared volume's mount.
  const jobsRoot = row.jobsRoot ?? volume?.mountPath ?? null;
  if (!jobsRoot) return { ok: false, message: `cluster ${row.name} has no jobs root or shared volume` };
  const chosen = workload === 'auto' ? await preferredWorkload() : workload;
  return { ok: true, render: { kubernetes: { workload: chosen, image, ...(volume ? { volume } : {}) } }, jobsRoot };
}
