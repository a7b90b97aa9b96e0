// Everything the all-in-one process serves, built from one Platform. Each
// service contributes its router; long-running parts (socket server, workers)
// contribute attach/stop hooks.
import type http from 'node:http';
import type Router from '@koa/router';
import { createHttpApp } from '../shared/http/app.js';
import { publicPort } from '../shared/http/health.js';
import type { Platform } from '../shared/platform.js';
import { webRouter } from '../api/gateway/web.js';
import { createRealtime } from '../realtime/index.js';
import { createAuthRouter } from '../api/auth/index.js';
import { createProfileRouter } from '../api/profile/index.js';
import { createDiscoveryRouter } from '../api/discovery/index.js';
import { startMatchingWorker } from '../workers/matching/index.js';
import { createAdminRouter } from '../api/admin/index.js';
import { startNotificationsWorker } from '../workers/notifications/index.js';
import { createMediaRouter } from '../api/media/index.js';
import { startModerationWorker } from '../workers/moderation/index.js';
import { createTelegramRouter } from '../api/telegram/index.js';
import { createPaymentsRouters } from '../api/payments/index.js';
import { startBotWorker } from '../workers/bot/index.js';

export interface AllInOne {
  callback: http.RequestListener;
  /** Called once the HTTP server listens (the socket tier hooks in here). */
  attach(server: http.Server): Promise<void>;
  stop(): Promise<void>;
}

/** A part of the platform that runs beside the routers (socket server, worker). */
export interface Runnable {
  attach?(server: http.Server): Promise<void>;
  stop(): Promise<void>;
}

export async function buildAllInOne(platform: Platform): Promise<AllInOne> {
  const routers: Router[] = [];
  // The outbox relay first, so it stops last: the parts' final commits still reach the bus.
  platform.relay.start();
  const runnables: Runnable[] = [{ stop: () => platform.relay.stop() }];
  // --- services mount here (each service's index.ts builds its router from the platform) ---
  routers.push(createProfileRouter(platform));
  routers.push(createDiscoveryRouter(platform));
  runnables.push(startMatchingWorker(platform));
  routers.push(createAuthRouter(platform));
  // The public entry: sockets and HTTP believe the same proxy hops.
  const realtime = createRealtime(platform, { trustedHops: platform.config.gateway.trustedProxies });
  routers.push(realtime.router);
  runnables.push({ attach: (server) => realtime.attach(server), stop: () => realtime.stop() });
  routers.push(webRouter(platform.config, { logger: platform.logger }));
  routers.push(createAdminRouter(platform));
  // Bot notifications need a real bot token.
  if (!platform.config.devMode) runnables.push(startNotificationsWorker(platform));
  // The bot's webhook, and the worker that answers what it receives.
  routers.push(createTelegramRouter(platform));
  routers.push(...createPaymentsRouters(platform));
  if (!platform.config.devMode) runnables.push(startBotWorker(platform));
  routers.push(createMediaRouter(platform));
  runnables.push(startModerationWorker(platform)); // the NSFW model loads on the first upload
  // --- end of services ---
  // The public entry, as the gateway is: only GATEWAY_TRUSTED_PROXIES hops' forwarding headers are believed.
  const app = createHttpApp({
    service: 'gateway',
    logger: platform.logger,
    readiness: platform,
    routers,
    trustedHops: platform.config.gateway.trustedProxies,
    before: [publicPort({ metricsToken: platform.config.metrics.token })],
  });
  const callback = app.callback();
  return {
    callback,
    async attach(server) {
      for (const r of runnables) await r.attach?.(server);
    },
    async stop() {
      for (const r of [...runnables].reverse()) await r.stop();
    },
  };
}
