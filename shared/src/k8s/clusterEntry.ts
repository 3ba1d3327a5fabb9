// What a `kubernetes` cluster entry may contain, checked before it is stored (`trainboard cluster add --kind
// kubernetes`): where the kubeconfig is, which context and namespace, which workload, and the image and volume the
// manifests use. Kept in the row's `settings` (non-secret: the kubeconfig path, never its credentials).
import { z } from 'zod';
import { absolutePath, clusterNameField, requireFakeTrainerPath, runScriptFields } from '../slurm/cluster.js';
import { DNS_LABEL } from './names.js';
import { IMAGE_PATTERN } from './render.js';

/** kubeconfig context names are free-form (`kind-kind`, `gke_proj_zone_name`, `arn:aws:eks:…:cluster/x`). */
export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,252}$/;

const re = (r: RegExp, what: string) => z.string().regex(r, { message: `must be ${what}` });
const dnsLabel = (what: string) => re(DNS_LABEL, `${what}: lower-case letters, digits, \`-\``).max(63);

/** The row's `settings` of a kubernetes cluster. */
export const kubernetesSettingsSchema = z.strictObject({
  /** null → KUBECONFIG, ~/.kube/config, in-cluster service account. */
  kubeconfig: absolutePath.nullable().default(null),
  /** Resolved at `cluster add` (the kubeconfig's current context then): never follows a later current-context. */
  context: re(CONTEXT_NAME, 'a kubeconfig context name').nullable().default(null),
  /** The API server URL of that context at `cluster add`: the backend refuses a kubeconfig now pointing elsewhere. */
  server: z.string().max(2048).nullable().default(null),
  namespace: dnsLabel('a namespace').nullable().default(null),
  workload: z.enum(['auto', 'job', 'pytorchjob']).default('auto'),
  image: re(IMAGE_PATTERN, 'a container image reference such as nvcr.io/nvidia/pytorch:24.05-py3')
    .nullable()
    .default(null),
  volume: z
    .strictObject({ claimName: dnsLabel('a PersistentVolumeClaim name'), mountPath: absolutePath })
    .nullable()
    .default(null),
});
export type KubernetesSettings = z.infer<typeof kubernetesSettingsSchema>;

export const kubernetesClusterInputSchema = z
  .strictObject({
    name: clusterNameField,
    kind: z.literal('kubernetes'),
    kubeconfig: absolutePath.optional(),
    context: re(CONTEXT_NAME, 'a kubeconfig context name').optional(),
    namespace: dnsLabel('a namespace').optional(),
    workload: z.enum(['auto', 'job', 'pytorchjob']).default('auto'),
    image: re(IMAGE_PATTERN, 'a container image reference such as nvcr.io/nvidia/pytorch:24.05-py3').optional(),
    volumeClaim: dnsLabel('a PersistentVolumeClaim name').optional(),
    mountPath: absolutePath.optional(),
    /** Where run folders live as the pods see them (the shared volume), for the run paths. */
    jobsRoot: absolutePath.optional(),
    ...runScriptFields,
  })
  .superRefine((c, ctx) => {
    if ((c.volumeClaim === undefined) !== (c.mountPath === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['volumeClaim'],
        message: 'give both a volume claim and its mount path, or neither',
      });
    requireFakeTrainerPath(c, ctx);
  });
export type KubernetesClusterInput = z.infer<typeof kubernetesClusterInputSchema>;

/**
 * The settings stored for an input, with the context and API server the kubeconfig resolved them to when the entry
 * was added (so the entry keeps naming that cluster whatever the kubeconfig's current-context becomes).
 */
export function settingsOf(
  c: KubernetesClusterInput,
  resolved: { context: string; server: string } | null = null,
): KubernetesSettings {
  return {
    kubeconfig: c.kubeconfig ?? null,
    context: resolved?.context ?? c.context ?? null,
    server: resolved?.server ?? null,
    namespace: c.namespace ?? null,
    workload: c.workload,
    image: c.image ?? null,
    volume: c.volumeClaim && c.mountPath ? { claimName: c.volumeClaim, mountPath: c.mountPath } : null,
  };
}
