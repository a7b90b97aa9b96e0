// Composition root of the gateway process (GATEWAY_PORT, 8080): the single
// public entry of the cluster. It has no database: it proxies to the services
// (AUTH_URL, PROFILE_URL, DISCOVERY_URL, MEDIA_URL, ADMIN_URL; the realtime
// instances from the registry in Redis, or REALTIME_URLS) and serves the web client.
import { loadConfigOrExit } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { quit, redisFor } from '../../shared/redis.js';
import { closeServer, listen, portOf } from '../../shared/http/app.js';
import { onShutdown } from '../../shared/lifecycle.js';
import { createGateway } from './index.js';
import { webRouter } from './web.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'gateway');
// Redis (whichever mode is configured) only to read the realtime registry: a static REALTIME_URLS list needs none.
const redis = config.realtimeRegistry.staticList ? null : redisFor(config, logger, 'gateway');
const gateway = createGateway({ config, logger, redis, routers: [webRouter(config, { logger })] });
await gateway.start();
const server = await listen(gateway.handleRequest, config.ports.gateway, config.host);
gateway.attach(server);
logger.info(
  { port: portOf(server), upstreams: config.gateway.upstreams, realtime: gateway.realtime.source.describe() },
  `gateway listening on http://localhost:${portOf(server)}`,
);

onShutdown(logger, async () => {
  // Sockets first: their clients reconnect through another gateway process at once.
  const closing = closeServer(server, 5000);
  await gateway.stop();
  await closing;
  if (redis) await quit(redis);
});
