// Composition root of the gateway process (GATEWAY_PORT, 8080): the single
// public entry of the cluster. It has no database: it proxies to the services
// (AUTH_URL, PROFILE_URL, DISCOVERY_URL, MEDIA_URL, REALTIME_URLS) and serves
// the web client.
import type Router from '@koa/router';
import { loadConfigOrExit, type Config } from '../../shared/config.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { closeServer, listen, portOf } from '../../shared/http/app.js';
import { onShutdown } from '../../shared/lifecycle.js';
import { createGateway } from './index.js';

/** The bundled web client, when its module is part of this build. */
async function webClient(config: Config, logger: Logger): Promise<Router[]> {
  const specifier = './web.js'; // not a static import: the gateway works without the web client
  try {
    const mod = (await import(specifier)) as { webRouter?: (config: Config) => Router | Promise<Router> };
    return mod.webRouter ? [await mod.webRouter(config)] : [];
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_MODULE_NOT_FOUND' && /gateway[\\/]web\.[jt]s/.test(e.message)) {
      logger.info('no web client in this build; serving the API only');
      return [];
    }
    throw err;
  }
}

const config = loadConfigOrExit();
const logger = createLogger(config, 'gateway');
const gateway = createGateway({ config, logger, routers: await webClient(config, logger) });
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
