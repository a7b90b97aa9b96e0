// The auth service's composition root (AUTH_PORT, 8081).
import { runService } from '../../shared/service-main.js';
import { createAuthRouter } from './index.js';

await runService('auth', (c) => c.ports.auth, (platform) => {
  if (platform.config.devMode) {
    platform.logger.warn(
      '*** DEVELOPMENT MODE: BOT_TOKEN is unset. A fixed development bot token signs init data, POST /auth/dev/init-data is open and anyone can log in as anyone. Admin ids are ignored. Never run this in production (NODE_ENV=production refuses to start without BOT_TOKEN and JWT_SECRET). ***',
    );
  }
  return { routers: [createAuthRouter(platform)] };
});
