// One socket's life: handshake authentication (access JWT, revocation checked),
// its connection slot, its rooms, its token's expiry, and the client events of
// the contract, each admitted by the socket's limits and answered through its
// ack as `{ok: true, …}` or `{ok: false, error}`.
import type { Socket } from 'socket.io';
import { AppError, errorAck } from '../shared/errors.js';
import { authenticate } from '../shared/http/auth.js';
import type { Logger } from '../shared/logger.js';
import type { ServiceDeps } from '../shared/platform.js';
import { parse } from '../shared/validation.js';
import type { ClientToServerEvents, ConnectErrorData, ServerToClientEvents, SocketData } from './events.js';
import { ADMINS_ROOM, sessionRoom, userRoom, type RealtimeServer } from './delivery.js';
import { isAdmin } from '../shared/admins.js';
import type { ChatService } from './chat/service.js';
import type { Presence } from './presence/presence.js';
import type { Typing } from './typing.js';
import type { SocketLimits } from './limits.js';
import { PresenceQuerySchema, RefreshSchema } from './chat/schemas.js';

export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Work started by client events; shutdown waits for it so acks go out before the transport closes. */
export class Inflight {
  private readonly pending = new Set<Promise<unknown>>();

  track(p: Promise<unknown>) {
    this.pending.add(p);
    // Not p.finally(): its promise would reject with p, and nobody awaits it.
    const done = () => void this.pending.delete(p);
    p.then(done, done);
  }

  get size() {
    return this.pending.size;
  }

  /** Waits until nothing is in flight (new work included), or the deadline passes. */
  async drain(deadlineMs: number): Promise<boolean> {
    const until = Date.now() + deadlineMs;
    while (this.pending.size && Date.now() < until) {
      await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, Math.max(1, until - Date.now())))]);
    }
    return this.pending.size === 0;
  }
}

export interface ConnectionContext {
  deps: ServiceDeps;
  logger: Logger;
  chat: ChatService;
  presence: Presence;
  typing: Typing;
  inflight: Inflight;
  limits: SocketLimits;
  /** Unique per node: device keys of presence are `<nodeId>:<socket id>`. */
  nodeId: string;
}

function handshakeToken(socket: RealtimeSocket): string | undefined {
  const t = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof t === 'string') return t;
  const m = /^Bearer (\S+)$/i.exec(socket.handshake.headers.authorization ?? '');
  return m?.[1];
}

/** `io.use`: refuses a bad, expired or revoked token with connect_error `unauthorized`. */
export function authMiddleware(ctx: ConnectionContext) {
  return async (socket: RealtimeSocket, next: (err?: Error) => void) => {
    try {
      const claims = await authenticate(ctx.deps, handshakeToken(socket));
      // A recovered session belongs to the user who opened it, whoever holds its id.
      if (socket.recovered && socket.data?.userId && socket.data.userId !== claims.userId) throw AppError.unauthorized();
      // A moderator console asks to hear of new review items; only an admin's socket is let into their room.
      const admin = (socket.handshake.auth as { admin?: unknown } | undefined)?.admin === true && (await isAdmin(ctx.deps.db, ctx.deps.config, claims.userId));
      socket.data = { userId: claims.userId, sessionId: claims.sessionId, exp: claims.exp, ...(admin ? { admin } : {}) };
      next();
    } catch (err) {
      if (err instanceof AppError) next(refusal('unauthorized', { code: err.code as ConnectErrorData['code'] }));
      else {
        ctx.logger.error({ err }, 'socket authentication failed');
        next(new Error('unavailable'));
      }
    }
  };
}

/**
 * `io.use`, after authMiddleware: takes a connection slot for the user and the
 * client address, or refuses with connect_error `rate_limited`
 * (`data.code` `too_many_sockets` / `too_many_connections`).
 */
export function limitsMiddleware(ctx: ConnectionContext) {
  return async (socket: RealtimeSocket, next: (err?: Error) => void) => {
    let refused;
    try {
      refused = await ctx.limits.connect(socket);
    } catch (err) {
      ctx.logger.error({ err }, 'socket slot check failed');
      return next(new Error('unavailable'));
    }
    if (refused) return next(refusal('rate_limited', { code: refused }));
    const release = () => {
      socket.conn.off('close', release);
      ctx.inflight.track(ctx.limits.disconnect(socket).catch((err) => ctx.logger.warn({ err, socket_id: socket.id }, 'socket slot release failed')));
    };
    // A socket whose transport closes before it is connected never gets a 'disconnect'.
    if (socket.conn.readyState !== 'open') release();
    else {
      socket.conn.once('close', release);
      socket.once('disconnect', release);
    }
    next();
  };
}

/** A connect_error the client can read: `err.message` says what kind, `err.data.code` why. */
function refusal(message: string, data: ConnectErrorData): Error {
  return Object.assign(new Error(message), { data });
}

type Handler = (ctx: ConnectionContext, socket: RealtimeSocket, payload: unknown) => Promise<object | void>;

// One table for every socket (no per-socket closures: idle sockets stay small).
const HANDLERS: Record<keyof ClientToServerEvents, Handler> = {
  'message:send': async (ctx, socket, payload) => {
    const r = await ctx.chat.send(socket.data.userId, payload, { socketId: socket.id });
    ctx.typing.messageSent(socket.id, r.message.conversation_id);
    return r;
  },
  'message:read': (ctx, socket, payload) => ctx.chat.read(socket.data.userId, payload, { socketId: socket.id }),
  'message:react': (ctx, socket, payload) => ctx.chat.actions.react(socket.data.userId, payload, { socketId: socket.id }),
  'message:edit': (ctx, socket, payload) => ctx.chat.actions.edit(socket.data.userId, payload, { socketId: socket.id }),
  'message:delete': (ctx, socket, payload) => ctx.chat.actions.delete(socket.data.userId, payload, { socketId: socket.id }),
  'message:report': (ctx, socket, payload) => ctx.chat.actions.report(socket.data.userId, payload),
  'message:reveal': (ctx, socket, payload) => ctx.chat.reveal(socket.data.userId, payload),
  'typing:start': (ctx, socket, payload) => ctx.typing.start(socket.id, socket.data.userId, payload),
  'typing:stop': (ctx, socket, payload) => ctx.typing.stop(socket.id, payload),
  'presence:query': async (ctx, socket, payload) => {
    const { user_ids } = parse(PresenceQuerySchema, payload);
    return { presence: await ctx.presence.query(socket.data.userId, user_ids) };
  },
  'auth:refresh': async (ctx, socket, payload) => {
    const { token } = parse(RefreshSchema, payload);
    const claims = await authenticate(ctx.deps, token);
    if (claims.userId !== socket.data.userId) throw AppError.forbidden('The token belongs to another user');
    socket.data = { ...socket.data, userId: claims.userId, sessionId: claims.sessionId, exp: claims.exp };
    joinOwnRooms(socket);
    return { exp: claims.exp };
  },
};

const deviceOf = (ctx: ConnectionContext, socket: RealtimeSocket) => ({ userId: socket.data.userId, deviceKey: `${ctx.nodeId}:${socket.id}` });

export function onConnection(ctx: ConnectionContext, socket: RealtimeSocket) {
  // Nothing kept per socket that is not needed: not the HTTP request, not its headers, not the token.
  (socket.conn as unknown as { request: unknown }).request = null;
  socket.handshake.headers = {};
  socket.handshake.auth = {};
  joinOwnRooms(socket);
  const device = deviceOf(ctx, socket);
  ctx.inflight.track(ctx.presence.connected(device).catch((err) => ctx.logger.warn({ err, socket_id: socket.id }, 'presence connect failed')));
  socket.onAny((event: string, ...args: unknown[]) => dispatch(ctx, socket, event, args));
  socket.on('disconnect', () => {
    ctx.typing.socketGone(socket.id);
    ctx.inflight.track(ctx.presence.disconnected(device).catch((err) => ctx.logger.warn({ err, socket_id: socket.id }, 'presence disconnect failed')));
  });
}

/** Runs a client event and answers its ack (`{ok: true, …}` or the error); never throws into socket.io. */
function dispatch(ctx: ConnectionContext, socket: RealtimeSocket, event: string, args: unknown[]) {
  const last = args[args.length - 1];
  const respond = typeof last === 'function' ? (last as (r: unknown) => void) : undefined;
  const payload = respond && args.length === 1 ? undefined : args[0];
  const refused = ctx.limits.admit(socket);
  if (refused) {
    respond?.(errorAck(refused));
    return;
  }
  const handler = Object.hasOwn(HANDLERS, event) ? HANDLERS[event as keyof ClientToServerEvents] : undefined;
  let run: Promise<object | void>;
  if (!handler) run = Promise.reject(new AppError(400, 'unknown_event', `No such event: ${event.slice(0, 64)}`));
  else if (socket.data.exp * 1000 <= Date.now() && event !== 'auth:refresh') run = Promise.reject(AppError.unauthorized('Access token expired', 'token_expired'));
  else run = handler(ctx, socket, payload);
  const work = run.then(
    (result) => respond?.({ ok: true, ...(result ?? {}) }),
    (err) => {
      if (!(err instanceof AppError)) ctx.logger.error({ err, event, socket_id: socket.id, user_id: socket.data.userId }, 'socket event failed');
      respond?.(errorAck(err));
    },
  );
  ctx.inflight.track(work.finally(() => ctx.limits.settled(socket)));
}

/**
 * Once a second: sockets whose access token ran out without an `auth:refresh`
 * are told (`auth:expired`) and disconnected. One sweep instead of a timer per socket.
 */
export function expireTokens(io: RealtimeServer, everyMs = 1000): { stop(): void } {
  const told = new WeakSet<object>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const socket of io.of('/').sockets.values()) {
      if (!socket.data?.exp || socket.data.exp * 1000 > now || told.has(socket)) continue;
      told.add(socket);
      // With connection state recovery even socket.emit goes through the adapter
      // (asynchronously, to get an offset): give the notice a moment to leave first.
      socket.emit('auth:expired', { reason: 'token_expired' });
      setTimeout(() => socket.disconnect(true), 500).unref();
    }
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** `user:<id>` and `session:<sid>` of the socket's current token, and no other user or session room. */
function joinOwnRooms(socket: RealtimeSocket) {
  const mine = new Set([userRoom(socket.data.userId), sessionRoom(socket.data.sessionId)]);
  for (const room of socket.rooms) {
    if ((room.startsWith('user:') || room.startsWith('session:')) && !mine.has(room)) socket.leave(room);
  }
  socket.join([...mine, ...(socket.data.admin ? [ADMINS_ROOM] : [])]);
}
