// HTTP only: the secret first (a caller without it learns nothing else), then parse, record.
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';
import { parse } from '../../shared/validation.js';
import type { TelegramService } from './service.js';
import { SECRET_HEADER, WebhookUpdateBody } from './schemas.js';

function body(ctx: Context): unknown {
  if (!ctx.is('json', '+json')) throw new AppError(415, 'unsupported_media_type', 'Send the update as application/json');
  return ctx.request.body;
}

export function telegramRoutes(service: TelegramService): Router {
  const router = new Router({ prefix: '/telegram' });
  router.post('/webhook', async (ctx) => {
    service.authenticate(ctx.get(SECRET_HEADER) || undefined);
    await service.receive(parse(WebhookUpdateBody, body(ctx)));
    ctx.body = { ok: true };
  });
  return router;
}
