// The gateway: the single public port. Requests under a service prefix are
// streamed to that service before anything reads their body (routes.ts,
// proxy.ts); the rest — /health, /ready, /metrics, the web client, and 404s in
// the contract's shape — is the gateway's own Koa app. WebSocket upgrades on
// the Socket.IO path go to the realtime tier, sticky by session (sticky.ts).
// The realtime instances come from the registry in Redis when the gateway is
// given a Redis and no REALTIME_URLS (registry.ts), from that static list otherwise.
import type http from 'node:http';
import type net from 'node:net';
import type Router from '@koa/router';
import type { RedisClient } from '../../shared/redis.js';
import type { Config } from '../../shared/config.js';
import type { Logger } from '../../shared/logger.js';
import { createHttpApp } from '../../shared/http/app.js';
import { publicPort, startMetricsServer, type MetricsServer } from '../../shared/http/health.js';
import { createGatewayProxy } from './proxy.js';
import { resolveRoute } from './routes.js';
import { parseRealtimeUrls, RealtimePool, StaticSource, type RealtimeSource } from './upstreams.js';
import { RegistrySource } from './registry.js';

export interface GatewayDeps {
  config: Config;
  logger: Logger;
  /** The gateway's own routers (the web client). */
  routers?: Router[];
  /** Where the realtime registry is (null or unset: the static REALTIME_URLS list). */
  redis?: RedisClient | null;
  /** How often the realtime instances are read and probed (default 1 s). */
  probeIntervalMs?: number;
}

export interface Gateway {
  /** The request listener of the public HTTP server. */
  handleRequest: http.RequestListener;
  /** Hooks WebSocket upgrades into the server. */
  attach(server: http.Server): void;
  /** Finds the realtime instances once, then keeps probing them; opens METRICS_PORT when set. */
  start(): Promise<void>;
  /** Ends proxied WebSockets (their clients reconnect elsewhere) and releases upstream connections. */
  stop(): Promise<void>;
  realtime: RealtimePool;
}

export function createGateway(deps: GatewayDeps): Gateway {
  const { config, logger } = deps;
  const source: RealtimeSource =
    deps.redis && !config.realtimeRegistry.staticList
      ? new RegistrySource(deps.redis, config.redisPrefix, logger)
      : new StaticSource(parseRealtimeUrls(config.gateway.realtimeUrls), logger);
  const realtime = new RealtimePool({
    source,
    logger,
    probeIntervalMs: deps.probeIntervalMs,
  });
  const proxy = createGatewayProxy({
    logger,
    upstreams: config.gateway.upstreams,
    realtime,
    timeoutMs: config.gateway.timeoutMs,
    trustedProxies: config.gateway.trustedProxies,
  });
  // The gateway's own routes (web client, health) see clients as its proxy does.
  const app = createHttpApp({
    service: 'gateway',
    logger,
    readiness: {},
    routers: deps.routers ?? [],
    trustedHops: config.gateway.trustedProxies,
    before: [publicPort({ metricsToken: config.metrics.token })],
  });
  const own = app.callback();
  const upgraded = new Set<net.Socket>();
  let metrics: MetricsServer | undefined;

  function handleRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    const route = resolveRoute(req.url ?? '/');
    if (route) proxy.web(req, res, route);
    else void own(req, res);
  }

  function handleUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer) {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    const route = resolveRoute(req.url ?? '/');
    if (route) proxy.ws(req, socket, head, route);
    else proxy.refuseUpgrade(req, socket);
  }

  return {
    handleRequest,
    realtime,
    attach(server) {
      server.on('upgrade', handleUpgrade);
    },
    async start() {
      if (config.metrics.port) metrics = await startMetricsServer(config.metrics.port, logger);
      await realtime.start();
    },
    async stop() {
      await metrics?.close();
      realtime.stop();
      for (const socket of upgraded) socket.destroy();
      proxy.close();
    },
  };
}
