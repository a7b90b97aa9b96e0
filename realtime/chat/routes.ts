// The REST fallback of the chat (API.md § Chat): same rules and same live
// delivery as the socket events, for clients that cannot hold a socket and for
// catching up after a long disconnection (GET /chat/messages/{id}?after_seq=).
import Router from '@koa/router';
import type { ServiceDeps } from '../../shared/platform.js';
import { caller, requireAuth } from '../../shared/http/auth.js';
import { parse } from '../../shared/validation.js';
import type { ChatService } from './service.js';
import { ConversationParams as Params, DeleteQuerySchema, EditBodySchema, MessageParams, ReactBodySchema, ReadBodySchema, ReportBodySchema } from './schemas.js';
import type { AttachmentRevealed, ConversationList, MessageChanged, MessageDeleted, MessagePage, MessageReported, MessageSent, ReactionSet } from '../../shared/contract/index.js';

export function chatRouter(deps: ServiceDeps, chat: ChatService): Router {
  const router = new Router({ prefix: '/chat' });
  router.use(requireAuth({ config: deps.config, revocations: deps.revocations }));

  router.get('/conversations', async (ctx) => {
    ctx.body = { conversations: await chat.conversations(caller(ctx).userId) } satisfies ConversationList;
  });

  router.get('/messages/:conversation_id', async (ctx) => {
    const { conversation_id } = parse(Params, ctx.params);
    ctx.body = (await chat.messages(caller(ctx).userId, conversation_id, ctx.query)) satisfies MessagePage;
  });

  router.post('/messages', async (ctx) => {
    const r = await chat.send(caller(ctx).userId, ctx.request.body);
    ctx.status = r.duplicate ? 200 : 201;
    ctx.body = { message: r.message } satisfies MessageSent;
  });

  router.post('/conversations/:conversation_id/read', async (ctx) => {
    const { conversation_id } = parse(Params, ctx.params);
    const { seq } = parse(ReadBodySchema, ctx.request.body ?? {});
    await chat.read(caller(ctx).userId, { conversation_id, seq });
    ctx.status = 204;
  });

  // One message: /chat/messages/{conversation_id}/{seq} (the socket's message:react, :edit, :delete).
  router.put('/messages/:conversation_id/:seq/reaction', async (ctx) => {
    const target = parse(MessageParams, ctx.params);
    const body = parse(ReactBodySchema, ctx.request.body ?? {});
    ctx.body = (await chat.actions.react(caller(ctx).userId, { ...target, ...body })) satisfies ReactionSet;
  });

  router.put('/messages/:conversation_id/:seq', async (ctx) => {
    const target = parse(MessageParams, ctx.params);
    const body = parse(EditBodySchema, ctx.request.body ?? {});
    ctx.body = (await chat.actions.edit(caller(ctx).userId, { ...target, ...body })) satisfies MessageChanged;
  });

  router.delete('/messages/:conversation_id/:seq', async (ctx) => {
    const target = parse(MessageParams, ctx.params);
    const { scope } = parse(DeleteQuerySchema, ctx.query);
    ctx.body = (await chat.actions.delete(caller(ctx).userId, { ...target, scope })) satisfies MessageDeleted;
  });

  router.post('/messages/:conversation_id/:seq/report', async (ctx) => {
    const target = parse(MessageParams, ctx.params);
    const body = parse(ReportBodySchema, ctx.request.body ?? {});
    const r = await chat.actions.report(caller(ctx).userId, { ...target, ...body });
    ctx.status = r.duplicate ? 200 : 201;
    ctx.body = r satisfies MessageReported;
  });

  // The original of a blurred photo (the socket's message:reveal).
  router.post('/messages/:conversation_id/:seq/reveal', async (ctx) => {
    const target = parse(MessageParams, ctx.params);
    ctx.body = (await chat.reveal(caller(ctx).userId, target)) satisfies AttachmentRevealed;
  });

  return router;
}
