// HTTP of the Auth section: parse, call the service, shape the answer.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { Config } from '../../shared/config.js';
import { AppError } from '../../shared/errors.js';
import { caller, requireAuth } from '../../shared/http/auth.js';
import { addressKey } from '../../shared/http/client-address.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import type { SessionRevocations } from '../../shared/revocation.js';
import { parse } from '../../shared/validation.js';
import { DevInitDataBody, InitDataBody, RefreshBody, SessionIdParam, TelegramLoginBody } from './schemas.js';
import type { AuthService, ClientInfo } from './service.js';
import type { DevInitData, InitDataValidation, SessionList, TokenClaims, TokenPair } from '../../shared/contract/index.js';

export interface AuthRoutesDeps {
  config: Config;
  revocations: SessionRevocations;
  /** Per client address (IPv6 by /64), on every /auth/* route. */
  ipLimit: RateLimit;
  /** Per user, on the routes that know the user (a user behind many IPs is still limited). */
  userLimit: RateLimit;
}

function clientOf(ctx: Context): ClientInfo {
  return { ip: ctx.ip ? ctx.ip.slice(0, 64) : null, userAgent: ctx.get('user-agent').slice(0, 512) || null };
}

export function authRoutes(service: AuthService, deps: AuthRoutesDeps): Router {
  const router = new Router({ prefix: '/auth' });
  // Tokens, init data and session lists are for this client alone: no browser or proxy cache keeps them (RFC 6749 §5.1).
  router.use(async function noStore(ctx: Context, next: Next) {
    ctx.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    await next();
  });
  const requireUser = requireAuth(deps);
  const authenticated = async (ctx: Context, next: Next) =>
    requireUser(ctx, async () => {
      await deps.userLimit.consume(caller(ctx).userId);
      await next();
    });

  // ctx.ip is the client as shared/http/app.ts decides it (a forwarding header only from a trusted hop).
  router.use(async function limitPerIp(ctx: Context, next: Next) {
    await deps.ipLimit.consume(addressKey(ctx.ip));
    await next();
  });

  router.post('/validate', (ctx) => {
    const { init_data } = parse(InitDataBody, ctx.request.body);
    ctx.body = service.validate(init_data) satisfies InitDataValidation;
  });

  router.post('/token', async (ctx) => {
    const { init_data } = parse(InitDataBody, ctx.request.body);
    ctx.body = (await service.login(init_data, clientOf(ctx))) satisfies TokenPair;
  });

  // The Telegram Login Widget (or its login link): the moderator console's sign-in in a plain browser.
  router.post('/telegram-login', async (ctx) => {
    const fields = parse(TelegramLoginBody, ctx.request.body);
    ctx.body = (await service.loginWithWidget(fields, clientOf(ctx))) satisfies TokenPair;
  });

  router.post('/refresh', async (ctx) => {
    const { refresh_token } = parse(RefreshBody, ctx.request.body);
    ctx.body = (await service.refresh(refresh_token)) satisfies TokenPair;
  });

  router.get('/verify', authenticated, (ctx) => {
    const c = caller(ctx);
    ctx.body = { user_id: c.userId, session_id: c.sessionId, exp: c.exp, expires_at: new Date(c.exp * 1000).toISOString() } satisfies TokenClaims;
  });

  router.get('/sessions', authenticated, async (ctx) => {
    ctx.body = (await service.sessions(caller(ctx))) satisfies SessionList;
  });

  router.delete('/sessions/:id', authenticated, async (ctx) => {
    // Not a session id: no such session, the same answer as someone else's.
    if (!SessionIdParam.safeParse(ctx.params.id).success) throw AppError.notFound('No such session');
    await service.deleteSession(caller(ctx), ctx.params.id);
    ctx.status = 204;
  });

  router.post('/logout', authenticated, async (ctx) => {
    await service.logout(caller(ctx));
    ctx.status = 204;
  });

  if (deps.config.devMode) {
    router.post('/dev/init-data', (ctx) => {
      const { user } = parse(DevInitDataBody, ctx.request.body);
      ctx.body = service.devInitData(user) satisfies DevInitData;
    });
  }

  return router;
}
