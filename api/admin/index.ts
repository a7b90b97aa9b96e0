// The admin API (`/admin/*`): moderation queue, photo decisions, report
// reviews, bans and the audit log, for the Telegram ids in ADMIN_TELEGRAM_IDS.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { createStorage, type Storage } from '../../shared/storage/index.js';
import { adminRoutes } from './routes.js';
import { AdminService } from './service.js';

export { AdminService } from './service.js';

/** `storage` defaults to the one configured (STORAGE_DRIVER): media in review is read from it. */
export function createAdminRouter(deps: ServiceDeps, opts: { storage?: Storage } = {}): Router {
  const storage = opts.storage ?? createStorage(deps.config);
  const service = new AdminService({ ...deps, logger: deps.logger.child({ component: 'admin' }), storage });
  return adminRoutes(service, deps);
}
