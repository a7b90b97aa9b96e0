// Premium in Telegram Stars: invoices and entitlements (`/payments/*`), the
// ledger and refunds for admins (`/admin/payments/*`). The webhook answers
// pre-checkout queries with it and the bot worker credits successful payments.
import type Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { AdminService } from '../admin/service.js';
import { paymentsAdminRoutes, paymentsRoutes } from './routes.js';
import { PaymentsService } from './service.js';

export { PaymentsService } from './service.js';

export function paymentsService(deps: Pick<ServiceDeps, 'db' | 'logger' | 'config' | 'limiter'>): PaymentsService {
  return new PaymentsService({ db: deps.db, config: deps.config, limiter: deps.limiter, logger: deps.logger.child({ component: 'payments' }) });
}

export function createPaymentsRouters(deps: ServiceDeps): Router[] {
  const service = paymentsService(deps);
  const admin = new AdminService({ ...deps, logger: deps.logger.child({ component: 'admin' }) });
  return [paymentsRoutes(service, deps), paymentsAdminRoutes(service, deps, (id) => admin.assertAdmin(id))];
}
