// Builds the realtime tier from the platform: the Socket.IO server (path
// /chat/connect) with its cluster adapter, the chat REST fallback router, the
// presence tracker and the live-notification consumer. `attach` hooks it onto
// an HTTP server (its own in cluster mode, the one 8080 server in all-in-one);
// `stop` drains it.
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import type Router from '@koa/router';
import type { Consumer } from '../shared/bus/index.js';
import type { Platform, ServiceDeps } from '../shared/platform.js';
import { SOCKET_PATH, TYPING_TTL_MS } from './events.js';
import { engineIdGenerator } from './adapter.js';
import { watchSockets } from '../shared/ops-metrics.js';
import { newInstanceTag, type Announcement } from './registry.js';
import { Delivery, type RealtimeServer } from './delivery.js';
import { MessageWriter, type WriterOptions } from './chat/writer.js';
import { ChatService } from './chat/service.js';
import { chatRouter } from './chat/routes.js';
import { Presence } from './presence/presence.js';
import { DEFAULT_PRESENCE_TIMINGS, type PresenceTimings } from './presence/store.js';
import { Typing } from './typing.js';
import { startNotifications } from './notifications.js';
import { DEFAULT_SLOW_CONSUMER_LIMITS, guardSlowConsumers, type SlowConsumerLimits } from './backpressure.js';
import { authMiddleware, expireTokens, Inflight, limitsMiddleware, onConnection, type ConnectionContext } from './connection.js';
import { SocketLimits } from './limits.js';
import { withTimeout } from '../shared/with-timeout.js';

export interface RealtimeOptions {
  presence?: Partial<PresenceTimings>;
  writer?: Partial<WriterOptions>;
  slowConsumers?: Partial<SlowConsumerLimits>;
  typingTtlMs?: number;
  /** Connection state recovery window (socket.io maxDisconnectionDuration). */
  recoveryMs?: number;
  /** Largest accepted socket message (Engine.IO maxHttpBufferSize). */
  maxPayloadBytes?: number;
  /** How long stop() waits for in-flight acks. */
  drainMs?: number;
  /**
   * Proxy hops whose X-Forwarded-For entry names the client (default: TRUSTED_PROXY_HOPS,
   * a service behind the gateway). The all-in-one process is the public entry and passes its
   * GATEWAY_TRUSTED_PROXIES, as its HTTP app does.
   */
  trustedHops?: number;
  /**
   * Make this node known to the gateways (realtime/registry.ts): an entry in the Redis registry
   * and its tag on /health. realtime/main.ts does; the all-in-one process is its own entry.
   */
  announce?: boolean;
}

/** The platform's parts the realtime tier is built from. */
export type RealtimeDeps = ServiceDeps & Pick<Platform, 'pipelined' | 'announce'>;

export interface Realtime {
  io: RealtimeServer;
  /** This node's routing tag: its Engine.IO ids begin with `<tag>.`. */
  tag: string;
  /** The chat REST fallback (/chat/...). */
  router: Router;
  attach(server: http.Server): Promise<void>;
  stop(): Promise<void>;
}

/**
 * ws, told to emit at most one message per socket per loop turn: a socket
 * whose client writes faster than it is read waits for its next turn (and is
 * then paused at the TCP level) instead of holding the loop for everyone else.
 */
class FairWebSocketServer extends WebSocketServer {
  constructor(opts: ConstructorParameters<typeof WebSocketServer>[0]) {
    super({ ...opts, allowSynchronousEvents: false });
  }
}

export function createRealtime(deps: RealtimeDeps, opts: RealtimeOptions = {}): Realtime {
  const logger = deps.logger.child({ component: 'realtime' });
  const nodeId = randomBytes(6).toString('base64url');
  // The hot path (adapter publishes, send and typing limits, presence, socket slots).
  const hot = deps.pipelined('realtime');
  const hotDeps: ServiceDeps = { ...deps, limiter: hot.limiter };
  const adapter = hot.socketAdapter();
  let closing = false;

  const io: RealtimeServer = new Server({
    path: SOCKET_PATH,
    serveClient: false,
    adapter: adapter.factory as never,
    // A 4000-character body is at most 16 KB of UTF-8; anything much bigger is refused at the transport.
    maxHttpBufferSize: opts.maxPayloadBytes ?? 64 * 1024,
    perMessageDeflate: false,
    wsEngine: FairWebSocketServer,
    // Bearer tokens, no cookies: any origin may connect (the Telegram WebApp is served from ours).
    cors: { origin: true, credentials: false },
    connectionStateRecovery: { maxDisconnectionDuration: opts.recoveryMs ?? 2 * 60_000, skipMiddlewares: false },
    // While stopping, new handshakes are refused at the Engine.IO level, which clients
    // treat as a transient failure and retry (through the gateway: another node).
    allowRequest: (_req, cb) => cb(closing ? 'server shutting down' : null, !closing),
  });

  const delivery = new Delivery(io, adapter.broadcastPerRoom);
  const writer = new MessageWriter(deps.db, logger, opts.writer);
  const chat = new ChatService(hotDeps, writer, delivery);
  const timings = { ...DEFAULT_PRESENCE_TIMINGS, ...opts.presence };
  const localDevices = () => [...io.of('/').sockets.values()].filter((s) => s.data?.userId).map((s) => ({ userId: s.data.userId, deviceKey: `${nodeId}:${s.id}` }));
  const presence = new Presence(hot.presence, chat, delivery, logger, timings, localDevices);
  const typing = new Typing(hotDeps, chat, delivery, opts.typingTtlMs ?? TYPING_TTL_MS);
  const inflight = new Inflight();
  // Connection slots live and die like presence devices: same TTL, same heartbeat.
  const limits = new SocketLimits(deps.config.socketLimits, opts.trustedHops ?? deps.config.trustedProxyHops, hot.socketSlots(timings.ttlMs), nodeId, logger);
  const ctx: ConnectionContext = { deps, logger, chat, presence, typing, inflight, limits, nodeId };

  io.use(authMiddleware(ctx));
  io.use(limitsMiddleware(ctx));
  io.on('connection', (socket) => onConnection(ctx, socket));

  let consumer: Consumer | undefined;
  let guard: { stop(): void } | undefined;
  let unwatchSockets: (() => void) | undefined;
  let expiry: { stop(): void } | undefined;
  let attached = false;
  let leaving = false;
  let announcement: Announcement | undefined;
  const tag = newInstanceTag(deps.config);

  return {
    io,
    tag,
    router: chatRouter(deps, chat),

    async attach(server) {
      io.attach(server);
      (io.engine as unknown as { generateId: () => string }).generateId = engineIdGenerator(tag);
      presence.start();
      limits.start(() => io.of('/').sockets.values(), timings);
      unwatchSockets = watchSockets(nodeId, () => io.engine.clientsCount);
      guard = guardSlowConsumers(io, { ...DEFAULT_SLOW_CONSUMER_LIMITS, ...opts.slowConsumers }, logger);
      expiry = expireTokens(io);
      consumer = startNotifications(deps, delivery);
      await consumer.ready;
      attached = true;
      if (opts.announce) {
        announcement = await deps.announce({ server, tag, load: () => io.engine.clientsCount, logger });
      }
      logger.info({ tag, node: nodeId, adapter: adapter.kind, path: SOCKET_PATH }, 'realtime attached');
    },

    async stop() {
      if (leaving) return;
      leaving = true;
      // 0. Out of the registry, still serving: the clients told to reconnect below go elsewhere.
      await announcement?.withdraw();
      closing = true;
      const drainMs = opts.drainMs ?? 5_000;
      // 1. Acks of what clients already sent go out first.
      await inflight.drain(drainMs);
      await writer.drain();
      // 2. Close every local transport: clients reconnect (elsewhere) and recover their session.
      //    conn.close() flushes what is queued for the client before closing.
      for (const socket of io.of('/').sockets.values()) socket.conn.close();
      const until = Date.now() + drainMs;
      while (io.of('/').sockets.size && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      // 3. Presence updates of those disconnections, then the background parts.
      await inflight.drain(drainMs);
      typing.clear();
      presence.stop();
      limits.stop();
      guard?.stop();
      unwatchSockets?.();
      expiry?.stop();
      await consumer?.stop();
      if (attached) io.engine.close();
      // Closing the adapter may wait on Redis, which a host cut off never answers.
      await withTimeout(Promise.resolve(io.of('/').adapter.close()), 2000, 'the Socket.IO adapter').catch((err: Error) =>
        logger.warn({ err: err.message }, 'adapter did not close cleanly'),
      );
      await adapter.close();
      await hot.close();
      logger.info('realtime stopped');
    },
  };
}
