// The socket.io handshake, authenticated like REST: the Host and Origin policy in allowRequest, express-session
// on the engine (the same cookie, the same store), then a session user or an `auth.token` API token, else
// connect_error 'unauthorized'. Each socket joins `user:<id>`, so a logout, revocation or role change can drop
// that user's sockets at once; a user holds at most MAX_SOCKETS_PER_ACTOR sockets.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Server, Socket } from 'socket.io';
import type { Actor } from '../auth/actor.js';
import type { AuthService } from '../auth/auth.service.js';
import { bearerToken } from '../auth/tokens.js';
import type { AuthContext } from '../app.js';
import type { HostPolicy } from '../http/security.js';

export const MAX_SOCKETS_PER_ACTOR = 20;

export interface SocketAuth {
  handshakeAllowed(req: IncomingMessage): boolean;
  session: RequestHandler;
  auth: AuthService;
  anonymousRead: boolean;
}

export function socketAuth(o: {
  policy: HostPolicy;
  session: RequestHandler;
  auth: AuthService;
  anonymousRead: boolean;
}): SocketAuth {
  return {
    // Browsers send Origin on every cross-origin request and on websockets; same-origin polling may omit it, and the
    // Host check already refuses a rebinding page.
    handshakeAllowed: (req) =>
      o.policy.hostAllowed(req.headers.host) &&
      (req.headers.origin === undefined || o.policy.originAllowed(req.headers.origin)),
    session: o.session,
    auth: o.auth,
    anonymousRead: o.anonymousRead,
  };
}

/** The socket side of an app's auth context. */
export const socketAuthOf = (ctx: AuthContext): SocketAuth =>
  socketAuth({ policy: ctx.policy, session: ctx.session, auth: ctx.auth, anonymousRead: ctx.edge.anonymousRead });

export const userRoom = (userId: number) => `user:${userId}`;

const ACTOR = Symbol('actor');
type WithActor = { [ACTOR]?: Actor | null };

export function socketActor(socket: Socket): Actor | null {
  return (socket.data as WithActor)[ACTOR] ?? null;
}

interface SessionRequest extends IncomingMessage {
  session?: { userId?: number };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Server's event maps
export function guardHandshake(io: Server<any, any>, a: SocketAuth): void {
  // express-session on engine.io's requests (socket.io ≥ 4.6): the handshake reads the same cookie as REST.
  io.engine.use(a.session);
  io.use((socket, next) => {
    const requestId = randomUUID();
    const raw: unknown = (socket.handshake.auth as { token?: unknown }).token;
    const userId = (socket.request as SessionRequest).session?.userId;
    let actor: Actor | null = null;
    if (typeof raw === 'string') {
      const secret = bearerToken(`Bearer ${raw}`);
      actor = secret ? a.auth.actorForToken(secret, requestId) : null;
    } else if (userId !== undefined) actor = a.auth.actorForSession(userId, requestId);
    if (!actor && !a.anonymousRead) return next(new Error('unauthorized'));
    if (actor && io.sockets.adapter.rooms.get(userRoom(actor.userId))?.size === MAX_SOCKETS_PER_ACTOR)
      return next(new Error('too_many_sockets'));
    (socket.data as WithActor)[ACTOR] = actor ?? {
      kind: 'user',
      userId: 0,
      name: 'anonymous',
      role: 'viewer',
      requestId,
    };
    if (actor) void socket.join(userRoom(actor.userId));
    next();
  });
}

/** Drops every socket of a user (logout, revocation, role change, disable): they reconnect with what is left. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Server's event maps
export function disconnectUser(io: Server<any, any>, userId: number): void {
  io.in(userRoom(userId)).disconnectSockets(true);
}
