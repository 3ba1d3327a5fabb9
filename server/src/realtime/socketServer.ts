// socket.io over the HTTP server: one room per run. `subscribe` validates its payload, replays what the client
// missed since `afterSeq` in bounded pages (yielding to the event loop, and waiting for the socket to drain, between
// pages), and joins the room in the same synchronous step as the read that finds nothing left to replay, so no batch
// falls between the two. One client must not be able to take the server's memory or event loop: past
// `maxReplayRows` rows behind it is told to reload over REST, subscribes are counted per socket, and a socket whose
// send buffer stays large (it stopped reading) is disconnected.
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server, type Socket } from 'socket.io';
import {
  runRoom,
  toWireStatus,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type FollowStatus,
  type ServerToClientEvents,
} from '@trainboard/shared/realtime';
import { roleAtLeast, type Role } from '@trainboard/shared/auth/roles';
import type { Publisher } from './publisher.js';
import { guardHandshake, socketActor, type SocketAuth } from './socketAuth.js';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface RealtimeLimits {
  /** Rows per replay page, i.e. per socket message (~300 B of JSON per row). */
  replayPageRows: number;
  /** Further behind than this many rows, a client is told to `resync` over REST instead of being replayed. */
  maxReplayRows: number;
  /** Subscribes one socket may send per window. */
  subscribesPerWindow: number;
  subscribeWindowMs: number;
  /** Runs one socket may be subscribed to at once. */
  maxRoomsPerSocket: number;
  /** A replay sends its next page only once the socket's send buffer is at most this many bytes. */
  replayLowWaterBytes: number;
  /** A socket whose send buffer holds more than this at `slowChecks` consecutive checks is disconnected. */
  maxBufferedBytes: number;
  slowChecks: number;
  bufferCheckMs: number;
}

export const DEFAULT_REALTIME_LIMITS: RealtimeLimits = {
  // 1,000 rows is ~300 KB and a few ms of reading and encoding: other requests wait at most that long.
  replayPageRows: 1_000,
  // A reconnect after seconds or minutes is a few hundred rows; /series answers ~2,000 downsampled points for any
  // run, so replaying more than ~10k raw rows costs the client and the server more than reloading does.
  maxReplayRows: 10_000,
  // The dashboard subscribes once per connect and once per detected gap: 20 per 10 s is far above that.
  subscribesPerWindow: 20,
  subscribeWindowMs: 10_000,
  // The dashboard views one run per socket; a few more leave room for a page showing several.
  maxRoomsPerSocket: 4,
  replayLowWaterBytes: 1 << 20,
  // Live batches are KBs: 8 MiB held for three checks in a row is a client that stopped reading, not a slow link.
  maxBufferedBytes: 8 << 20,
  slowChecks: 3,
  bufferCheckMs: 1_000,
};

export interface RealtimeDeps {
  publisher: Publisher;
  /** Whether a run exists (subscribing to an unknown run is an error, not a silent empty room). */
  runExists: (runId: number) => boolean;
  logger: Logger;
  /** Authentication shared with REST: the same session middleware and token check, the same Host/Origin policy. */
  auth: SocketAuth;
  limits?: Partial<RealtimeLimits>;
}

interface SocketState {
  windowStart: number;
  subscribes: number;
  replaying: boolean;
  /** Consecutive buffer checks that found more than maxBufferedBytes. */
  slowChecks: number;
}

type EventHandler = (socket: RealtimeSocket, state: SocketState, raw: unknown, reply: (a: Ack) => void) => void;

/** Every client event with the least role allowed to send it: the socket side of the route table. */
export interface SocketEventDef {
  name: keyof ClientToServerEvents;
  minRole: Role;
  handle: EventHandler;
}

const socketEvent = (name: keyof ClientToServerEvents, minRole: Role, handle: EventHandler): SocketEventDef => ({
  name,
  minRole,
  handle,
});

/** The client events and their roles, for the authorization matrix test. */
export const SOCKET_EVENTS: readonly Pick<SocketEventDef, 'name' | 'minRole'>[] = [
  { name: 'subscribe', minRole: 'viewer' },
  { name: 'unsubscribe', minRole: 'viewer' },
];

function socketEvents(deps: RealtimeDeps, limits: RealtimeLimits, turn: () => Promise<void>): SocketEventDef[] {
  const events = [
    socketEvent('subscribe', 'viewer', (socket, state, raw, reply) => {
      void subscribe(socket, state, raw, { ...deps, turn }, limits).then(reply, (err: unknown) => {
        deps.logger.error({ err: (err as Error).message }, 'subscribe failed');
        reply({ ok: false, code: 'internal', message: 'could not read the run' });
      });
    }),
    socketEvent('unsubscribe', 'viewer', (socket, _state, raw, reply) => {
      const parsed = unsubscribeRequestSchema.safeParse(raw);
      if (!parsed.success) return reply(invalid(parsed.error.issues[0]?.message ?? 'invalid request'));
      void socket.leave(runRoom(parsed.data.runId));
      reply({ ok: true, seq: deps.publisher.seq(parsed.data.runId) });
    }),
  ];
  // The declared table and the handlers must agree (the matrix test reads SOCKET_EVENTS).
  for (const e of events)
    if (SOCKET_EVENTS.find((d) => d.name === e.name)?.minRole !== e.minRole)
      throw new Error(`${e.name}: role not in SOCKET_EVENTS`);
  return events;
}

export function attachRealtime(http: HttpServer, deps: RealtimeDeps): RealtimeServer {
  const limits = { ...DEFAULT_REALTIME_LIMITS, ...deps.limits };
  const io: RealtimeServer = new Server(http, {
    serveClient: false,
    cors: { origin: false },
    maxHttpBufferSize: 64 * 1024,
    connectTimeout: 10_000,
    allowRequest: (req, cb) => cb(null, deps.auth.handshakeAllowed(req)),
  });
  guardHandshake(io, deps.auth);
  const states = new Map<string, SocketState>();
  const events = socketEvents(deps, limits, createTurns());
  io.on('connection', (socket) => {
    const state: SocketState = { windowStart: Date.now(), subscribes: 0, replaying: false, slowChecks: 0 };
    states.set(socket.id, state);
    socket.on('disconnect', () => states.delete(socket.id));
    for (const event of events) {
      socket.on(event.name, (raw: unknown, ack?: unknown) => {
        const reply = typeof ack === 'function' ? (ack as (a: Ack) => void) : () => undefined;
        const actor = socketActor(socket);
        if (!actor || !roleAtLeast(actor.role, event.minRole))
          return reply({ ok: false, code: 'forbidden', message: 'your role does not allow this' });
        event.handle(socket, state, raw, reply);
      });
    }
  });
  const monitor = setInterval(() => dropSlowSockets(io, states, limits, deps.logger), limits.bufferCheckMs);
  monitor.unref();
  http.once('close', () => clearInterval(monitor));
  return io;
}

type SubscribeDeps = RealtimeDeps & { turn: () => Promise<void> };

async function subscribe(
  socket: RealtimeSocket,
  state: SocketState,
  raw: unknown,
  deps: SubscribeDeps,
  limits: RealtimeLimits,
): Promise<Ack> {
  const parsed = subscribeRequestSchema.safeParse(raw);
  if (!parsed.success) return invalid(parsed.error.issues[0]?.message ?? 'invalid request');
  const { runId, afterSeq } = parsed.data;
  const now = Date.now();
  if (now - state.windowStart >= limits.subscribeWindowMs) Object.assign(state, { windowStart: now, subscribes: 0 });
  if (++state.subscribes > limits.subscribesPerWindow) {
    return {
      ok: false,
      code: 'rate_limited',
      message: `more than ${limits.subscribesPerWindow} subscribes in ${limits.subscribeWindowMs} ms: wait, then subscribe again`,
    };
  }
  if (state.replaying)
    return { ok: false, code: 'busy', message: 'the previous subscribe is still replaying: wait for its answer' };
  if (!deps.runExists(runId)) return { ok: false, code: 'not_found', message: `run ${runId} does not exist` };
  const room = runRoom(runId);
  const held = [...socket.rooms].filter((r) => r.startsWith('run:') && r !== room).length;
  if (held >= limits.maxRoomsPerSocket) {
    return {
      ok: false,
      code: 'too_many_rooms',
      message: `already subscribed to ${held} runs (at most ${limits.maxRoomsPerSocket}): unsubscribe from one first`,
    };
  }
  const { publisher } = deps;
  if (afterSeq !== undefined) {
    // While replaying, the socket is out of the room: live batches would otherwise arrive ahead of the replay
    // and look like a gap to the client.
    void socket.leave(room);
    if (publisher.behind(runId, afterSeq, limits.maxReplayRows + 1) > limits.maxReplayRows)
      return resync(runId, publisher, limits);
    state.replaying = true;
    try {
      const outcome = await replay(socket, runId, afterSeq, deps, limits);
      if (outcome === 'resync') return resync(runId, publisher, limits);
      if (outcome === 'gone') return { ok: false, code: 'internal', message: 'disconnected during the replay' };
      return { ok: true, seq: outcome.joinedAt };
    } finally {
      state.replaying = false;
    }
  }
  void socket.join(room);
  return { ok: true, seq: publisher.seq(runId) };
}

/**
 * Sends the run's rows after `afterSeq` page by page until a read finds nothing left, and joins the run's room in
 * that same synchronous step: an await between the two would let a publish (a follower's commit) fall between
 * them. Gives up ('resync') when a run ingesting faster than the client reads has made it send more than
 * maxReplayRows, and stops when the socket goes.
 */
async function replay(
  socket: RealtimeSocket,
  runId: number,
  afterSeq: number,
  deps: SubscribeDeps,
  limits: RealtimeLimits,
): Promise<{ joinedAt: number } | 'resync' | 'gone'> {
  const { publisher } = deps;
  let prev = afterSeq;
  let sent = 0;
  for (;;) {
    await deps.turn();
    if (socket.disconnected) return 'gone';
    const page = publisher.replayPage(runId, prev, limits.replayPageRows);
    if (!page) {
      void socket.join(runRoom(runId));
      return { joinedAt: deps.publisher.seq(runId) };
    }
    if (sent + page.points.length > limits.maxReplayRows) return 'resync';
    socket.emit('points', page);
    prev = page.seq;
    sent += page.points.length;
    await drained(socket, limits.replayLowWaterBytes);
  }
}

/**
 * Hands out one replay page per turn of the event loop, server-wide: ten sockets replaying at once then delay
 * other requests by one page's work, not ten (immediates queued by an immediate run on the next turn).
 */
function createTurns(): () => Promise<void> {
  const waiting: (() => void)[] = [];
  let scheduled = false;
  const pump = () => {
    waiting.shift()?.();
    scheduled = waiting.length > 0;
    if (scheduled) setImmediate(pump);
  };
  return () =>
    new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    });
}

function resync(runId: number, publisher: Publisher, limits: RealtimeLimits): Ack {
  return {
    ok: false,
    code: 'resync',
    seq: publisher.seq(runId),
    message: `more than ${limits.maxReplayRows} points behind: load the series over REST, then subscribe with its seq`,
  };
}

/** Waits until the socket's send buffer is down to `lowWater` (or the socket is gone). */
async function drained(socket: RealtimeSocket, lowWater: number): Promise<void> {
  while (!socket.disconnected && bufferedBytes(socket) > lowWater)
    await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Bytes waiting to go out on a socket: engine.io keeps packets in `writeBuffer` while its transport is busy (the
 * websocket's previous write not yet flushed, or a polling client that has not polled), and ws keeps bytes node has
 * not handed to the kernel in `bufferedAmount`. Neither is public API, so both are read defensively.
 */
export function bufferedBytes(socket: RealtimeSocket): number {
  const engine = engineOf(socket);
  const ws = engine.transport?.socket?.bufferedAmount;
  let bytes = typeof ws === 'number' ? ws : 0;
  for (const packet of engine.writeBuffer ?? []) {
    const data = packet.data;
    bytes += typeof data === 'string' ? data.length : ArrayBuffer.isView(data) ? data.byteLength : 0;
  }
  return bytes;
}

interface EngineInternals {
  writeBuffer?: { data?: unknown }[];
  transport?: { socket?: { bufferedAmount?: unknown; terminate?: () => void } };
  close(discard?: boolean): void;
}
const engineOf = (socket: RealtimeSocket) => socket.conn as unknown as EngineInternals;

/**
 * Disconnects now and frees what was queued. A plain disconnect closes the engine only once its buffer drained,
 * and ws's closing handshake waits for the peer: a client that stopped reading would hold both for good.
 */
function drop(socket: RealtimeSocket): void {
  const engine = engineOf(socket);
  socket.disconnect(true);
  const ws = engine.transport?.socket;
  if (typeof ws?.terminate === 'function') ws.terminate();
  else engine.close(true);
}
/** The same immediate drop, for the /public namespace's slow readers (publicNamespace.ts). */
export const dropSocket = drop;

function dropSlowSockets(
  io: RealtimeServer,
  states: Map<string, SocketState>,
  limits: RealtimeLimits,
  logger: Logger,
): void {
  for (const socket of io.sockets.sockets.values()) {
    const state = states.get(socket.id);
    if (!state) continue;
    const bytes = bufferedBytes(socket);
    state.slowChecks = bytes > limits.maxBufferedBytes ? state.slowChecks + 1 : 0;
    if (state.slowChecks >= limits.slowChecks) {
      logger.warn({ socket: socket.id, bufferedBytes: bytes }, 'disconnecting a socket that stopped reading');
      drop(socket);
    }
  }
}

function invalid(message: string): Ack {
  return { ok: false, code: 'invalid_request', message };
}

/** Emit helpers bound to a server, for the publisher and the followers. */
export function roomEmitters(io: RealtimeServer) {
  return {
    points: (runId: number, batch: Parameters<ServerToClientEvents['points']>[0]) =>
      io.to(runRoom(runId)).emit('points', batch),
    // Only the wire fields: the follower's own status names the file, which subscribers must not learn.
    status: (status: FollowStatus) => io.to(runRoom(status.runId)).emit('follow_status', toWireStatus(status)),
  };
}
