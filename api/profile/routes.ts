// HTTP only: authenticate, parse, call the service, shape the status.
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';
import { caller, requireAuth, type AuthDeps } from '../../shared/http/auth.js';
import type { ProfileService } from './service.js';
import { parse } from '../../shared/validation.js';
import { createProfileSchema, updateProfileSchema, UserIdParams } from './schemas.js';
import type { OwnerProfile, ProfileView } from '../../shared/contract/index.js';

/** The JSON body of a write; another media type is 415, no body at all is 400. */
function jsonBody(ctx: Context): unknown {
  if (ctx.is('json', '+json')) return ctx.request.body;
  if (!ctx.request.type && !ctx.request.length) throw AppError.validation([{ field: '(body)', message: 'a JSON object body is required' }]);
  throw new AppError(415, 'unsupported_media_type', 'Send the body as application/json');
}

/** The user id in the path: a UUID, or `me` for the caller; anything else is 400. */
function targetId(ctx: Context): string {
  const id = parse(UserIdParams, { user_id: ctx.params.user_id }).user_id;
  return id === 'me' ? caller(ctx).userId : id;
}

export function profileRoutes(service: ProfileService, auth: AuthDeps): Router {
  const router = new Router();
  const authed = requireAuth(auth);

  router.post('/profiles', authed, async (ctx) => {
    const input = parse(createProfileSchema, jsonBody(ctx));
    ctx.status = 201;
    ctx.body = (await service.create(caller(ctx).userId, input)) satisfies OwnerProfile;
  });

  router.get('/profiles/me', authed, async (ctx) => {
    ctx.body = (await service.own(caller(ctx).userId)) satisfies OwnerProfile;
  });

  router.get('/profiles/:user_id', authed, async (ctx) => {
    ctx.body = (await service.view(caller(ctx).userId, targetId(ctx))) satisfies ProfileView;
  });

  router.put('/profiles/:user_id', authed, async (ctx) => {
    const userId = targetId(ctx);
    const patch = parse(updateProfileSchema, jsonBody(ctx));
    ctx.body = (await service.update(caller(ctx).userId, userId, patch)) satisfies OwnerProfile;
  });

  router.delete('/profiles/:user_id', authed, async (ctx) => {
    await service.remove(caller(ctx).userId, targetId(ctx));
    ctx.status = 204;
  });

  return router;
}
