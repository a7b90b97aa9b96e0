// Composition root of the gateway process (GATEWAY_PORT, 8080): the single
// public entry of the cluster. It has no database: it proxies to the services
// (AUTH_URL, PROFILE_URL, DISCOVERY_URL, MEDIA_URL, REALTIME_URLS) and serves
// the web client.
import { loadConfigOrExit } from '../../shared/config.js';
import { createLogger } from '../../shared/logger.js';
import { closeServer, listen, portOf } from '../../shared/http/app.js';
import { onShutdown } from '../../shared/lifecycle.js';
import { createGateway } from './index.js';
import { webRouter } from './web.js';

const config = loadConfigOrExit();
const logger = createLogger(config, 'gateway');
const gateway = createGateway({ config, logger, routers: [webRouter(config, { logger })] });
await gateway.start();
const server = await listen(gateway.handleRequest, config.ports.gateway, config.host);
gateway.attach(server);
logger.info(
  { port: portOf(server), upstreams: config.gateway.upstreams, realtime: config.gateway.realtimeUrls },
  `gateway listening on http://localhost:${portOf(server)}`,
);

onShutdown(logger, async () => {
  // Sockets first: their clients reconnect through another gateway process at once.
  const closing = closeServer(server, 5000);
  await gateway.stop();
  await closing;
});
