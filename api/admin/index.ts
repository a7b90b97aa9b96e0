// The admin API (`/admin/*`): moderation queue, photo decisions, report
// reviews, bans and the audit log, for the Telegram ids in ADMIN_TELEGRAM_IDS.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { adminRoutes } from './routes.js';
import { AdminService } from './service.js';

export { AdminService } from './service.js';

export function createAdminRouter(deps: ServiceDeps): Router {
  const service = new AdminService({ ...deps, logger: deps.logger.child({ component: 'admin' }) });
  return adminRoutes(service, deps);
}
