// The common shape of a service's composition root (api/<service>/main.ts):
// parse config, build the platform, mount the router on the service's port,
// start the outbox relay (every service and worker writes), and shut down
// cleanly on SIGTERM (platform.close() stops the relay once the requests drained).
import type http from 'node:http';
import type Router from '@koa/router';
import { loadConfigOrExit, type Config } from './config.js';
import { createPlatform, type Platform } from './platform.js';
import { createHttpApp } from './http/app.js';
import { closeServer, listen, portOf } from './http/app.js';
import { onShutdown } from './lifecycle.js';
import { startMetricsServer, type MetricsServer } from './http/health.js';

export interface ServiceParts {
  routers: Router[];
  /** Runs once the HTTP server listens (e.g. Socket.IO attaches here). */
  attach?(server: http.Server): Promise<void>;
  /** Runs on shutdown once the HTTP server has stopped accepting connections, before it is closed. */
  stop?(): Promise<void>;
}

export async function runService(
  service: string,
  port: (config: Config) => number,
  build: (platform: Platform) => Promise<ServiceParts> | ServiceParts,
): Promise<void> {
  const config = loadConfigOrExit();
  const platform = createPlatform(config, service);
  // Registered before anything can hang on a store that does not answer: a SIGTERM
  // during the start still stops what exists and exits 0.
  let parts: ServiceParts | undefined;
  let server: http.Server | undefined;
  onShutdown(platform.logger, async () => {
    // Stop accepting first (no request arrives at a half-stopped service), then
    // let the parts drain (sockets told to reconnect elsewhere) while in-flight requests finish.
    const closing = server ? closeServer(server) : Promise.resolve();
    await parts?.stop?.();
    await closing;
    await platform.close();
  });
  parts = await build(platform);
  platform.relay.start();
  // A service sits behind the gateway: it believes as many hops as TRUSTED_PROXY_HOPS says (the
  // launchers set 1, the gateway's) and, unless HOST says otherwise, listens on loopback, so
  // nobody reaches it around the gateway with a forwarding header of their own.
  const app = createHttpApp({ service, logger: platform.logger, readiness: platform, routers: parts.routers, trustedHops: config.trustedProxyHops });
  server = await listen(app.callback(), port(config), config.host ?? '127.0.0.1');
  await parts.attach?.(server);
  platform.logger.info({ port: portOf(server) }, `${service} listening`);
}

/**
 * The same for a worker: no port of its own, just start and stop; with
 * METRICS_PORT, its metrics (handled events, handler time, …) on that port of
 * 127.0.0.1 for a scraper on the same host (the PM2 launcher gives each worker
 * instance one).
 */
export async function runWorker(service: string, build: (platform: Platform) => Promise<{ stop(): Promise<void> }>): Promise<void> {
  const config = loadConfigOrExit();
  const platform = createPlatform(config, service);
  let worker: { stop(): Promise<void> } | undefined;
  let metrics: MetricsServer | undefined;
  onShutdown(platform.logger, async () => {
    await worker?.stop();
    await platform.close(); // stops the relay after the worker's last commits
    await metrics?.close();
  });
  worker = await build(platform);
  platform.relay.start();
  if (config.metrics.port) metrics = await startMetricsServer(config.metrics.port, platform.logger);
  platform.logger.info(`${service} worker started`);
}
