// HTTP only: parse the request, call the service, shape the response.
import Router from '@koa/router';
import { requireAuth, caller } from '../../shared/http/auth.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { parse } from '../../shared/validation.js';
import type { DiscoveryService } from './service.js';
import { CandidatesQuery, LikesQuery, MatchParams, ReportBody, RewindBody, SWIPE_ACTIONS, TargetBody } from './schemas.js';
import type { CandidatePage, LikeList, MatchList, ReportAccepted, RewindResult, SwipeResult } from '../../shared/contract/index.js';

export function discoveryRoutes(deps: Pick<ServiceDeps, 'config' | 'revocations'>, service: DiscoveryService): Router {
  const router = new Router({ prefix: '/discovery' });
  router.use(requireAuth(deps));

  router.get('/candidates', async (ctx) => {
    const q = parse(CandidatesQuery, ctx.query);
    ctx.body = (await service.candidates(caller(ctx).userId, q)) satisfies CandidatePage;
  });

  for (const action of SWIPE_ACTIONS) {
    router.post(`/${action}`, async (ctx) => {
      const { target_id } = parse(TargetBody, ctx.request.body ?? {});
      ctx.body = (await service.swipe(caller(ctx).userId, target_id, action)) satisfies SwipeResult;
    });
  }

  router.post('/rewind', async (ctx) => {
    parse(RewindBody, ctx.request.body ?? {});
    ctx.body = (await service.rewind(caller(ctx).userId)) satisfies RewindResult;
  });

  router.get('/matches', async (ctx) => {
    ctx.body = (await service.matches(caller(ctx).userId)) satisfies MatchList;
  });

  router.delete('/matches/:match_id', async (ctx) => {
    const { match_id } = parse(MatchParams, ctx.params);
    await service.unmatch(caller(ctx).userId, match_id);
    ctx.status = 204;
  });

  router.post('/block', async (ctx) => {
    const { target_id } = parse(TargetBody, ctx.request.body ?? {});
    await service.block(caller(ctx).userId, target_id);
    ctx.status = 204;
  });

  router.post('/report', async (ctx) => {
    const body = parse(ReportBody, ctx.request.body ?? {});
    ctx.body = (await service.report(caller(ctx).userId, body)) satisfies ReportAccepted;
    ctx.status = 202;
  });

  router.get('/likes', async (ctx) => {
    const { limit } = parse(LikesQuery, ctx.query);
    ctx.body = (await service.likes(caller(ctx).userId, limit)) satisfies LikeList;
  });

  return router;
}
