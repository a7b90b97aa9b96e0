// The admin service on its own (cluster mode): ADMIN_PORT, default 8090.
import { runService } from '../../shared/service-main.js';
import { createAdminRouter } from './index.js';

await runService('admin', (c) => c.ports.admin, (platform) => ({ routers: [createAdminRouter(platform)] }));
