// Composition root of a realtime node (REALTIME_PORT, 8085): the Socket.IO
// server and the chat REST fallback on one HTTP server. Scale with more
// processes (`pm2 scale realtime N`); the Redis adapter joins them.
import { runService } from '../shared/service-main.js';
import { createRealtime } from './index.js';

await runService(
  'realtime',
  (c) => c.ports.realtime,
  (platform) => {
    const rt = createRealtime(platform);
    return { routers: [rt.router], attach: (server) => rt.attach(server), stop: () => rt.stop() };
  },
);
