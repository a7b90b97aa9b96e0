// The admin service on its own (cluster mode): ADMIN_PORT, default 8090.
import { runService } from '../../shared/service-main.js';
import { createAdminRouter } from './index.js';
import { createTelegramRouter } from '../telegram/index.js';
import { createPaymentsRouters } from '../payments/index.js';

// The Telegram side is served here too: the bot's webhook (/telegram/webhook) and Stars payments (/payments, /admin/payments).
await runService('admin', (c) => c.ports.admin, (platform) => ({
  routers: [createAdminRouter(platform), createTelegramRouter(platform), ...createPaymentsRouters(platform)],
}));
