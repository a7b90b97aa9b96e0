// HTTP only: authenticate, parse, call, shape. The ledger and refunds are for admins.
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';
import { caller, requireAuth, type AuthDeps } from '../../shared/http/auth.js';
import { parse } from '../../shared/validation.js';
import type { PaymentsService } from './service.js';
import { ChargeParams, InvoiceBody, LedgerQuery, RefundBody } from './schemas.js';

function body(ctx: Context): unknown {
  if (!ctx.request.length && !ctx.request.type) return {};
  if (ctx.is('json', '+json')) return ctx.request.body ?? {};
  throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
}

export function paymentsRoutes(service: PaymentsService, auth: AuthDeps): Router {
  const router = new Router({ prefix: '/payments' });
  router.use(requireAuth(auth));
  router.post('/invoice', async (ctx) => {
    const { product } = parse(InvoiceBody, body(ctx));
    ctx.status = 201;
    ctx.body = await service.createInvoice(caller(ctx).userId, product);
  });
  router.get('/entitlements', async (ctx) => {
    ctx.body = await service.entitlements(caller(ctx).userId);
  });
  return router;
}

export function paymentsAdminRoutes(service: PaymentsService, auth: AuthDeps, assertAdmin: (userId: string) => Promise<void>): Router {
  const router = new Router({ prefix: '/admin/payments' });
  router.use(requireAuth(auth), async (ctx, next) => {
    await assertAdmin(caller(ctx).userId);
    await next();
  });
  router.get('/', async (ctx) => {
    const q = parse(LedgerQuery, ctx.query);
    ctx.body = await service.ledger(q.limit, q.before);
  });
  router.post('/:charge_id/refund', async (ctx) => {
    const { charge_id } = parse(ChargeParams, ctx.params);
    parse(RefundBody, body(ctx));
    ctx.body = await service.refund(caller(ctx).userId, charge_id);
  });
  return router;
}
