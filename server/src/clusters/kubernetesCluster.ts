// The kubernetes side of the clusters service: an entry's input (strict schema, kubeconfig file readable by the
// server) as a row whose `settings` carry the kubeconfig path, context, namespace, workload, image and volume; and
// `cluster test` on it: list the nodes through the API and report them (the namespace stands where Slurm shows
// partitions). Messages name no credential and no kubeconfig path.
import { accessSync, constants } from 'node:fs';
import { kubernetesClusterInputSchema, settingsOf } from '@trainboard/shared/k8s/clusterEntry';
import { ShellError } from '../adapters/shell.js';
import { KubeApiError } from '../adapters/kubernetes/client.js';
import { KubeConfigError, loadKubeConfig } from '../adapters/kubernetes/kubeConfig.js';
import type { KubernetesBackend } from '../adapters/kubernetes/kubernetesBackend.js';
import { ClusterRequestError } from './clusters.service.js';
import type { ClusterHandle, ClusterRow, ClusterTestReport } from './types.js';

export type KubernetesRowFields = Omit<ClusterRow, 'id' | 'createdAt' | 'updatedAt' | 'disabledAt'>;

function refuse(issues: string[]): never {
  throw new ClusterRequestError(400, 'invalid_cluster', `invalid cluster: ${issues.join('; ')}`, issues);
}

/** The row of a `--kind kubernetes` input, or a 400 listing every problem by field. */
export function parseKubernetesInput(input: unknown): KubernetesRowFields {
  const r = kubernetesClusterInputSchema.safeParse(input);
  if (!r.success) refuse(r.error.issues.map((i) => `${i.path.join('.') || 'cluster'}: ${i.message}`));
  const c = r.data;
  if (c.kubeconfig) {
    try {
      accessSync(c.kubeconfig, constants.R_OK);
    } catch {
      refuse(['kubeconfig: the server cannot read this file']);
    }
  }
  // The context (the current one when none is given) and its API server are resolved now and stored: a later
  // change of the kubeconfig's current-context must not move the entry to another cluster.
  let resolved: { context: string; server: string };
  try {
    const k = loadKubeConfig({ kubeconfig: c.kubeconfig ?? null, context: c.context ?? null, namespace: c.namespace });
    resolved = { context: k.context, server: k.server };
  } catch (e) {
    if (e instanceof KubeConfigError) refuse([`kubeconfig: ${e.message}`]);
    throw e;
  }
  return {
    name: c.name,
    kind: 'kubernetes',
    host: null,
    port: null,
    sshUser: null,
    auth: null,
    privateKeyPath: null,
    agentSocket: null,
    knownHostsPath: null,
    hostFingerprint: null,
    defaultPartition: null,
    defaultAccount: null,
    defaultQos: null,
    profile: c.profile ?? null,
    template: c.template,
    jobsRoot: c.jobsRoot ?? null,
    fakeTrainerPath: c.fakeTrainerPath ?? null,
    settings: settingsOf(c, resolved),
  };
}

/** Lists the nodes through the API (the first request: it proves the kubeconfig, credentials and RBAC). */
export async function kubernetesReport(row: ClusterRow, handle: ClusterHandle): Promise<ClusterTestReport> {
  try {
    const nodes = await handle.backend.nodes();
    const states: Record<string, number> = {};
    for (const n of nodes) states[n.state] = (states[n.state] ?? 0) + 1;
    const namespace = (handle.backend as KubernetesBackend).namespace;
    return {
      ok: true,
      cluster: row.name,
      target: handle.backend.target,
      hostKey: null,
      partitions: [{ name: namespace, nodes: nodes.length, isDefault: true }],
      nodes: nodes.map((n) => ({ name: n.name, state: n.state, gpus: n.gpus, cpus: n.cpus })),
      states,
      gpus: nodes.reduce((sum, n) => sum + (n.gpus ?? 0), 0),
    };
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** Why the test failed, in words: a kubeconfig problem, a refusal by the API, or no answer. */
export function kubernetesFailure(row: ClusterRow, e: unknown): ClusterTestReport {
  const target = 'kubernetes';
  const kubeconfig = (row.settings as { kubeconfig?: string | null } | null)?.kubeconfig;
  const scrub = (t: string) => (kubeconfig ? t.split(kubeconfig).join('<configured kubeconfig>') : t).slice(0, 500);
  if (e instanceof KubeConfigError)
    return { ok: false, cluster: row.name, target, error: 'config', message: scrub(e.message) };
  if (e instanceof ShellError)
    return { ok: false, cluster: row.name, target, error: e.kind, message: scrub(e.message) };
  if (e instanceof KubeApiError && (e.code === 401 || e.code === 403))
    return {
      ok: false,
      cluster: row.name,
      target,
      error: 'auth',
      message: `the API server refused the credentials (${e.code})`,
    };
  return {
    ok: false,
    cluster: row.name,
    target,
    error: 'invalid',
    message: 'the API server did not answer as expected',
  };
}
