// Our own request for a pod's log (GET …/pods/{pod}/log?follow=true&timestamps=true&sinceTime=…), because the
// client library's `Log` class pipes the body into a writable and never notices a dropped connection: the follower
// would hang forever. Here the TLS and auth options still come from the KubeConfig (`applyToHTTPSOptions`: CA,
// client certificates, bearer tokens, exec plugins), but node:http(s) gives us the response itself, so a stream that
// ends without its final chunk (`complete` false, `aborted`, ECONNRESET, or silence past the idle timeout) is a
// StreamDropped, never a clean end. Names are validated and encoded before they reach the path; the token is put in
// the request headers by the library and never logged or copied into an error.
import http from 'node:http';
import https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseLogTs } from '@trainboard/shared/k8s/logLines';
import { LogApiError, StreamDropped, type PodLogRequest } from '../../follow/podLogPort.js';

// The follower's port owns the request shape and the errors (follow/ names no adapter); this module's own names stay.
export { LogApiError as KubeApiError, StreamDropped, type PodLogRequest };

/** RFC 1123 label: namespaces and container names. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** RFC 1123 subdomain: pod names (≤ 253, dot-separated labels). */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws unless the names are ones Kubernetes itself would accept (so nothing else can reach the URL path). */
export function checkPodLogNames(req: Pick<PodLogRequest, 'namespace' | 'pod' | 'container'>): void {
  const label = (what: string, v: string) => {
    if (v.length > 63 || !DNS_LABEL.test(v)) throw new Error(`invalid ${what}: must be a DNS-1123 label`);
  };
  label('namespace', req.namespace);
  label('container name', req.container);
  if (req.pod.length > 253 || !DNS_SUBDOMAIN.test(req.pod))
    throw new Error('invalid pod name: must be a DNS-1123 subdomain');
}

/** The request path and query, names validated and encoded (encoding is belt and braces: valid names need none). */
export function podLogPath(req: PodLogRequest): string {
  checkPodLogNames(req);
  const q = new URLSearchParams({ container: req.container, follow: String(req.follow), timestamps: 'true' });
  if (req.sinceTime !== null) {
    if (parseLogTs(req.sinceTime) === null) throw new Error('invalid sinceTime: must be RFC3339');
    q.set('sinceTime', req.sinceTime);
  }
  if (req.previous) q.set('previous', 'true');
  const ns = encodeURIComponent(req.namespace);
  return `/api/v1/namespaces/${ns}/pods/${encodeURIComponent(req.pod)}/log?${q.toString()}`;
}

export interface StreamOptions {
  signal: AbortSignal;
  /** No byte for this long: the connection is treated as dead (a silent drop sends no reset). */
  idleTimeoutMs: number;
}

/** The error an aborted request rejects with (named like the one node:http raises for an aborted signal). */
function abortError(): Error {
  const err = new Error('the request was aborted');
  err.name = 'AbortError';
  return err;
}

/** Most bytes of an error body read: a Status object is small, a proxy's HTML page need not be read whole. */
const MAX_ERROR_BODY = 64 * 1024;

/**
 * Opens GET `pathAndQuery` on the KubeConfig's current cluster and resolves with a 200 response; any other status
 * becomes a KubeApiError (its Status body read, bounded). Network errors reject as they are.
 */
export async function kubeGet(
  kc: KubeConfig,
  pathAndQuery: string,
  opts: StreamOptions,
): Promise<http.IncomingMessage> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + pathAndQuery);
  const requestOptions: https.RequestOptions = { method: 'GET', headers: { Accept: '*/*' } };
  await kc.applyToHTTPSOptions(requestOptions);
  const mod = url.protocol === 'https:' ? https : http;
  const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
    if (opts.signal.aborted) return reject(abortError());
    const onSilence = () => req.destroy(new StreamDropped(`no answer for ${opts.idleTimeoutMs} ms`));
    const req = mod.request(url, { ...requestOptions, signal: opts.signal }, (res) => {
      req.off('timeout', onSilence); // the body's silence is pumpResponse's to judge
      resolve(res);
    });
    req.setTimeout(opts.idleTimeoutMs, onSilence);
    req.on('error', reject);
    req.end();
  });
  if (res.statusCode === 200) return res;
  throw await apiError(res);
}

/** The error a non-200 answer means, from its status, its Retry-After and its Status body. */
async function apiError(res: http.IncomingMessage): Promise<LogApiError> {
  const status = res.statusCode ?? 0;
  let body = '';
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      body += chunk.toString('utf8');
      if (body.length > MAX_ERROR_BODY) break;
    }
  } catch {
    // A broken error body still has its status.
  }
  res.destroy();
  let parsed: { reason?: unknown; message?: unknown; details?: { retryAfterSeconds?: unknown } } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not a Status object (a proxy's page): the status code says enough.
  }
  const reason = typeof parsed.reason === 'string' ? parsed.reason : null;
  const detail = typeof parsed.message === 'string' ? `: ${parsed.message.slice(0, 500)}` : '';
  const fromBody = parsed.details?.retryAfterSeconds;
  const retryAfterMs =
    retryAfterHeader(res.headers['retry-after']) ?? (typeof fromBody === 'number' ? fromBody * 1000 : null);
  return new LogApiError(status, reason, retryAfterMs, `HTTP ${status}${reason ? ` ${reason}` : ''}${detail}`);
}

/** Retry-After in seconds or as an HTTP date, in ms from now; null when absent or unreadable. */
export function retryAfterHeader(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Feeds every chunk of `res` to `onChunk` (synchronously, so a slow consumer slows the socket instead of filling
 * memory) and resolves when the server ended the response properly. Rejects with StreamDropped when the
 * connection went before that, or after `idleTimeoutMs` without a byte; with the error `onChunk` threw, if any.
 */
export function pumpResponse(
  res: http.IncomingMessage,
  onChunk: (chunk: Buffer) => void,
  opts: StreamOptions,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      res.socket?.setTimeout(0);
      if (err) {
        res.destroy();
        reject(err);
      } else resolve();
    };
    const onAbort = () => settle(abortError());
    opts.signal.addEventListener('abort', onAbort);
    res.socket?.setTimeout(opts.idleTimeoutMs, () =>
      settle(new StreamDropped(`no log bytes for ${opts.idleTimeoutMs} ms`, true)),
    );
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      try {
        onChunk(chunk);
      } catch (err) {
        settle(err as Error);
      }
    });
    res.on('end', () => settle(res.complete ? null : new StreamDropped('the log stream ended before its last chunk')));
    res.on('aborted', () => settle(new StreamDropped('the log stream was aborted')));
    res.on('error', (err) => settle(new StreamDropped(`the log stream broke: ${err.message}`)));
    res.on('close', () => settle(res.complete ? null : new StreamDropped('the log stream closed before its end')));
    if (opts.signal.aborted) onAbort();
  });
}

/** Opens the pod log and pumps it into `onChunk`; resolves on a clean end, rejects as kubeGet and pumpResponse. */
export async function streamPodLog(
  kc: KubeConfig,
  req: PodLogRequest,
  onChunk: (chunk: Buffer) => void,
  opts: StreamOptions,
): Promise<void> {
  const res = await kubeGet(kc, podLogPath(req), opts);
  await pumpResponse(res, onChunk, opts);
}
