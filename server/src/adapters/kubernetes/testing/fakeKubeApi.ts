// An in-process Kubernetes API server for tests (no API server can run on this machine). It answers the paths the
// KubernetesBackend and @kubernetes/client-node 1.4.0 use, with the object shapes of the API reference
// (K8S-NOTES §2): an object store with a resourceVersion counter, label and field selectors, list pagination
// (`limit`/`continue`, 410 on an expired token), chunked watches (one JSON event per line, the first event split
// across two writes), Status bodies for 404/409/410/422/429, merge patches, and deletes with propagation
// (Foreground keeps the object with a deletionTimestamp for `foregroundDeleteMs`, then garbage-collects pods and
// owned Services and Secrets (stringData is stored as base64 data, as the API does); a Job's running pods die on the way and the Job reads Failed first, as on a real cluster).
// Job startTime follows the real controller: set at creation when not suspended, kept on suspend, reset on resume.
// There is no scheduler or Job controller: tests move pods through their phases with the helper
// methods (`startJob`, `finishPod`, `setJobCondition`, `put`), which is what makes each state reproducible.
//
// Fault injection: `failNext({ method, path, code, retryAfter, times, apply })` answers the next matching requests
// with that HTTP status (429 with `Retry-After`, 5xx) or, with code 0, drops the connection (after applying the
// request when `apply` is set: "the create happened but the answer was lost"), or with code -2 never answers. `compact()` makes every older
// resourceVersion expire; `watch410` chooses how an expired watch is refused: `'event'` (HTTP 200 + one ERROR event,
// what a real apiserver does) or `'http'` (HTTP 410).
//
// LOG ENDPOINT HOOK (for the log follower's tests): `GET /api/v1/namespaces/{ns}/pods/{name}/log` is handed to the
// function given to `setLogHandler(fn)`: `fn({ namespace, pod, container, query, pods }, res)` writes the response
// itself (status, `text/plain` chunks, `res.destroy()` to drop mid-line). `pods` is the store's current pod (or
// undefined). Without a handler the fake answers 404 NotFound for an unknown pod and an empty 200 otherwise.
// EXEC: `GET …/pods/{name}/exec` WebSocket upgrades are answered by `exec` (fakeExec.ts: v4.channel.k8s.io, channel
// frames, the final Status; `exec.handler` chooses each command's output and exit code; argv kept in `exec.calls`).
// Every request (method, path, query, content type) is recorded in `requests` for assertions. Clients reach the
// fake with `kubeConfigFor(fake.url, 'test-token', ns)` (kubeConfig.ts; plain http needs skipTLSVerify) and the
// bearer token `test-token` (set `token` to null to accept any, or to another value to get 401s).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { FakeExec, refuseUpgrade } from './fakeExec.js';

export type Resource = 'pods' | 'services' | 'secrets' | 'events' | 'nodes' | 'jobs' | 'pytorchjobs';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Obj = Record<string, any>;

const KIND: Record<Resource, { kind: string; apiVersion: string; group: string }> = {
  pods: { kind: 'Pod', apiVersion: 'v1', group: '' },
  services: { kind: 'Service', apiVersion: 'v1', group: '' },
  secrets: { kind: 'Secret', apiVersion: 'v1', group: '' },
  events: { kind: 'Event', apiVersion: 'v1', group: '' },
  nodes: { kind: 'Node', apiVersion: 'v1', group: '' },
  jobs: { kind: 'Job', apiVersion: 'batch/v1', group: 'batch' },
  pytorchjobs: { kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', group: 'kubeflow.org' },
};

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  authorization: string | undefined;
}

export interface Fault {
  method?: string;
  path: RegExp | string;
  /** HTTP status to answer, 0 to drop the connection, -2 to never answer (a hung server). */
  code: number;
  retryAfter?: number;
  times?: number;
  /** With code 0: apply the request first, then drop the answer. */
  apply?: boolean;
  /** Only requests whose query matches (e.g. watches, or list pages with a `continue` token). */
  query?: (q: URLSearchParams) => boolean;
}

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string | null;
  query: URLSearchParams;
  /** The pod as stored, or undefined. */
  current: Obj | undefined;
}
export type LogHandler = (req: LogRequest, res: http.ServerResponse) => void;

interface WatchEvent {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  resource: Resource;
  obj: Obj;
}

interface Watcher {
  resource: Resource;
  ns: string | null;
  selector: string | null;
  fields: string | null;
  send(e: WatchEvent): void;
  end(): void;
}

export function statusBody(code: number, reason: string, message: string, details?: Obj): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** Label selector matching: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`. */
export function matchesLabels(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  const reqs = selector.match(/[^,(]+(?:\([^)]*\))?/g) ?? [];
  return reqs.every((raw) => {
    const r = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = r.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const vals = (m[3] as string).split(',').map((v) => v.trim());
      const has = (m[1] as string) in l && vals.includes(l[m[1] as string] as string);
      return m[2] === 'in' ? has : !has;
    }
    if ((m = r.match(/^([^!=\s]+)\s*!=\s*(.*)$/))) return l[m[1] as string] !== m[2];
    if ((m = r.match(/^([^!=\s]+)\s*==?\s*(.*)$/))) return l[m[1] as string] === m[2];
    if (r.startsWith('!')) return !(r.slice(1) in l);
    return r in l;
  });
}

function pathValue(obj: Obj, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Obj)[k] : undefined), obj);
}

export function matchesFields(obj: Obj, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').every((req) => {
    const m = req.match(/^([^!=]+)(!=|==|=)(.*)$/);
    if (!m) return false;
    const v = String(pathValue(obj, m[1] as string) ?? '');
    return m[2] === '!=' ? v !== m[3] : v === m[3];
  });
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  servePyTorchJob = false;
  watch410: 'event' | 'http' = 'event';
  foregroundDeleteMs = 0;
  /** Required bearer token; null accepts anything. */
  token: string | null = 'test-token';
  now: () => Date = () => new Date();
  private rv = 100;
  private compactedRv = 0;
  private readonly store = new Map<string, Obj>();
  private history: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly faults: Fault[] = [];
  private logHandler: LogHandler | null = null;
  private uidSeq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** The exec subresource (fakeExec.ts): recorded calls, and the test's answer to each command. */
  readonly exec = new FakeExec();
  private readonly hungUpgrades = new Set<Duplex>();

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeKubeApi> {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const fake = new FakeKubeApi(server, `http://127.0.0.1:${port}`);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => fake.handle(req, res));
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => fake.upgrade(req, socket, head));
    return fake;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.exec.close();
    for (const socket of this.hungUpgrades) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  setLogHandler(fn: LogHandler | null): void {
    this.logHandler = fn;
  }

  failNext(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Forgets the faults not used up yet. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /**
   * Every resourceVersion up to now expires (watches and continue tokens from before get 410), and the open
   * watches end (as at their timeout), so clients re-watch from a resourceVersion that is now too old.
   */
  compact(): void {
    this.compactedRv = this.rv;
    this.history = [];
    for (const w of [...this.watchers]) w.end();
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  // ---- store ----------------------------------------------------------------------------------------------------

  private key(resource: Resource, ns: string | null, name: string): string {
    return `${resource}/${ns ?? ''}/${name}`;
  }

  get(resource: Resource, ns: string | null, name: string): Obj | undefined {
    const o = this.store.get(this.key(resource, ns, name));
    return o ? structuredClone(o) : undefined;
  }

  list(resource: Resource, ns: string | null = null): Obj[] {
    return [...this.store.entries()]
      .filter(([k]) => k.startsWith(`${resource}/${ns === null ? '' : `${ns}/`}`))
      .map(([, o]) => structuredClone(o));
  }

  /** Creates or replaces an object as the server would store it (uid, resourceVersion, creationTimestamp). */
  put(resource: Resource, obj: Obj): Obj {
    const ns = resource === 'nodes' ? null : ((obj.metadata?.namespace as string | undefined) ?? 'default');
    const k = this.key(resource, ns, obj.metadata.name as string);
    const existing = this.store.get(k);
    const stored: Obj = {
      ...KIND[resource],
      ...structuredClone(obj),
      kind: KIND[resource].kind,
      apiVersion: KIND[resource].apiVersion,
    };
    if (resource === 'secrets' && stored.stringData) {
      // The API server merges write-only stringData into data (base64) and never returns it.
      const data: Obj = { ...stored.data };
      for (const [k, v] of Object.entries(stored.stringData as Obj))
        data[k] = Buffer.from(String(v), 'utf8').toString('base64');
      stored.data = data;
      delete stored.stringData;
    }
    stored.metadata = {
      ...stored.metadata,
      ...(ns !== null ? { namespace: ns } : {}),
      uid: existing?.metadata.uid ?? stored.metadata.uid ?? `uid-${++this.uidSeq}`,
      creationTimestamp: existing?.metadata.creationTimestamp ?? stored.metadata.creationTimestamp ?? this.nowIso(),
      resourceVersion: String(++this.rv),
    };
    this.store.set(k, stored);
    this.emit(existing ? 'MODIFIED' : 'ADDED', resource, stored);
    return structuredClone(stored);
  }

  remove(resource: Resource, ns: string | null, name: string): void {
    const k = this.key(resource, ns, name);
    const o = this.store.get(k);
    if (!o) return;
    this.store.delete(k);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', resource, o);
  }

  private nowIso(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
  }

  private emit(type: WatchEvent['type'], resource: Resource, obj: Obj): void {
    const e: WatchEvent = { rv: this.rv, type, resource, obj: structuredClone(obj) };
    this.history.push(e);
    for (const w of this.watchers) if (this.watcherWants(w, e)) w.send(e);
  }

  private watcherWants(w: Watcher, e: WatchEvent): boolean {
    return (
      w.resource === e.resource &&
      (w.ns === null || e.obj.metadata?.namespace === w.ns) &&
      matchesLabels(e.obj.metadata?.labels, w.selector) &&
      matchesFields(e.obj, w.fields)
    );
  }

  // ---- controller helpers (what the Job controller, scheduler and kubelet would do) --------------------------------

  /** Creates one Running pod per index on the given nodes and marks the Job started. */
  startJob(ns: string, jobName: string, nodes: readonly string[]): Obj[] {
    const job = this.get('jobs', ns, jobName);
    if (!job) throw new Error(`no job ${jobName}`);
    const start = this.nowIso();
    const pods = nodes.map((node, index) => this.put('pods', this.podFor(job, index, node, start)));
    // startTime is the Job controller's (set at its first sync of the unsuspended Job), not the pods'.
    job.status = {
      ...job.status,
      active: nodes.length,
      ready: nodes.length,
      startTime: job.status?.startTime ?? start,
    };
    this.put('jobs', job);
    return pods;
  }

  private podFor(job: Obj, index: number, node: string | null, start: string): Obj {
    const name = job.metadata.name as string;
    const tpl = job.spec.template;
    return {
      metadata: {
        name: `${name}-${index}-${Math.random().toString(36).slice(2, 7)}`,
        namespace: job.metadata.namespace,
        labels: { ...tpl.metadata?.labels, 'batch.kubernetes.io/job-completion-index': String(index) },
        annotations: { 'batch.kubernetes.io/job-completion-index': String(index) },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            name,
            uid: job.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        finalizers: ['batch.kubernetes.io/job-tracking'],
      },
      spec: { ...structuredClone(tpl.spec), ...(node ? { nodeName: node } : {}), hostname: `${name}-${index}` },
      status: node
        ? {
            phase: 'Running',
            startTime: start,
            conditions: [
              { type: 'PodScheduled', status: 'True' },
              { type: 'Ready', status: 'True' },
            ],
            containerStatuses: [
              {
                name: tpl.spec.containers[0].name,
                ready: true,
                restartCount: 0,
                state: { running: { startedAt: start } },
              },
            ],
          }
        : {
            phase: 'Pending',
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message: '0/4 nodes are available: 4 Insufficient nvidia.com/gpu.',
              },
            ],
          },
    };
  }

  /** Creates Pending (unschedulable) pods for every index of a Job. */
  pendJob(ns: string, jobName: string): Obj[] {
    const job = this.get('jobs', ns, jobName);
    if (!job) throw new Error(`no job ${jobName}`);
    const n = (job.spec.completions as number | undefined) ?? 1;
    return Array.from({ length: n }, (_, i) => this.put('pods', this.podFor(job, i, null, this.nowIso())));
  }

  /** The trainer container of a pod terminates (phase Failed/Succeeded from the exit code unless given). */
  finishPod(
    ns: string,
    podName: string,
    t: { exitCode: number; reason: string; phase?: string; podReason?: string; conditions?: Obj[] },
  ): Obj {
    const pod = this.get('pods', ns, podName);
    if (!pod) throw new Error(`no pod ${podName}`);
    const at = this.nowIso();
    pod.status = {
      ...pod.status,
      phase: t.phase ?? (t.exitCode === 0 ? 'Succeeded' : 'Failed'),
      ...(t.podReason ? { reason: t.podReason } : {}),
      conditions: [...(pod.status?.conditions ?? []), ...(t.conditions ?? [])],
      containerStatuses: [
        {
          name: pod.spec.containers[0].name,
          ready: false,
          restartCount: 0,
          state: {
            terminated: {
              exitCode: t.exitCode,
              reason: t.reason,
              startedAt: pod.status?.startTime ?? at,
              finishedAt: at,
            },
          },
        },
      ],
    };
    return this.put('pods', pod);
  }

  setJobCondition(ns: string, jobName: string, type: string, reason: string, message = ''): Obj {
    const job = this.get('jobs', ns, jobName);
    if (!job) throw new Error(`no job ${jobName}`);
    const at = this.nowIso();
    const conditions = [...(job.status?.conditions ?? []).filter((c: Obj) => c.type !== type)];
    conditions.push({ type, status: 'True', reason, message, lastProbeTime: at, lastTransitionTime: at });
    job.status = { ...job.status, conditions, active: 0, ...(type === 'Complete' ? { completionTime: at } : {}) };
    return this.put('jobs', job);
  }

  // ---- HTTP -------------------------------------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://fake');
      const method = req.method ?? 'GET';
      this.requests.push({
        method,
        path: u.pathname,
        query: u.searchParams,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
      });
      if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`)
        return this.send(res, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
      const fault = this.takeFault(method, u.pathname, u.searchParams);
      if (fault && fault.code !== 0) return this.sendFault(res, fault);
      try {
        this.route(method, u, body, req.headers['content-type'] ?? '', fault ? this.dropper(res) : res);
      } catch (e) {
        this.send(res, 500, statusBody(500, 'InternalError', (e as Error).message));
      }
    });
  }

  /** An exec (the only upgrade the API paths used here have), checked as the API server checks it. */
  private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const u = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({
      method: req.method ?? 'GET',
      path: u.pathname,
      query: u.searchParams,
      contentType: req.headers['content-type'],
      authorization: req.headers.authorization,
    });
    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`)
      return refuseUpgrade(socket, 401, statusBody(401, 'Unauthorized', 'Unauthorized'));
    const fault = this.takeFault('GET', u.pathname, u.searchParams);
    if (fault?.code === -2) return void this.hungUpgrades.add(socket); // never answers the upgrade (close() ends it)
    if (fault && fault.code > 0)
      return refuseUpgrade(socket, fault.code, statusBody(fault.code, 'InternalError', 'fault'));
    const m = u.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/);
    if (!m)
      return refuseUpgrade(
        socket,
        404,
        statusBody(404, 'NotFound', 'the server could not find the requested resource'),
      );
    const [ns, name] = [decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string)];
    const pod = this.get('pods', ns, name);
    if (!pod) return refuseUpgrade(socket, 404, statusBody(404, 'NotFound', `pods "${name}" not found`));
    const container = u.searchParams.get('container');
    const names = (pod.spec?.containers ?? []).map((c: Obj) => c.name as string);
    if (container !== null && !names.includes(container))
      return refuseUpgrade(
        socket,
        400,
        statusBody(400, 'BadRequest', `container ${container} is not valid for pod ${name}`),
      );
    if (pod.status?.phase !== 'Running')
      return refuseUpgrade(
        socket,
        400,
        statusBody(
          400,
          'BadRequest',
          `cannot exec into a container in a completed pod; current phase is ${pod.status?.phase}`,
        ),
      );
    this.exec.upgrade(req, socket, head, {
      namespace: ns,
      pod: name,
      container,
      command: u.searchParams.getAll('command'),
    });
  }

  private takeFault(method: string, path: string, q: URLSearchParams): Fault | null {
    const i = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (typeof f.path === 'string' ? path === f.path : f.path.test(path)) &&
        (!f.query || f.query(q)),
    );
    if (i < 0) return null;
    const f = this.faults[i] as Fault;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) this.faults.splice(i, 1);
    if (f.code === 0 && !f.apply) return { ...f, code: -1 };
    return f;
  }

  private sendFault(res: http.ServerResponse, f: Fault): void {
    if (f.code === -2) return; // hangs until the client gives up (close() ends the socket)
    if (f.code === -1) {
      res.socket?.destroy();
      return;
    }
    const reasons: Record<number, string> = {
      403: 'Forbidden',
      410: 'Expired',
      429: 'TooManyRequests',
      503: 'ServiceUnavailable',
    };
    const reason = reasons[f.code] ?? 'InternalError';
    const headers = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : undefined;
    const details = f.retryAfter !== undefined ? { retryAfterSeconds: f.retryAfter } : undefined;
    this.send(
      res,
      f.code,
      statusBody(
        f.code,
        reason,
        'the server has received too many requests and has asked us to try again later',
        details,
      ),
      headers,
    );
  }

  /** A response whose answer is lost: the request was applied, the connection drops before the reply. */
  private dropper(res: http.ServerResponse): http.ServerResponse {
    const fake = Object.create(res) as http.ServerResponse;
    fake.writeHead = (() => fake) as never;
    fake.end = (() => {
      res.socket?.destroy();
      return fake;
    }) as never;
    return fake;
  }

  private send(res: http.ServerResponse, code: number, obj: Obj, headers: Record<string, string> = {}): void {
    res.writeHead(code, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(obj));
  }

  private notFound(res: http.ServerResponse, resource: Resource, name: string): void {
    const { group } = KIND[resource];
    const what = group ? `${resource}.${group}` : resource;
    this.send(res, 404, statusBody(404, 'NotFound', `${what} "${name}" not found`, { name, group, kind: resource }));
  }

  private route(method: string, u: URL, body: string, ct: string, res: http.ServerResponse): void {
    const p = u.pathname;
    if (p === '/apis/kubeflow.org/v1') return this.discovery(res);
    let m = p.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/);
    if (m) return this.log(decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string), u.searchParams, res);
    m = p.match(/^\/api\/v1\/(?:namespaces\/([^/]+)\/)?(pods|services|secrets|events|nodes)(?:\/([^/]+))?$/);
    m ??= p.match(/^\/apis\/(?:batch|kubeflow\.org)\/v1\/namespaces\/([^/]+)\/(jobs|pytorchjobs)(?:\/([^/]+))?$/);
    if (!m) return this.send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    const resource = m[2] as Resource;
    if (resource === 'pytorchjobs' && !this.servePyTorchJob)
      return this.send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    const ns = m[1] ? decodeURIComponent(m[1]) : null;
    const name = m[3] ? decodeURIComponent(m[3]) : null;
    if (name === null && method === 'GET') return this.listOrWatch(resource, ns, u.searchParams, res);
    if (name === null && method === 'POST') return this.create(resource, ns ?? 'default', JSON.parse(body) as Obj, res);
    if (name !== null && method === 'GET') {
      const o = this.get(resource, ns, name);
      return o ? this.send(res, 200, o) : this.notFound(res, resource, name);
    }
    if (name !== null && method === 'PATCH') return this.patch(resource, ns, name, body, ct, res);
    if (name !== null && method === 'DELETE') return this.del(resource, ns, name, u.searchParams, body, res);
    this.send(
      res,
      405,
      statusBody(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
    );
  }

  private discovery(res: http.ServerResponse): void {
    if (!this.servePyTorchJob)
      return this.send(res, 404, statusBody(404, 'NotFound', 'the server could not find the requested resource'));
    this.send(res, 200, {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'kubeflow.org/v1',
      resources: [
        {
          name: 'pytorchjobs',
          singularName: 'pytorchjob',
          namespaced: true,
          kind: 'PyTorchJob',
          verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        },
        {
          name: 'pytorchjobs/status',
          singularName: '',
          namespaced: true,
          kind: 'PyTorchJob',
          verbs: ['get', 'patch', 'update'],
        },
      ],
    });
  }

  private log(ns: string, pod: string, q: URLSearchParams, res: http.ServerResponse): void {
    const current = this.get('pods', ns, pod);
    if (this.logHandler)
      return this.logHandler({ namespace: ns, pod, container: q.get('container'), query: q, current }, res);
    if (!current) return this.notFound(res, 'pods', pod);
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end();
  }

  private listOrWatch(resource: Resource, ns: string | null, q: URLSearchParams, res: http.ServerResponse): void {
    if (q.get('watch') === 'true' || q.get('watch') === '1') return this.watch(resource, ns, q, res);
    const selector = q.get('labelSelector');
    const fields = q.get('fieldSelector');
    const items = this.list(resource, ns)
      .filter((o) => matchesLabels(o.metadata?.labels, selector) && matchesFields(o, fields))
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
      );
    let offset = 0;
    let listRv = this.rv;
    const cont = q.get('continue');
    if (cont) {
      const t = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')) as { rv: number; offset: number };
      if (t.rv <= this.compactedRv)
        return this.send(
          res,
          410,
          statusBody(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
          ),
        );
      offset = t.offset;
      listRv = t.rv;
    }
    const limit = Number(q.get('limit') ?? 0);
    const page = limit > 0 ? items.slice(offset, offset + limit) : items.slice(offset);
    const next =
      limit > 0 && offset + limit < items.length
        ? Buffer.from(JSON.stringify({ rv: listRv, offset: offset + limit })).toString('base64url')
        : undefined;
    // Real lists carry no kind/apiVersion on their items.
    const bare = page.map(({ kind: _k, apiVersion: _a, ...o }) => o);
    this.send(res, 200, {
      kind: `${KIND[resource].kind}List`,
      apiVersion: KIND[resource].apiVersion,
      metadata: {
        resourceVersion: String(listRv),
        ...(next ? { continue: next, remainingItemCount: items.length - offset - limit } : {}),
      },
      items: bare,
    });
  }

  private watch(resource: Resource, ns: string | null, q: URLSearchParams, res: http.ServerResponse): void {
    const rvParam = q.get('resourceVersion');
    const from = rvParam && rvParam !== '0' ? Number(rvParam) : this.rv;
    const expired = from < this.compactedRv;
    const gone = statusBody(410, 'Expired', `too old resource version: ${rvParam} (${this.compactedRv})`);
    if (expired && this.watch410 === 'http') return this.send(res, 410, gone);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    if (expired) {
      res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    let split = true;
    const write = (line: string) => {
      if (!split) return void res.write(line);
      // The first event arrives in two chunks: clients must reassemble lines.
      split = false;
      res.write(line.slice(0, 17));
      res.write(line.slice(17));
    };
    const w: Watcher = {
      resource,
      ns,
      selector: q.get('labelSelector'),
      fields: q.get('fieldSelector'),
      send: (e) => write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`),
      end: () => res.end(),
    };
    for (const e of this.history) if (e.rv > from && this.watcherWants(w, e)) w.send(e);
    this.watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? 1800) * 1000;
    const t = setTimeout(() => res.end(), timeout);
    this.timers.add(t);
    res.on('close', () => {
      clearTimeout(t);
      this.timers.delete(t);
      this.watchers.delete(w);
    });
  }

  private create(resource: Resource, ns: string, obj: Obj, res: http.ServerResponse): void {
    const name = obj.metadata?.name as string | undefined;
    const invalid = (field: string, message: string) =>
      this.send(
        res,
        422,
        statusBody(422, 'Invalid', `${KIND[resource].kind} "${name}" is invalid: ${field}: ${message}`, {
          name,
          group: KIND[resource].group,
          kind: KIND[resource].kind,
          causes: [{ reason: 'FieldValueInvalid', message, field }],
        }),
      );
    if (!name || !DNS_LABEL.test(name) || name.length > 63)
      return invalid(
        'metadata.name',
        "Invalid value: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
      );
    if (obj.metadata.resourceVersion)
      return invalid(
        'metadata.resourceVersion',
        'Invalid value: resourceVersion should not be set on objects to be created',
      );
    if (this.get(resource, ns, name)) {
      const { group } = KIND[resource];
      return this.send(
        res,
        409,
        statusBody(409, 'AlreadyExists', `${group ? `${resource}.${group}` : resource} "${name}" already exists`, {
          name,
          group,
          kind: resource,
        }),
      );
    }
    if (resource === 'jobs') {
      if (obj.spec?.selector && !obj.spec?.manualSelector)
        return invalid('spec.selector', 'Invalid value: `selector` not auto-generated');
      this.prepareJob(obj);
    }
    const stored = this.put(resource, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
    if (resource === 'jobs') this.addSelector(ns, name);
    this.send(res, 201, this.get(resource, ns, name) ?? stored);
  }

  /**
   * What the Job admission and controller add: labels on the template, and the controller's first sync: a Suspended
   * condition for a suspended Job, else status.startTime = now (set while its pods are still Pending).
   */
  private prepareJob(job: Obj): void {
    job.status = job.spec?.suspend
      ? {
          conditions: [
            {
              type: 'Suspended',
              status: 'True',
              reason: 'JobSuspended',
              message: 'Job suspended',
              lastProbeTime: this.nowIso(),
              lastTransitionTime: this.nowIso(),
            },
          ],
        }
      : { startTime: this.nowIso() };
  }

  private addSelector(ns: string, name: string): void {
    const job = this.store.get(this.key('jobs', ns, name)) as Obj;
    const uid = job.metadata.uid as string;
    job.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    job.spec.template.metadata = {
      ...job.spec.template.metadata,
      labels: {
        ...job.spec.template.metadata?.labels,
        'batch.kubernetes.io/controller-uid': uid,
        'batch.kubernetes.io/job-name': name,
        'controller-uid': uid,
        'job-name': name,
      },
    };
  }

  private patch(
    resource: Resource,
    ns: string | null,
    name: string,
    body: string,
    ct: string,
    res: http.ServerResponse,
  ): void {
    const current = this.get(resource, ns, name);
    if (!current) return this.notFound(res, resource, name);
    if (!ct.startsWith('application/merge-patch+json'))
      return this.send(
        res,
        415,
        statusBody(415, 'UnsupportedMediaType', `the fake answers merge patches only, got ${ct}`),
      );
    const patch = JSON.parse(body) as Obj;
    // A resourceVersion in a merge patch is a precondition (optimistic concurrency), as on a real apiserver.
    const rv = patch.metadata?.resourceVersion as string | undefined;
    if (rv !== undefined && rv !== current.metadata.resourceVersion)
      return this.send(
        res,
        409,
        statusBody(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
          { name, group: KIND[resource].group, kind: resource },
        ),
      );
    // The pod template of a Job is immutable, except scheduling directives while the stored (old) Job is suspended
    // and has never started (validationOptionsForJob: oldJob.Spec.Suspend && oldJob.Status.StartTime == nil).
    const suspended = current.spec?.suspend === true;
    if (resource === 'jobs' && patch.spec?.template && (current.status?.startTime || !suspended))
      return this.send(
        res,
        422,
        statusBody(422, 'Invalid', `Job.batch "${name}" is invalid: spec.template: Invalid value: field is immutable`, {
          name,
          group: 'batch',
          kind: 'Job',
        }),
      );
    const next = mergePatch(current, patch) as Obj;
    if (
      resource === 'jobs' &&
      patch.spec &&
      'suspend' in patch.spec &&
      Boolean(patch.spec.suspend) !== Boolean(current.spec?.suspend)
    )
      this.applySuspend(next, Boolean(patch.spec.suspend));
    this.send(res, 200, this.put(resource, next));
  }

  /**
   * Suspending deletes the active pods and keeps startTime (the controller never clears it); resuming sets the
   * condition False and startTime to now (K8S-NOTES; job_controller.go syncJob).
   */
  private applySuspend(job: Obj, suspend: boolean): void {
    const at = this.nowIso();
    const others = (job.status?.conditions ?? []).filter((c: Obj) => c.type !== 'Suspended');
    const cond = suspend
      ? {
          type: 'Suspended',
          status: 'True',
          reason: 'JobSuspended',
          message: 'Job suspended',
          lastProbeTime: at,
          lastTransitionTime: at,
        }
      : {
          type: 'Suspended',
          status: 'False',
          reason: 'JobResumed',
          message: 'Job resumed',
          lastProbeTime: at,
          lastTransitionTime: at,
        };
    job.status = { ...job.status, conditions: [...others, cond] };
    if (!suspend) job.status.startTime = at;
    if (suspend) {
      job.status.active = 0;
      for (const p of this.podsOf(job)) this.remove('pods', p.metadata.namespace as string, p.metadata.name as string);
    }
  }

  /**
   * What the garbage collector and Job controller do to a Job in Foreground deletion: its running pods are deleted
   * (SIGTERM: exit 143, phase Failed), and the controller, still syncing the Job, counts them as failures: with
   * backoffLimit 0 or a podFailurePolicy FailJob rule it adds FailureTarget, then Failed, before the Job goes.
   */
  private killForDeletion(ns: string, name: string): void {
    const job = this.get('jobs', ns, name) as Obj;
    const live = this.podsOf(job).filter((p) => p.status?.phase === 'Running' || p.status?.phase === 'Pending');
    const ran = live.filter((p) => p.status?.phase === 'Running');
    for (const p of live) {
      p.metadata.deletionTimestamp = this.nowIso();
      this.put('pods', p);
    }
    for (const p of ran) this.finishPod(ns, p.metadata.name as string, { exitCode: 143, reason: 'Error' });
    const fails = job.spec?.podFailurePolicy || (job.spec?.backoffLimit ?? 6) === 0;
    if (!ran.length || !fails) return;
    const reason = job.spec?.podFailurePolicy ? 'PodFailurePolicy' : 'BackoffLimitExceeded';
    this.setJobCondition(ns, name, 'FailureTarget', reason, 'Container trainer failed with exit code 143');
    this.setJobCondition(ns, name, 'Failed', reason, 'Container trainer failed with exit code 143');
  }

  private podsOf(owner: Obj): Obj[] {
    return this.list('pods', owner.metadata.namespace as string).filter(
      (p) =>
        (p.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === owner.metadata.uid) ||
        p.metadata.labels?.['training.kubeflow.org/job-name'] === owner.metadata.name,
    );
  }

  private collect(resource: Resource, owner: Obj): void {
    const ns = owner.metadata.namespace as string;
    this.remove(resource, ns, owner.metadata.name as string);
    for (const p of this.podsOf(owner)) this.remove('pods', ns, p.metadata.name as string);
    for (const kind of ['services', 'secrets'] as const)
      for (const s of this.list(kind, ns))
        if ((s.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === owner.metadata.uid))
          this.remove(kind, ns, s.metadata.name as string);
  }

  private del(
    resource: Resource,
    ns: string | null,
    name: string,
    q: URLSearchParams,
    body: string,
    res: http.ServerResponse,
  ): void {
    const current = this.get(resource, ns, name);
    if (!current) return this.notFound(res, resource, name);
    const opts = body ? (JSON.parse(body) as Obj) : {};
    const policy = q.get('propagationPolicy') ?? opts.propagationPolicy ?? 'Background';
    const ok = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name, group: KIND[resource].group, kind: resource, uid: current.metadata.uid },
    };
    if (policy === 'Orphan' || (resource !== 'jobs' && resource !== 'pytorchjobs')) {
      this.remove(resource, ns, name);
      return this.send(res, 200, ok);
    }
    if (policy === 'Foreground') {
      if (!current.metadata.deletionTimestamp) {
        current.metadata.deletionTimestamp = this.nowIso();
        current.metadata.finalizers = [...(current.metadata.finalizers ?? []), 'foregroundDeletion'];
        this.put(resource, current);
        if (resource === 'jobs') this.killForDeletion(ns as string, name);
        const t = setTimeout(() => {
          this.timers.delete(t);
          const still = this.get(resource, ns, name);
          if (still && still.metadata.uid === current.metadata.uid) this.collect(resource, still);
        }, this.foregroundDeleteMs);
        this.timers.add(t);
      }
      return this.send(res, 200, this.get(resource, ns, name) ?? ok);
    }
    this.collect(resource, current);
    this.send(res, 200, ok);
  }
}
