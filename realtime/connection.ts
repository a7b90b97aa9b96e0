// One socket's life: handshake authentication (access JWT, revocation checked),
// its rooms, its token's expiry, and the client events of the contract, each
// answered through its ack as `{ok: true, …}` or `{ok: false, error}`.
import type { Socket } from 'socket.io';
import { AppError, errorAck } from '../shared/errors.js';
import { authenticate } from '../shared/http/auth.js';
import type { Logger } from '../shared/logger.js';
import type { ServiceDeps } from '../shared/platform.js';
import { parse } from '../shared/validation.js';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './events.js';
import { sessionRoom, userRoom, type RealtimeServer } from './delivery.js';
import type { ChatService } from './chat/service.js';
import type { Presence } from './presence/presence.js';
import type { Typing } from './typing.js';
import { PresenceQuerySchema, RefreshSchema } from './chat/schemas.js';

export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** Work started by client events; shutdown waits for it so acks go out before the transport closes. */
export class Inflight {
  private readonly pending = new Set<Promise<unknown>>();

  track(p: Promise<unknown>) {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
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
      socket.data = { userId: claims.userId, sessionId: claims.sessionId, exp: claims.exp };
      next();
    } catch (err) {
      if (err instanceof AppError) {
        const e = new Error('unauthorized') as Error & { data?: unknown };
        e.data = { code: err.code };
        next(e);
      } else {
        ctx.logger.error({ err }, 'socket authentication failed');
        next(new Error('unavailable'));
      }
    }
  };
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function onConnection(ctx: ConnectionContext, socket: RealtimeSocket) {
  // No per-socket child logger or request object kept: idle sockets should cost little memory.
  const log = (level: 'warn' | 'error', o: object, msg: string) => ctx.logger[level]({ ...o, socket_id: socket.id, user_id: socket.data.userId }, msg);
  (socket.conn as unknown as { request: unknown }).request = null;
  const device = () => ({ userId: socket.data.userId, deviceKey: `${ctx.nodeId}:${socket.id}` });

  joinOwnRooms(socket);

  let expiry: NodeJS.Timeout | undefined;
  const armExpiry = () => {
    clearTimeout(expiry);
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, socket.data.exp * 1000 - Date.now()));
    expiry = setTimeout(() => {
      // With connection state recovery, even socket.emit goes through the adapter
      // (asynchronously, to get an offset): give the notice a moment to leave first.
      socket.emit('auth:expired', { reason: 'token_expired' });
      setTimeout(() => socket.disconnect(true), 500).unref();
    }, ms);
    expiry.unref();
  };
  armExpiry();

  ctx.inflight.track(ctx.presence.connected(device()).catch((err) => log('warn', { err }, 'presence connect failed')));

  /** Runs a client event and answers its ack; never throws into socket.io. */
  const on = (event: keyof ClientToServerEvents, handler: (payload: unknown) => Promise<object | void>) => {
    (socket as unknown as { on(e: string, l: (...a: unknown[]) => void): void }).on(event, (payload: unknown, ack?: unknown) => {
      const respond = typeof ack === 'function' ? (ack as (r: unknown) => void) : typeof payload === 'function' ? (payload as (r: unknown) => void) : undefined;
      const input = typeof payload === 'function' ? undefined : payload;
      const expired = socket.data.exp * 1000 <= Date.now() && event !== 'auth:refresh';
      const run = expired ? Promise.reject(AppError.unauthorized('Access token expired', 'token_expired')) : handler(input);
      const work = run.then(
        (result) => respond?.({ ok: true, ...(result ?? {}) }),
        (err) => {
          if (!(err instanceof AppError)) log('error', { err, event }, 'socket event failed');
          respond?.(errorAck(err));
        },
      );
      ctx.inflight.track(work);
    });
  };

  on('message:send', async (payload) => {
    const r = await ctx.chat.send(socket.data.userId, payload, { socketId: socket.id });
    ctx.typing.messageSent(socket.id, r.message.conversation_id);
    return r;
  });

  on('message:read', (payload) => ctx.chat.read(socket.data.userId, payload, { socketId: socket.id }));

  on('typing:start', (payload) => ctx.typing.start(socket.id, socket.data.userId, payload));

  on('typing:stop', (payload) => ctx.typing.stop(socket.id, payload));

  on('presence:query', async (payload) => {
    const { user_ids } = parse(PresenceQuerySchema, payload);
    return { presence: await ctx.presence.query(socket.data.userId, user_ids) };
  });

  on('auth:refresh', async (payload) => {
    const { token } = parse(RefreshSchema, payload);
    const claims = await authenticate(ctx.deps, token);
    if (claims.userId !== socket.data.userId) throw AppError.forbidden('The token belongs to another user');
    socket.data = { userId: claims.userId, sessionId: claims.sessionId, exp: claims.exp };
    joinOwnRooms(socket);
    armExpiry();
    return { exp: claims.exp };
  });

  socket.on('disconnect', () => {
    clearTimeout(expiry);
    ctx.typing.socketGone(socket.id);
    ctx.inflight.track(ctx.presence.disconnected(device()).catch((err) => log('warn', { err }, 'presence disconnect failed')));
  });
}

/** `user:<id>` and `session:<sid>` of the socket's current token, and no other user or session room. */
function joinOwnRooms(socket: RealtimeSocket) {
  const mine = new Set([userRoom(socket.data.userId), sessionRoom(socket.data.sessionId)]);
  for (const room of socket.rooms) {
    if ((room.startsWith('user:') || room.startsWith('session:')) && !mine.has(room)) socket.leave(room);
  }
  socket.join([...mine]);
}
