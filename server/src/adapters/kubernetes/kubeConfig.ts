// The kubeconfig of one cluster entry: a file given by the entry, else the usual places (KUBECONFIG, ~/.kube/config,
// the in-cluster service account), then the entry's context and namespace. Two client-node behaviours are avoided on
// purpose: loadFromDefault() falls back silently to http://localhost:8080 when nothing is found (we refuse instead),
// and its KUBECONFIG merge throws `Duplicate cluster` where kubectl takes the first file's entry (we merge as kubectl).
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { validateNamespace } from '@trainboard/shared/k8s/names';

export interface KubeClusterEntry {
  /** A kubeconfig file; null → KUBECONFIG, ~/.kube/config, in-cluster. */
  kubeconfig?: string | null;
  /** A context of that kubeconfig; null → its current context. */
  context?: string | null;
  /** null → the context's namespace, else `default`. */
  namespace?: string | null;
  /**
   * The API server URL the entry was added for (`cluster add` resolves and stores it with the context): a kubeconfig
   * whose context has since been pointed elsewhere is refused rather than followed to another cluster.
   */
  server?: string | null;
}

export interface LoadedKubeConfig {
  kc: k8s.KubeConfig;
  namespace: string;
  context: string;
  /** The API server URL of that context. */
  server: string;
  /** `context@https://host:port`, for messages: no credentials. */
  target: string;
}

/** A kubeconfig that cannot be used; the message names files and contexts, never credentials. */
export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeConfigError';
  }
}

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function loadFile(file: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new KubeConfigError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  return kc;
}

/** KUBECONFIG=a:b as kubectl merges it: the first file that names a cluster/user/context wins, as does its current-context. */
function loadMerged(files: readonly string[]): k8s.KubeConfig {
  const parts = files.map(loadFile);
  const first = <T extends { name: string }>(lists: T[][]) => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: first(parts.map((p) => p.getClusters())),
    users: first(parts.map((p) => p.getUsers())),
    contexts: first(parts.map((p) => p.getContexts())),
    currentContext: parts.map((p) => p.getCurrentContext()).find((c) => !!c) ?? '',
  });
  return kc;
}

function loadDefault(env: NodeJS.ProcessEnv, home: string): k8s.KubeConfig {
  const list = (env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f && existsSync(f));
  if (list.length) return loadMerged(list);
  const file = path.join(home, '.kube', 'config');
  if (existsSync(file)) return loadFile(file);
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) {
    const kc = new k8s.KubeConfig();
    kc.loadFromCluster();
    return kc;
  }
  throw new KubeConfigError(
    'no kubeconfig found (cluster entry, KUBECONFIG, ~/.kube/config, in-cluster service account); ' +
      'not falling back to http://localhost:8080',
  );
}

function serverTarget(context: string, server: string): string {
  try {
    const u = new URL(server);
    return `${context}@${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return `${context}@(unparsable server URL)`;
  }
}

/**
 * The KubeConfig, namespace and context of a cluster entry. makeApiClient() binds to the current context when it
 * is called, so each entry gets its own KubeConfig.
 * @throws KubeConfigError for a missing file, an unknown context, a context without a cluster, a bad namespace.
 */
export function loadKubeConfig(
  entry: KubeClusterEntry,
  env: NodeJS.ProcessEnv = process.env,
  home = os.homedir(),
): LoadedKubeConfig {
  const kc = entry.kubeconfig ? loadFile(entry.kubeconfig) : loadDefault(env, home);
  const context = entry.context ?? kc.getCurrentContext();
  // setCurrentContext does not check: an unknown name would fail later as "No active cluster!".
  const ctx = context ? kc.getContextObject(context) : null;
  if (!ctx)
    throw new KubeConfigError(
      context ? `context ${JSON.stringify(context)} is not in the kubeconfig` : 'the kubeconfig has no current context',
    );
  kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) throw new KubeConfigError(`context ${JSON.stringify(context)} names no cluster with a server`);
  if (entry.server && entry.server !== cluster.server)
    throw new KubeConfigError(
      `context ${JSON.stringify(context)} now points at ${serverTarget(context, cluster.server)}, not at the API ` +
        `server this cluster entry was added for (${serverTarget(context, entry.server)}): remove and add the entry again`,
    );
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify)
    throw new KubeConfigError(
      `cluster ${JSON.stringify(cluster.name)} is plain http: the client refuses it unless insecure-skip-tls-verify is set`,
    );
  let namespace: string;
  try {
    namespace = validateNamespace(entry.namespace ?? ctx.namespace ?? 'default');
  } catch (e) {
    throw new KubeConfigError((e as Error).message);
  }
  return { kc, namespace, context, server: cluster.server, target: serverTarget(context, cluster.server) };
}

/**
 * A KubeConfig for one API server and bearer token (tests against the fake API server, scripts). A plain-http
 * server needs skipTLSVerify: client-node refuses http otherwise.
 */
export function kubeConfigFor(server: string, token: string, namespace: string): LoadedKubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'api', server, skipTLSVerify: server.startsWith('http:') }],
    users: [{ name: 'user', token }],
    contexts: [{ name: 'api', cluster: 'api', user: 'user', namespace }],
    currentContext: 'api',
  });
  return { kc, namespace: validateNamespace(namespace), context: 'api', server, target: serverTarget('api', server) };
}
