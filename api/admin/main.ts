// The admin service on its own (cluster mode): ADMIN_PORT, default 8090.
import { runService } from '../../shared/service-main.js';
import { createAdminRouter } from './index.js';
import { createTelegramRouter } from '../telegram/index.js';

// The bot's webhook (/telegram/webhook) is served here too: it needs only the database.
await runService('admin', (c) => c.ports.admin, (platform) => ({ routers: [createAdminRouter(platform), createTelegramRouter(platform)] }));
