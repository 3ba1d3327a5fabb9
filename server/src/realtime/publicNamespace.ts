// The /public namespace: anonymous and read-only. It never reads a session (the default namespace's auth
// middleware is registered with io.use and so applies to "/" only). The one client event is `subscribe({slug})`
// with an ack; any other event, a malformed payload or a subscribe without an ack disconnects the socket. A socket
// is in at most one slug room; a rebuilt snapshot is broadcast to the room (socket.io encodes a broadcast once and
// writes the same packet to every socket). Per-IP connection cap, per-socket subscribe rate, slow readers dropped.
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import {
  PUBLIC_NAMESPACE,
  type PublicClientToServer,
  type PublicServerToClient,
  type PublicSubscribeAck,
} from '@trainboard/shared/public/publicRealtime';
import { PublicSlugSchema } from '@trainboard/shared/public/snapshot';
import { z } from 'zod';
import type { PublicChange, PublicSnapshots } from '../public/ports.js';
import { bufferedBytes, dropSocket, type RealtimeSocket } from './socketServer.js';

export type PublicNamespace = Namespace<PublicClientToServer, PublicServerToClient>;
type PublicSocket = Socket<PublicClientToServer, PublicServerToClient>;

export interface PublicRealtimeLimits {
  /** Sockets one client address may hold on /public at once (a viewer needs one per open tab). */
  maxConnectionsPerIp: number;
  /** Subscribes one socket may send per window (the page subscribes once per connect). */
  subscribesPerWindow: number;
  subscribeWindowMs: number;
  /** Largest client message on a connection holding a /public socket (engine.io's maxHttpBufferSize is per
   *  server, 64 KiB for the dashboard; a subscribe is under 100 bytes). */
  maxPacketBytes: number;
  /** A socket whose send buffer holds more than this at `slowChecks` consecutive checks is dropped. */
  maxBufferedBytes: number;
  slowChecks: number;
  bufferCheckMs: number;
}

export const DEFAULT_PUBLIC_LIMITS: PublicRealtimeLimits = {
  maxConnectionsPerIp: 50,
  subscribesPerWindow: 10,
  subscribeWindowMs: 10_000,
  maxPacketBytes: 512,
  // A snapshot is ~15–30 KB and comes at most once a second: 1 MiB held for three seconds is a reader that stopped.
  maxBufferedBytes: 1 << 20,
  slowChecks: 3,
  bufferCheckMs: 1_000,
};

export interface PublicNamespaceDeps {
  snapshots: PublicSnapshots;
  /** The HTTP edge's setting: behind one trusted proxy the client is the last X-Forwarded-For entry. */
  trustProxy: boolean;
  logger: Logger;
  limits?: Partial<PublicRealtimeLimits>;
}

/** The only payload accepted: `{slug}`, nothing else. */
const SubscribeSchema = z.object({ slug: PublicSlugSchema }).strict();

/** The client events the namespace accepts (the route test lists them): any other disconnects. */
export const PUBLIC_SOCKET_EVENTS = ['subscribe'] as const;

export const publicRoom = (slug: string) => `pub:${slug}`;
const isPublicRoom = (room: string) => room.startsWith('pub:');

/**
 * The client address as Express computes req.ip with `trust proxy` 1 (security.ts/app.ts): the socket's peer, or
 * behind a trusted proxy the address that proxy appended last to X-Forwarded-For.
 */
export function clientIp(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return forwarded.at(-1) ?? peer;
}

interface SocketState {
  windowStart: number;
  subscribes: number;
  slowChecks: number;
}

export interface PublicRealtime {
  namespace: PublicNamespace;
  /** Stops listening to snapshot changes and the slow-reader check (the sockets close with the server). */
  close(): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the server's own event maps are the private ones
export function attachPublicNamespace(io: Server<any, any>, deps: PublicNamespaceDeps): PublicRealtime {
  const limits = { ...DEFAULT_PUBLIC_LIMITS, ...deps.limits };
  const nsp = (io as unknown as Server<PublicClientToServer, PublicServerToClient>).of(PUBLIC_NAMESPACE);
  const perIp = new Map<string, number>();
  const states = new Map<string, SocketState>();
  nsp.use((socket, next) => {
    const ip = clientIp(socket.request, deps.trustProxy);
    const held = perIp.get(ip) ?? 0;
    if (held >= limits.maxConnectionsPerIp) return next(new Error('unavailable'));
    perIp.set(ip, held + 1);
    let released = false;
    // Counted once, whichever way the socket goes (a refused later middleware included).
    const release = () => {
      if (released) return;
      released = true;
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n > 0) perIp.set(ip, n);
      else perIp.delete(ip);
    };
    socket.conn.once('close', release);
    socket.once('disconnect', release);
    next();
  });
  nsp.on('connection', (socket) => {
    states.set(socket.id, { windowStart: Date.now(), subscribes: 0, slowChecks: 0 });
    socket.once('disconnect', () => states.delete(socket.id));
    // engine.io emits each raw packet before socket.io decodes it: an oversized one never reaches a handler.
    socket.conn.on('packet', (packet: { type?: unknown; data?: unknown }) => {
      if (packet.type === 'message' && sizeOf(packet.data) > limits.maxPacketBytes)
        dropSocket(socket as unknown as RealtimeSocket);
    });
    socket.onAny((event: unknown) => {
      if (!(PUBLIC_SOCKET_EVENTS as readonly unknown[]).includes(event)) drop(socket);
    });
    socket.on('subscribe', (raw: unknown, ack?: unknown) => {
      if (typeof ack !== 'function') return drop(socket);
      const reply = ack as (answer: PublicSubscribeAck) => void;
      const state = states.get(socket.id);
      if (!state) return;
      const answer = subscribe(socket, state, raw, deps.snapshots, limits);
      reply(answer);
      if (!answer.ok && answer.error === 'invalid') drop(socket);
    });
  });
  const unsubscribe = deps.snapshots.onChange((change) => broadcast(nsp, change));
  const monitor = setInterval(() => dropSlowReaders(nsp, states, limits, deps.logger), limits.bufferCheckMs);
  monitor.unref();
  return {
    namespace: nsp,
    close() {
      unsubscribe();
      clearInterval(monitor);
    },
  };
}

function subscribe(
  socket: PublicSocket,
  state: SocketState,
  raw: unknown,
  snapshots: PublicSnapshots,
  limits: PublicRealtimeLimits,
): PublicSubscribeAck {
  const parsed = SubscribeSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: 'invalid' };
  const now = Date.now();
  if (now - state.windowStart >= limits.subscribeWindowMs) Object.assign(state, { windowStart: now, subscribes: 0 });
  if (++state.subscribes > limits.subscribesPerWindow) return { ok: false, error: 'rate_limited' };
  const { slug } = parsed.data;
  const room = publicRoom(slug);
  // One slug per socket: a re-subscribe moves it (and a not-found one leaves it in none).
  for (const r of socket.rooms) if (isPublicRoom(r) && r !== room) void socket.leave(r);
  const entry = snapshots.get(slug);
  if (!entry) return { ok: false, error: 'not_found' };
  // Joined in the same synchronous step as the read: no rebuild can fall between the snapshot sent and the room.
  void socket.join(room);
  return { ok: true, snapshot: entry.snapshot };
}

const sizeOf = (data: unknown): number =>
  typeof data === 'string' ? data.length : ArrayBuffer.isView(data) ? data.byteLength : 0;

/** One broadcast per change: socket.io encodes the packet once for the whole room. */
function broadcast(nsp: PublicNamespace, change: PublicChange): void {
  const room = publicRoom(change.slug);
  if (change.entry) {
    nsp.to(room).emit('snapshot', change.entry.snapshot);
    return;
  }
  nsp.to(room).emit('unpublished', { slug: change.slug });
  nsp.in(room).socketsLeave(room);
}

/** A protocol violation: disconnect and close the connection (after the ack already written, if any). */
const drop = (socket: PublicSocket) => void socket.disconnect(true);

function dropSlowReaders(
  nsp: PublicNamespace,
  states: Map<string, SocketState>,
  limits: PublicRealtimeLimits,
  logger: Logger,
): void {
  for (const socket of nsp.sockets.values()) {
    const state = states.get(socket.id);
    if (!state) continue;
    const bytes = bufferedBytes(socket as unknown as RealtimeSocket);
    state.slowChecks = bytes > limits.maxBufferedBytes ? state.slowChecks + 1 : 0;
    if (state.slowChecks >= limits.slowChecks) {
      logger.warn({ bufferedBytes: bytes }, 'disconnecting a public socket that stopped reading');
      dropSocket(socket as unknown as RealtimeSocket);
    }
  }
}
