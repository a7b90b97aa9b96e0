// Composition root of a realtime node (REALTIME_PORT, 8085): the Socket.IO
// server and the chat REST fallback on one HTTP server. Scale with more
// processes (`pm2 scale realtime N`, on any machine): the Redis adapter joins
// them, and each announces itself in the registry the gateways route by.
import { runService } from '../shared/service-main.js';
import { createRealtime } from './index.js';

await runService(
  'realtime',
  (c) => c.ports.realtime,
  (platform) => {
    const rt = createRealtime(platform, { announce: true });
    return { routers: [rt.router], attach: (server) => rt.attach(server), stop: () => rt.stop() };
  },
);
