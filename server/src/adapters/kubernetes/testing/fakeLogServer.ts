// An in-process stand-in for the pod log endpoint of the Kubernetes API (and the pod list used to find the leader),
// with the kubelet's real semantics where they matter for exactly-once resume:
// - every line is written as `<RFC3339NanoFixed> <text>\n` (9 fractional digits, `Z`);
// - `sinceTime` is cut to whole seconds (as the apiserver does when it forwards it) and is inclusive, so a resume
//   gets every line of that second again;
// - a follow stays open and gets new lines as they are appended, and ends once the container has terminated;
// - `rotate(n)` drops the oldest lines from what a NEW request can see (a live follow is not affected, as the
//   kubelet reopens the file);
// - faults: `dropAfterBytes(k)` destroys the next log response's socket after k bytes (mid-line when k falls inside
//   one); `failNext(n, status)` answers n requests with a Status error (429 with Retry-After, 400, 404…).
// Bodies are written in small chunks cut at arbitrary points, so lines straddle chunks. A line may be "generated"
// (n copies of one byte) and is then streamed with backpressure, never allocated: a 200 MB line costs 64 KiB.
// Mountable by the backend's fake API server later: `handle(req, res)` answers and returns false for other paths.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { compareLogTs, parseLogTs, type LogTs } from '@trainboard/shared/k8s/logLines';
import { statusBody } from './fakeKubeApi.js';

/** One log record: its timestamp prefix and its text (bytes, or `size` copies of `fill`); `newline` false = partial. */
interface Entry {
  tsText: string;
  ts: LogTs;
  text: Buffer | { size: number; fill: number };
  newline: boolean;
}

/** One container instance's log, as the kubelet sees its files. */
export class FakeContainerLog {
  readonly entries: Entry[] = [];
  /** Index of the oldest entry a new request can still read (rotation). */
  firstVisible = 0;
  terminated = false;
  private readonly listeners = new Set<() => void>();

  /** Appends a complete line; `ts` is RFC3339Nano as the kubelet writes it. */
  append(ts: string, text: string): this {
    return this.push(ts, Buffer.from(text, 'utf8'), true);
  }

  /** Appends a line of `size` copies of `fill` (never allocated whole). */
  appendGenerated(ts: string, size: number, fill = 120): this {
    return this.push(ts, { size, fill }, true);
  }

  /** The container wrote `text` without a newline (yet). */
  appendPartial(ts: string, text: string): this {
    return this.push(ts, Buffer.from(text, 'utf8'), false);
  }

  /** The partial last line gets the rest of its text and its newline. */
  completePartial(rest: string): this {
    const last = this.entries.at(-1);
    if (!last || last.newline || !Buffer.isBuffer(last.text)) throw new Error('no partial line to complete');
    last.text = Buffer.concat([last.text, Buffer.from(rest, 'utf8')]);
    last.newline = true;
    return this.changed();
  }

  /** Drops the oldest `count` lines from what new requests can read. */
  rotate(count: number): this {
    this.firstVisible = Math.min(this.entries.length, this.firstVisible + count);
    return this;
  }

  terminate(): this {
    this.terminated = true;
    return this.changed();
  }

  /** Calls `fn` whenever the log changes; returns the unsubscribe. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private push(ts: string, text: Entry['text'], newline: boolean): this {
    const parsed = parseLogTs(ts);
    if (!parsed) throw new Error(`not a timestamp: ${ts}`);
    const last = this.entries.at(-1);
    if (last && !last.newline) throw new Error('the previous line is still partial');
    this.entries.push({ tsText: ts, ts: parsed, text, newline });
    return this.changed();
  }

  private changed(): this {
    for (const fn of [...this.listeners]) fn();
    return this;
  }
}

interface Fault {
  status: number;
  reason: string;
  message: string;
  retryAfterS: number | null;
}

export interface LogRequestRecord {
  namespace: string;
  pod: string;
  query: URLSearchParams;
  at: number;
}

export class FakeLogServer {
  private readonly server = http.createServer((req, res) => {
    if (!this.handle(req, res)) sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  });
  /** Instances per `ns/pod/container`, oldest first: the last is current, the one before it is `previous`. */
  private readonly logs = new Map<string, FakeContainerLog[]>();
  private readonly pods = new Map<string, object[]>();
  private readonly faults: Fault[] = [];
  private dropNext: number | null = null;
  private readonly active = new Set<LogResponse>();
  readonly requests: LogRequestRecord[] = [];
  /** Every request (log and pod list), with when it came: to check that a Retry-After was honoured. */
  readonly arrivals: { path: string; at: number; status: number }[] = [];
  /** Largest number of bytes one log write handed to the socket (the chunking is ours). */
  chunkBytes = 1024;
  port = 0;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A KubeConfig for this server (plain http needs skipTLSVerify with client-node 1.4.0). */
  kubeConfig(token = 'fake-secret-token'): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'fake', server: `http://127.0.0.1:${this.port}`, skipTLSVerify: true }],
      users: [{ name: 'u', token }],
      contexts: [{ name: 'ctx', cluster: 'fake', user: 'u', namespace: 'ml' }],
      currentContext: 'ctx',
    });
    return kc;
  }

  /** The current instance of a container's log (created on first use). */
  container(namespace: string, pod: string, container: string): FakeContainerLog {
    const key = `${namespace}/${pod}/${container}`;
    const list = this.logs.get(key) ?? [new FakeContainerLog()];
    this.logs.set(key, list);
    return list.at(-1) as FakeContainerLog;
  }

  /** The container restarted: the current log becomes `previous`, a new empty one is current. */
  restart(namespace: string, pod: string, container: string): FakeContainerLog {
    this.container(namespace, pod, container).terminate();
    const next = new FakeContainerLog();
    (this.logs.get(`${namespace}/${pod}/${container}`) as FakeContainerLog[]).push(next);
    return next;
  }

  /** The pod was deleted: its logs are gone (404). */
  forget(namespace: string, pod: string): void {
    for (const key of [...this.logs.keys()]) if (key.startsWith(`${namespace}/${pod}/`)) this.logs.delete(key);
  }

  /** The pods a list in `namespace` returns (raw Pod JSON; label selectors of the form a=b,c=d are applied). */
  setPods(namespace: string, pods: object[]): void {
    this.pods.set(namespace, pods);
  }

  /** Every log response now open is cut after `bytes` more bytes of body. */
  dropActiveAfterBytes(bytes: number): void {
    for (const r of this.active) r.dropAfter = r.written + bytes;
  }

  /** Log responses now open (a follow stays open). */
  get openResponses(): number {
    return this.active.size;
  }

  /** The next log response is cut (socket destroyed) after `bytes` bytes of body. */
  dropAfterBytes(bytes: number): void {
    this.dropNext = bytes;
  }

  /** The next `count` requests get `status` (429 with Retry-After `retryAfterS`). */
  failNext(count: number, status: number, reason: string, message: string, retryAfterS: number | null = null): void {
    for (let i = 0; i < count; i++) this.faults.push({ status, reason, message, retryAfterS });
  }

  /** Answers the paths it knows; false for others (so a larger fake can mount it). */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    const list = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (req.method !== 'GET' || (!log && !list)) return false;
    const fault = this.faults.shift();
    this.arrivals.push({ path: url.pathname, at: Date.now(), status: fault?.status ?? 200 });
    if (fault) {
      if (fault.retryAfterS !== null) res.setHeader('Retry-After', String(fault.retryAfterS));
      sendStatus(res, fault.status, fault.reason, fault.message, fault.retryAfterS);
      return true;
    }
    if (list) this.servePods(decodeURIComponent(list[1] as string), url, res);
    else if (log) this.serveLog(decodeURIComponent(log[1] as string), decodeURIComponent(log[2] as string), url, res);
    return true;
  }

  private servePods(namespace: string, url: URL, res: http.ServerResponse): void {
    const wanted = (url.searchParams.get('labelSelector') ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]);
    const items = (this.pods.get(namespace) ?? []).filter((p) => {
      const labels = (p as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
      return wanted.every(([k, v]) => labels[k] === v);
    });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items }));
  }

  private serveLog(namespace: string, pod: string, url: URL, res: http.ServerResponse): void {
    const q = url.searchParams;
    this.requests.push({ namespace, pod, query: q, at: Date.now() });
    const container = q.get('container') ?? '';
    const instances = this.logs.get(`${namespace}/${pod}/${container}`);
    const instance = q.get('previous') === 'true' ? instances?.at(-2) : instances?.at(-1);
    if (!instance) {
      const what = q.get('previous') === 'true' ? 'previous terminated container' : `container "${container}"`;
      return sendStatus(res, instances ? 400 : 404, instances ? 'BadRequest' : 'NotFound', `${what} not found`);
    }
    const sinceText = q.get('sinceTime');
    const since = sinceText === null ? null : parseLogTs(sinceText);
    if (sinceText !== null && since === null) return sendStatus(res, 400, 'BadRequest', 'invalid sinceTime');
    // The apiserver forwards sinceTime formatted as RFC3339: whole seconds.
    const from = since === null ? null : { sec: since.sec, nsec: 0 };
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    const drop = this.dropNext;
    this.dropNext = null;
    const response = new LogResponse(instance, res, from, q.get('follow') === 'true', drop, this.chunkBytes);
    this.active.add(response);
    void response.run().finally(() => this.active.delete(response));
  }
}

function sendStatus(
  res: http.ServerResponse,
  code: number,
  reason: string,
  message: string,
  retryAfterSeconds: number | null = null,
): void {
  const details = retryAfterSeconds === null ? undefined : { retryAfterSeconds };
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(statusBody(code, reason, message, details)));
}

/** One log response: walks the entries from the first visible one at or after `from`, following if asked. */
class LogResponse {
  private index: number;
  /** Bytes of the current entry already written (a partial line is continued when it grows). */
  private within = 0;
  written = 0;

  constructor(
    private readonly log: FakeContainerLog,
    private readonly res: http.ServerResponse,
    private readonly from: LogTs | null,
    private readonly follow: boolean,
    public dropAfter: number | null,
    private readonly chunkBytes: number,
  ) {
    this.index = log.firstVisible;
  }

  async run(): Promise<void> {
    let wake: (() => void) | null = null;
    const off = this.log.onChange(() => wake?.());
    const closed = new Promise<void>((resolve) => this.res.on('close', resolve));
    try {
      for (;;) {
        if (this.res.destroyed) return;
        if (!(await this.writeAvailable())) return;
        if (!this.follow || (this.log.terminated && this.caughtUp())) break;
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), closed]);
      }
      this.res.end();
    } finally {
      off();
    }
  }

  /** Everything written, a partial last line included (the container ended without its newline). */
  private caughtUp(): boolean {
    const { entries } = this.log;
    return this.index >= entries.length || (this.index === entries.length - 1 && !entries[this.index]?.newline);
  }

  /** Writes what the log holds past the position; false when the response was cut or closed. */
  private async writeAvailable(): Promise<boolean> {
    while (this.index < this.log.entries.length) {
      const entry = this.log.entries[this.index] as Entry;
      if (this.from !== null && compareLogTs(entry.ts, this.from) < 0) {
        this.index++;
        continue;
      }
      if (!(await this.writeEntry(entry))) return false;
      if (!entry.newline) return true; // partial: continued when it grows
      this.index++;
      this.within = 0;
    }
    return true;
  }

  /** Writes the unwritten bytes of `entry` in chunks, honouring the drop and backpressure. */
  private async writeEntry(entry: Entry): Promise<boolean> {
    const prefix = Buffer.from(`${entry.tsText} `);
    const textLength = Buffer.isBuffer(entry.text) ? entry.text.length : entry.text.size;
    const total = prefix.length + textLength + (entry.newline ? 1 : 0);
    while (this.within < total) {
      // A generated (huge) line goes in 64 KiB pieces: the point is its size, not its chunking.
      const most = Buffer.isBuffer(entry.text) ? this.chunkBytes : 64 * 1024;
      const n = Math.min(total - this.within, 1 + Math.floor(Math.random() * most));
      const piece = bytesOf(entry, prefix, this.within, n);
      if (this.dropAfter !== null && this.written + piece.length >= this.dropAfter) {
        this.res.write(piece.subarray(0, this.dropAfter - this.written));
        await new Promise((r) => setTimeout(r, 5)); // let the cut bytes leave before the reset
        this.res.socket?.destroy();
        return false;
      }
      this.written += piece.length;
      this.within += piece.length;
      if (!this.res.write(piece)) await new Promise((r) => this.res.once('drain', r));
      if (this.res.destroyed) return false;
    }
    return true;
  }
}

/** Bytes [at, at + n) of the serialised entry (prefix, text, newline), without materialising a generated text. */
function bytesOf(entry: Entry, prefix: Buffer, at: number, n: number): Buffer {
  const out = Buffer.alloc(n);
  const t = entry.text;
  const textLength = Buffer.isBuffer(t) ? t.length : t.size;
  let i = 0;
  if (at < prefix.length) i = prefix.copy(out, 0, at, Math.min(prefix.length, at + n));
  const textFrom = at + i - prefix.length;
  const textTake = Math.max(0, Math.min(n - i, textLength - textFrom));
  if (textTake > 0) {
    if (Buffer.isBuffer(t)) t.copy(out, i, textFrom, textFrom + textTake);
    else out.fill(t.fill, i, i + textTake);
    i += textTake;
  }
  if (i < n) out[i] = 10; // the newline: the only byte after the text
  return out;
}
