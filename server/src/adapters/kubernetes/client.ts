// The one module (with kubeConfig.ts) that talks to @kubernetes/client-node 1.4.0. It adds what the library lacks
// (K8S-NOTES §0): bounded retries honouring 429 Retry-After, a timeout on every request, Status bodies parsed out of
// ApiException (whose body is raw text), list pagination (the typed field is `_continue`), and a list+watch loop
// that relists on 410 whether it comes as an in-stream ERROR event or as HTTP 410. Callers get the shared
// structural types (K8sJob, K8sPod…), never the library's classes. Transport failures become ShellError, as for
// SSH, so the control plane treats a create whose answer was lost as uncertain and looks the job up by its key.
import * as k8s from '@kubernetes/client-node';
import type { K8sEvent } from '@trainboard/shared/k8s/nodes';
import type { K8sJob, K8sNode, K8sPod, K8sPyTorchJob, K8sSecret, K8sService } from '@trainboard/shared/k8s/types';
import { validateNamespace, validateObjectName } from '@trainboard/shared/k8s/names';
import { ShellError } from '../shell.js';

/** A definite answer from the API (4xx, or 5xx given up on for a request that is not idempotent is a ShellError). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export interface ApiStatus {
  code: number;
  reason: string | null;
  message: string | null;
  retryAfterS: number | null;
}

/** The Status of an ApiException (its body is the raw response text), or null for other errors. */
export function apiStatus(e: unknown): ApiStatus | null {
  if (!(e instanceof k8s.ApiException)) return null;
  let s: { reason?: string; message?: string; details?: { retryAfterSeconds?: number } } = {};
  try {
    s = typeof e.body === 'string' ? JSON.parse(e.body) : ((e.body as typeof s | undefined) ?? {});
  } catch {
    // not JSON (a proxy's HTML page): code only
  }
  const header = (e.headers as Record<string, string> | undefined)?.['retry-after'];
  const fromHeader = header !== undefined && /^\d+$/.test(header) ? Number(header) : null;
  const fromDate =
    header !== undefined && fromHeader === null ? Math.ceil((Date.parse(header) - Date.now()) / 1000) : null;
  const retryAfterS =
    fromHeader ?? (fromDate !== null && fromDate >= 0 ? fromDate : null) ?? s.details?.retryAfterSeconds ?? null;
  return { code: e.code, reason: s.reason ?? null, message: s.message ?? null, retryAfterS };
}

export interface RetryPolicy {
  /** Tries in all (first included). */
  attempts: number;
  baseMs: number;
  capMs: number;
  /** Per request. */
  requestTimeoutMs: number;
  sleep(ms: number): Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseMs: 500,
  capMs: 30_000,
  requestTimeoutMs: 30_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

const RETRY_5XX = new Set([500, 502, 503, 504]);

function transportError(e: unknown, what: string): ShellError {
  const name = (e as { name?: string } | null)?.name ?? '';
  if (name === 'AbortError') return new ShellError('timeout', `${what}: no answer in time`, { cause: e });
  return new ShellError('connect', `${what}: cannot reach the API server`, { cause: e });
}

function finalError(e: unknown, what: string): Error {
  const s = apiStatus(e);
  if (!s) return transportError(e, what);
  // A 5xx leaves it open whether the request took effect: uncertain, like a dropped connection.
  if (s.code >= 500) return new ShellError('closed', `${what}: API server error ${s.code}`, { cause: e });
  // Still throttled after every retry: not a refusal of the request itself (a submission must not be marked lost
  // and replaced while a proxy in front may have passed it on): uncertain, the control plane looks the key up.
  if (s.code === 429) return new ShellError('closed', `${what}: API server still throttling (429)`, { cause: e });
  return new KubeApiError(s.code, s.reason, `${what}: ${s.code} ${s.reason ?? ''} ${s.message ?? ''}`.trim());
}

/**
 * Runs `fn` until it answers, at most `attempts` times. 429 is retried for every request (the server did nothing),
 * after Retry-After when given; 5xx and network errors only for idempotent requests (a create is retried by the
 * caller through its deterministic name instead). Backoff 0.5 s · 2^n with jitter, capped.
 */
export async function withRetry<T>(
  what: string,
  fn: () => Promise<T>,
  idempotent: boolean,
  p: RetryPolicy,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const s = apiStatus(e);
      const retryable = s ? s.code === 429 || (idempotent && RETRY_5XX.has(s.code)) : idempotent;
      if (!retryable || attempt >= p.attempts) throw finalError(e, what);
      const backoff = Math.min(p.capMs, p.baseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await p.sleep(
        s?.retryAfterS !== null && s?.retryAfterS !== undefined ? Math.min(p.capMs, s.retryAfterS * 1000) : backoff,
      );
    }
  }
}

/** Request options: a timeout on every call (client-node sets none), plus extra headers. */
function requestOptions(timeoutMs: number, contentType?: string): k8s.ConfigurationOptions {
  const timeout: k8s.ObservableMiddleware = {
    pre: (ctx) => {
      ctx.setSignal(AbortSignal.timeout(timeoutMs));
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post: (res) => new k8s.Observable(Promise.resolve(res)),
  };
  const base: k8s.ConfigurationOptions = { middleware: [timeout], middlewareMergeStrategy: 'append' };
  return contentType ? k8s.setHeaderOptions('Content-Type', contentType, base) : base;
}

const isNotFound = (e: unknown) => e instanceof KubeApiError && e.code === 404;

export interface ListPage<T> {
  items: T[];
  metadata?: { _continue?: string; resourceVersion?: string } | null;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchHandle {
  stop(): void;
  /**
   * Resolves when the loop ends: null once stopped, or the refusal that ended it (401/403: the credentials or RBAC
   * no longer allow it; retrying would only hammer the API server), which the caller reports.
   */
  done: Promise<KubeApiError | null>;
}

/** How one list or watch round ended. */
interface WatchRound {
  rv: string | null;
  /** Ended with an error (transport, 5xx, 429…), not a server close. */
  failed: boolean;
  /** 401/403: the loop stops. */
  fatal: KubeApiError | null;
}

const FATAL = new Set([401, 403]);

const PTJ = { group: 'kubeflow.org', version: 'v1', plural: 'pytorchjobs' } as const;
const MERGE = k8s.PatchStrategy.MergePatch;

export interface KubeClientOptions {
  retry?: Partial<RetryPolicy>;
  /** Page size of list calls. */
  pageSize?: number;
}

/** Namespaced calls of the backend, each bounded, retried when safe, and typed with the shared shapes. */
export class KubeClient {
  readonly namespace: string;
  private readonly batch: k8s.BatchV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  private readonly retry: RetryPolicy;
  private readonly pageSize: number;

  constructor(
    readonly kc: k8s.KubeConfig,
    namespace: string,
    options: KubeClientOptions = {},
  ) {
    this.namespace = validateNamespace(namespace);
    this.batch = kc.makeApiClient(k8s.BatchV1Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.pageSize = options.pageSize ?? 500;
  }

  private call<T>(what: string, fn: (o: k8s.ConfigurationOptions) => Promise<T>, idempotent = true, ct?: string) {
    return withRetry(what, () => fn(requestOptions(this.retry.requestTimeoutMs, ct)), idempotent, this.retry);
  }

  /**
   * Every page of a list (limit + continue); the resourceVersion is the first page's (the snapshot's). A continue
   * token that expired between pages (410: the snapshot was compacted away) restarts the list once from the first
   * page, as the API asks; a second 410 is the caller's error.
   */
  private async listPages<T>(
    what: string,
    page: (cont: string | undefined, o: k8s.ConfigurationOptions) => Promise<ListPage<T>>,
  ): Promise<{ items: T[]; resourceVersion: string }> {
    for (let restarts = 0; ; restarts++) {
      const items: T[] = [];
      let cont: string | undefined;
      let resourceVersion: string | undefined;
      try {
        do {
          const r = await this.call(what, (o) => page(cont, o));
          items.push(...r.items);
          resourceVersion ??= r.metadata?.resourceVersion;
          cont = r.metadata?._continue || undefined;
        } while (cont);
        return { items, resourceVersion: resourceVersion ?? '0' };
      } catch (e) {
        const expired = cont !== undefined && e instanceof KubeApiError && e.code === 410;
        if (!expired || restarts >= 1) throw e;
      }
    }
  }

  private async listAll<T>(
    what: string,
    page: (cont: string | undefined, o: k8s.ConfigurationOptions) => Promise<ListPage<T>>,
  ): Promise<T[]> {
    return (await this.listPages(what, page)).items;
  }

  private async orNull<T>(p: Promise<T>, alsoForbidden = false): Promise<T | null> {
    try {
      return await p;
    } catch (e) {
      if (isNotFound(e) || (alsoForbidden && e instanceof KubeApiError && e.code === 403)) return null;
      throw e;
    }
  }

  // ---- Jobs -------------------------------------------------------------------------------------------------------

  async listJobs(labelSelector: string): Promise<K8sJob[]> {
    return (await this.listJobsAt(labelSelector)).items;
  }

  private listJobsAt(labelSelector: string): Promise<{ items: K8sJob[]; resourceVersion: string }> {
    const namespace = this.namespace;
    return this.listPages('list jobs', (_continue, o) =>
      this.batch.listNamespacedJob({ namespace, labelSelector, limit: this.pageSize, _continue }, o),
    ) as Promise<unknown> as Promise<{ items: K8sJob[]; resourceVersion: string }>;
  }

  readJob(name: string): Promise<K8sJob | null> {
    const n = validateObjectName(name);
    return this.orNull(
      this.call('read job', (o) => this.batch.readNamespacedJob({ name: n, namespace: this.namespace }, o)),
    ) as Promise<unknown> as Promise<K8sJob | null>;
  }

  createJob(job: K8sJob): Promise<K8sJob> {
    return this.call(
      'create job',
      (o) => this.batch.createNamespacedJob({ namespace: this.namespace, body: job as k8s.V1Job }, o),
      false,
    ) as Promise<unknown> as Promise<K8sJob>;
  }

  patchJob(name: string, patch: object): Promise<K8sJob> {
    const n = validateObjectName(name);
    return this.call(
      'patch job',
      (o) => this.batch.patchNamespacedJob({ name: n, namespace: this.namespace, body: patch }, o),
      true,
      MERGE,
    ) as Promise<unknown> as Promise<K8sJob>;
  }

  /** false when it was gone already. */
  async deleteJob(name: string, propagationPolicy: 'Foreground' | 'Background'): Promise<boolean> {
    const n = validateObjectName(name);
    const r = await this.orNull(
      this.call('delete job', (o) =>
        this.batch.deleteNamespacedJob({ name: n, namespace: this.namespace, propagationPolicy }, o),
      ),
    );
    return r !== null;
  }

  // ---- Services, pods, nodes, events --------------------------------------------------------------------------------

  createService(svc: K8sService): Promise<K8sService> {
    return this.call(
      'create service',
      (o) => this.core.createNamespacedService({ namespace: this.namespace, body: svc as k8s.V1Service }, o),
      false,
    ) as Promise<unknown> as Promise<K8sService>;
  }

  /** Merge patch (the backend sets ownerReferences once the owner exists). */
  patchService(name: string, patch: object): Promise<K8sService> {
    const n = validateObjectName(name);
    return this.call(
      'patch service',
      (o) => this.core.patchNamespacedService({ name: n, namespace: this.namespace, body: patch }, o),
      true,
      MERGE,
    ) as Promise<unknown> as Promise<K8sService>;
  }

  async deleteService(name: string): Promise<void> {
    const n = validateObjectName(name);
    await this.orNull(
      this.call('delete service', (o) => this.core.deleteNamespacedService({ name: n, namespace: this.namespace }, o)),
    );
  }

  createSecret(secret: K8sSecret): Promise<K8sSecret> {
    return this.call(
      'create secret',
      (o) => this.core.createNamespacedSecret({ namespace: this.namespace, body: secret as k8s.V1Secret }, o),
      false,
    ) as Promise<unknown> as Promise<K8sSecret>;
  }

  readSecret(name: string): Promise<K8sSecret | null> {
    const n = validateObjectName(name);
    return this.orNull(
      this.call('read secret', (o) => this.core.readNamespacedSecret({ name: n, namespace: this.namespace }, o)),
    ) as Promise<unknown> as Promise<K8sSecret | null>;
  }

  patchSecret(name: string, patch: object): Promise<K8sSecret> {
    const n = validateObjectName(name);
    return this.call(
      'patch secret',
      (o) => this.core.patchNamespacedSecret({ name: n, namespace: this.namespace, body: patch }, o),
      true,
      MERGE,
    ) as Promise<unknown> as Promise<K8sSecret>;
  }

  async deleteSecret(name: string): Promise<void> {
    const n = validateObjectName(name);
    await this.orNull(
      this.call('delete secret', (o) => this.core.deleteNamespacedSecret({ name: n, namespace: this.namespace }, o)),
    );
  }

  async listPods(labelSelector: string): Promise<K8sPod[]> {
    return (await this.listPodsAt(labelSelector)).items;
  }

  private listPodsAt(labelSelector: string): Promise<{ items: K8sPod[]; resourceVersion: string }> {
    const namespace = this.namespace;
    return this.listPages('list pods', (_continue, o) =>
      this.core.listNamespacedPod({ namespace, labelSelector, limit: this.pageSize, _continue }, o),
    ) as Promise<unknown> as Promise<{ items: K8sPod[]; resourceVersion: string }>;
  }

  /** Non-terminal pods of every namespace (GPU use per node); null when RBAC forbids the cluster-wide list. */
  async listActivePodsAllNamespaces(): Promise<K8sPod[] | null> {
    const fieldSelector = 'status.phase!=Succeeded,status.phase!=Failed';
    try {
      return (await this.listAll('list pods (all namespaces)', (_continue, o) =>
        this.core.listPodForAllNamespaces({ fieldSelector, limit: this.pageSize, _continue }, o),
      )) as unknown as K8sPod[];
    } catch (e) {
      if (e instanceof KubeApiError && e.code === 403) return null;
      throw e;
    }
  }

  listNodes(): Promise<K8sNode[]> {
    return this.listAll('list nodes', (_continue, o) =>
      this.core.listNode({ limit: this.pageSize, _continue }, o),
    ) as Promise<unknown> as Promise<K8sNode[]>;
  }

  /**
   * One page of the namespace's events, never more: events are many (one per pull, schedule, start…) and only a
   * summary is wanted each round, so the read stays one bounded request (`limit`, no `continue`).
   */
  async listEventsPage(fieldSelector: string, limit: number): Promise<K8sEvent[]> {
    const namespace = this.namespace;
    const page = await this.call('list events', (o) =>
      this.core.listNamespacedEvent({ namespace, fieldSelector, limit }, o),
    );
    return page.items as unknown as K8sEvent[];
  }

  // ---- PyTorchJob (CustomObjectsApi: plain JSON, strings for times) --------------------------------------------------

  /**
   * Whether the cluster serves kubeflow.org/v1 pytorchjobs to us: 404 on the group version → no; 403 (RBAC hides
   * the group) → no as well, since we could not use it.
   */
  async pyTorchJobServed(): Promise<boolean> {
    const list = await this.orNull(
      this.call('discover kubeflow.org/v1', (o) =>
        this.custom.getAPIResources({ group: PTJ.group, version: PTJ.version }, o),
      ),
      true,
    );
    return !!list?.resources.some((r) => r.name === PTJ.plural);
  }

  listPyTorchJobs(labelSelector: string): Promise<K8sPyTorchJob[]> {
    const namespace = this.namespace;
    return this.listAll('list pytorchjobs', async (_continue, o) => {
      const r = (await this.custom.listNamespacedCustomObject(
        { ...PTJ, namespace, labelSelector, limit: this.pageSize, _continue },
        o,
      )) as {
        items: K8sPyTorchJob[];
        metadata?: { continue?: string };
      };
      return { items: r.items, metadata: { _continue: r.metadata?.continue } };
    });
  }

  readPyTorchJob(name: string): Promise<K8sPyTorchJob | null> {
    const n = validateObjectName(name);
    return this.orNull(
      this.call('read pytorchjob', (o) =>
        this.custom.getNamespacedCustomObject({ ...PTJ, namespace: this.namespace, name: n }, o),
      ),
    ) as Promise<K8sPyTorchJob | null>;
  }

  createPyTorchJob(job: K8sPyTorchJob): Promise<K8sPyTorchJob> {
    return this.call(
      'create pytorchjob',
      (o) => this.custom.createNamespacedCustomObject({ ...PTJ, namespace: this.namespace, body: job }, o),
      false,
    ) as Promise<K8sPyTorchJob>;
  }

  patchPyTorchJob(name: string, patch: object): Promise<K8sPyTorchJob> {
    const n = validateObjectName(name);
    return this.call(
      'patch pytorchjob',
      (o) => this.custom.patchNamespacedCustomObject({ ...PTJ, namespace: this.namespace, name: n, body: patch }, o),
      true,
      MERGE,
    ) as Promise<K8sPyTorchJob>;
  }

  async deletePyTorchJob(name: string, propagationPolicy: 'Foreground' | 'Background'): Promise<boolean> {
    const n = validateObjectName(name);
    const r = await this.orNull(
      this.call('delete pytorchjob', (o) =>
        this.custom.deleteNamespacedCustomObject({ ...PTJ, namespace: this.namespace, name: n, propagationPolicy }, o),
      ),
    );
    return r !== null;
  }

  // ---- list + watch ---------------------------------------------------------------------------------------------------

  /** One watch request, from `q.resourceVersion` until the server closes it, it fails, or `wake` is called. */
  private watchRound(
    path: string,
    q: { resourceVersion: string; labelSelector: string; timeoutSeconds: number },
    onEvent: (type: WatchEventType, obj: K8sJob | K8sPod) => void,
    hooks: { started(c: AbortController): void; wake(w: () => void): void },
  ): Promise<WatchRound> {
    return new Promise<WatchRound>((resolve) => {
      let last = q.resourceVersion;
      let expired = false;
      hooks.wake(() => resolve({ rv: last, failed: false, fatal: null }));
      const end = (err: { statusCode?: number; message?: string } | null) => {
        const code = err?.statusCode;
        const fatal =
          code !== undefined && FATAL.has(code) ? new KubeApiError(code, null, `watch ${path}: ${code}`) : null;
        const gone = expired || code === 410;
        resolve({ rv: gone ? null : last, failed: !!err && code !== 410, fatal });
      };
      void new k8s.Watch(this.kc)
        .watch(
          path,
          { ...q, allowWatchBookmarks: true },
          (type: string, obj: { code?: number; metadata?: { resourceVersion?: string } }) => {
            if (type === 'ERROR') {
              expired ||= obj.code === 410;
              return;
            }
            if (obj.metadata?.resourceVersion) last = obj.metadata.resourceVersion;
            if (type !== 'BOOKMARK') onEvent(type as WatchEventType, obj as K8sJob);
          },
          end,
        )
        .then(hooks.started, (e: unknown) => end({ message: String(e) }));
    });
  }

  /**
   * Lists `resource` (`jobs` or `pods` of the namespace), hands every object to `onEvent('ADDED', …)`, then watches
   * from the list's resourceVersion, re-watching after each server close and relisting after a 410 (ERROR event or
   * HTTP 410). Every watch request carries `timeoutSeconds` (the library sets no client timeout). A watch that ended
   * with an error or within a second, and a failed list, are followed by a growing pause (the retry backoff), so a
   * server that refuses or closes at once is not hammered; 401/403 end the loop (`done` resolves with it).
   */
  watch(
    resource: 'jobs' | 'pods',
    labelSelector: string,
    onEvent: (type: WatchEventType, obj: K8sJob | K8sPod) => void,
    timeoutSeconds = 300,
  ): WatchHandle {
    let stopped = false;
    let current: AbortController | null = null;
    let wake: (() => void) | null = null;
    let interrupt: () => void = () => undefined;
    const stopping = new Promise<void>((r) => (interrupt = r));
    const path =
      resource === 'jobs'
        ? `/apis/batch/v1/namespaces/${this.namespace}/jobs`
        : `/api/v1/namespaces/${this.namespace}/pods`;
    const list = async (): Promise<WatchRound> => {
      try {
        const listed = await (resource === 'jobs' ? this.listJobsAt(labelSelector) : this.listPodsAt(labelSelector));
        for (const o of listed.items) onEvent('ADDED', o);
        return { rv: listed.resourceVersion, failed: false, fatal: null };
      } catch (e) {
        const fatal = e instanceof KubeApiError && FATAL.has(e.code) ? e : null;
        return { rv: null, failed: true, fatal };
      }
    };
    const once = (rv: string) =>
      this.watchRound(path, { resourceVersion: rv, labelSelector, timeoutSeconds }, onEvent, {
        started: (c) => (current = c),
        wake: (w) => (wake = w),
      });
    const done = (async (): Promise<KubeApiError | null> => {
      let rv: string | null = null;
      let failures = 0;
      while (!stopped) {
        const began = Date.now();
        const r: WatchRound = rv === null ? await list() : await once(rv);
        if (r.fatal) return r.fatal;
        const watched = rv !== null;
        rv = r.rv;
        // A list that worked goes straight on to its watch; a watch counts as healthy only if it lasted.
        if (r.failed || (watched && Date.now() - began < 1000)) failures++;
        else if (watched) failures = 0;
        if (!stopped && failures > 0)
          await Promise.race([
            this.retry.sleep(Math.min(this.retry.capMs, this.retry.baseMs * 2 ** (failures - 1))),
            stopping,
          ]);
      }
      return null;
    })();
    return {
      stop: () => {
        stopped = true;
        current?.abort();
        wake?.();
        interrupt();
      },
      done,
    };
  }
}
