// HTTP only: authenticate, check the caller is an admin, parse, call, shape.
// The admin check comes before any parsing, so a non-admin learns nothing
// about the routes but 403.
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';
import { caller, requireAuth, type AuthDeps } from '../../shared/http/auth.js';
import { parse } from '../../shared/validation.js';
import type { AdminService } from './service.js';
import { consoleRoutes } from './console.js';
import type { Config } from '../../shared/config.js';
import { ApproveBody, AuditQuery, BanBody, IdParams, QueueQuery, RejectBody, ReviewBody, ReviewFileParams, UnbanBody } from './schemas.js';
import type { AuditPage, BanState, ModeratedMedia, ModerationQueue, ReportConversation, ReviewedReport } from '../../shared/contract/index.js';

/** The JSON body, or {} when there is none; another media type is 415. */
function body(ctx: Context): unknown {
  if (!ctx.request.length && !ctx.request.type) return {};
  if (ctx.is('json', '+json')) return ctx.request.body ?? {};
  throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
}

export function adminRoutes(service: AdminService, auth: AuthDeps & { config: Pick<Config, 'media' | 'telegram'> }): Router {
  const router = new Router({ prefix: '/admin' });
  router.use(requireAuth(auth), async (ctx, next) => {
    await service.assertAdmin(caller(ctx).userId);
    await next();
  });
  const admin = (ctx: Context) => caller(ctx).userId;
  const id = (ctx: Context) => parse(IdParams, ctx.params).id;

  router.get('/queue', async (ctx) => {
    ctx.body = (await service.queue(parse(QueueQuery, ctx.query))) satisfies ModerationQueue;
  });

  // Media in review is not on the public file route (approved only): admins see it here, never cached on the way.
  router.get('/media/:id/:variant', async (ctx) => {
    const { id: mediaId, variant } = parse(ReviewFileParams, ctx.params);
    const { file, contentType } = await service.reviewFile(mediaId, variant);
    ctx.set('Cache-Control', 'private, no-store');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.type = contentType;
    if (file.size !== undefined) ctx.length = file.size;
    ctx.body = file.body;
  });

  router.post('/media/:id/approve', async (ctx) => {
    const mediaId = id(ctx);
    parse(ApproveBody, body(ctx));
    ctx.body = (await service.moderate(admin(ctx), mediaId, 'approved')) satisfies ModeratedMedia;
  });

  router.post('/media/:id/reject', async (ctx) => {
    const mediaId = id(ctx);
    const { reason } = parse(RejectBody, body(ctx));
    ctx.body = (await service.moderate(admin(ctx), mediaId, 'rejected', reason)) satisfies ModeratedMedia;
  });

  router.get('/reports/:id/conversation', async (ctx) => {
    ctx.body = (await service.reportConversation(id(ctx))) satisfies ReportConversation;
  });

  router.post('/reports/:id/review', async (ctx) => {
    const reportId = id(ctx);
    ctx.body = (await service.reviewReport(admin(ctx), reportId, parse(ReviewBody, body(ctx)))) satisfies ReviewedReport;
  });

  router.post('/users/:id/ban', async (ctx) => {
    const userId = id(ctx);
    const { reason } = parse(BanBody, body(ctx));
    ctx.body = (await service.ban(admin(ctx), userId, reason)) satisfies BanState;
  });

  router.post('/users/:id/unban', async (ctx) => {
    const userId = id(ctx);
    const { note } = parse(UnbanBody, body(ctx));
    ctx.body = (await service.unban(admin(ctx), userId, note)) satisfies BanState;
  });

  router.get('/audit', async (ctx) => {
    ctx.body = (await service.auditLog(parse(AuditQuery, ctx.query))) satisfies AuditPage;
  });

  // The console's page shell, to anyone: its routes come first and end the request,
  // so the admin check above never runs for them; the data calls keep it.
  const outer = new Router();
  consoleRoutes(outer, auth.config);
  return outer.use(router.routes());
}
