// socket.io over the HTTP server: one room per run. `subscribe` validates its payload, replays what the client
// missed since `afterSeq` and joins the room in the same synchronous step, so no batch falls between the two.
import type { Server as HttpServer } from 'node:http';
import type { Logger } from 'pino';
import { Server } from 'socket.io';
import {
  runRoom,
  subscribeRequestSchema,
  unsubscribeRequestSchema,
  type Ack,
  type ClientToServerEvents,
  type FollowStatus,
  type ServerToClientEvents,
} from '@trainboard/shared/realtime';
import type { Publisher } from './publisher.js';

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents>;

export interface RealtimeDeps {
  publisher: Publisher;
  /** Whether a run exists (subscribing to an unknown run is an error, not a silent empty room). */
  runExists: (runId: number) => boolean;
  logger: Logger;
}

export function attachRealtime(http: HttpServer, deps: RealtimeDeps): RealtimeServer {
  const io: RealtimeServer = new Server(http, { serveClient: false, cors: { origin: false } });
  io.on('connection', (socket) => {
    socket.on('subscribe', (raw, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = subscribeRequestSchema.safeParse(raw);
      if (!parsed.success) return reply(invalid(parsed.error.issues[0]?.message ?? 'invalid request'));
      const { runId, afterSeq } = parsed.data;
      if (!deps.runExists(runId)) return reply({ ok: false, code: 'not_found', message: `run ${runId} does not exist` });
      try {
        if (afterSeq !== undefined) for (const batch of deps.publisher.replay(runId, afterSeq)) socket.emit('points', batch);
        void socket.join(runRoom(runId));
        reply({ ok: true, seq: deps.publisher.seq(runId) });
      } catch (err) {
        deps.logger.error({ err: (err as Error).message, runId }, 'subscribe failed');
        reply({ ok: false, code: 'internal', message: 'could not read the run' });
      }
    });
    socket.on('unsubscribe', (raw, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const parsed = unsubscribeRequestSchema.safeParse(raw);
      if (!parsed.success) return reply(invalid(parsed.error.issues[0]?.message ?? 'invalid request'));
      void socket.leave(runRoom(parsed.data.runId));
      reply({ ok: true, seq: deps.publisher.seq(parsed.data.runId) });
    });
  });
  return io;
}

function invalid(message: string): Ack {
  return { ok: false, code: 'invalid_request', message };
}

/** Emit helpers bound to a server, for the publisher and the followers. */
export function roomEmitters(io: RealtimeServer) {
  return {
    points: (runId: number, batch: Parameters<ServerToClientEvents['points']>[0]) => io.to(runRoom(runId)).emit('points', batch),
    status: (status: FollowStatus) => io.to(runRoom(status.runId)).emit('follow_status', status),
  };
}
