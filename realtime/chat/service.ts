// The chat rules, shared by the socket events and the REST fallback: only
// members of a live match chat, sends are rate limited per user (Redis, shared
// by every node), stored through the group-commit writer (which enqueues their
// message.created with them), acked after commit and delivered live to user rooms.
import type { ServiceDeps } from '../../shared/platform.js';
import { AppError } from '../../shared/errors.js';
import { parse } from '../../shared/validation.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import { loadPublicProfiles } from '../../shared/public-profile.js';
import type { ChatMessage } from '../events.js';
import type { Delivery } from '../delivery.js';
import type { MessageWriter, SendRequest, SendResult } from './writer.js';
import * as repo from './repo.js';
import { MessagesQuerySchema, ReadSchema, RevealSchema, SendSchema } from './schemas.js';
import { ChatAttachments } from './attachments.js';
import { AbuseControls } from '../abuse/controls.js';
import { MessageActions } from './actions.js';
import { isOffensive, needsConfirmation } from '../abuse/offensive.js';
import { histogram } from '../../shared/metrics.js';

/** Where a call came from: the socket that sent it is left out of the echo to the sender's devices. */
export interface Origin {
  socketId?: string;
}

const MAX_CONVERSATIONS = 500;

const sendSeconds = histogram({
  name: 'chat_send_duration_seconds',
  help: 'A send from its arrival to its commit (rate limit, queue, batch)',
  buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
});

export class ChatService {
  private readonly sendLimit: RateLimit;
  private readonly abuse: AbuseControls;
  /** React, edit, unsend. */
  readonly actions: MessageActions;
  /** Photos and voice notes. */
  readonly attachments: ChatAttachments;

  constructor(
    private readonly deps: ServiceDeps,
    private readonly writer: MessageWriter,
    private readonly delivery: Delivery,
  ) {
    this.sendLimit = deps.limiter('chat-send', deps.config.rateLimits.messagesPerMin, 60);
    this.abuse = new AbuseControls(deps.db, deps.limiter, deps.config);
    this.attachments = new ChatAttachments(deps);
    this.actions = new MessageActions(deps, delivery, (c, u) => this.requireLive(c, u), this.attachments);
  }

  async send(userId: string, input: unknown, origin: Origin = {}): Promise<{ message: ChatMessage; duplicate: boolean }> {
    const req = parse(SendSchema, input);
    const flagged = req.body !== undefined && isOffensive(req.body);
    if (flagged && !req.confirm) throw needsConfirmation();
    const done = sendSeconds.startTimer();
    const send: SendRequest = { senderId: userId, conversationId: req.conversation_id, body: req.body ?? null, clientMsgId: req.client_msg_id, replyToSeq: req.reply_to_seq, flagged };
    const r = await this.writer.submit(send, async () => {
      // The rate limit first: a refused send must not use up a reported user's new-conversation allowance.
      await this.sendLimit.consume(userId);
      const [attachment] = await Promise.all([
        req.attachment ? this.attachments.admit(userId, req.conversation_id, req.attachment.media_id) : undefined,
        this.abuse.check(userId, req.conversation_id, req.body ?? ''),
        this.checkReply(userId, req.conversation_id, req.reply_to_seq),
      ]);
      // The writer reads the request only once its admission passed.
      send.attachment = attachment;
    });
    await this.attachments.show([r.message]);
    done();
    if (r.created) this.deliver(r, origin);
    return { message: r.message, duplicate: !r.created };
  }

  /** A reply answers a stored message of the same conversation (a non-member is refused by the write itself). */
  private async checkReply(userId: string, conversationId: string, replyToSeq: number | undefined) {
    if (replyToSeq === undefined) return;
    const access = await repo.conversationAccess(this.deps.db, conversationId, userId);
    if (access && replyToSeq > access.last_seq) throw AppError.notFound('The message replied to was not found');
  }

  private deliver(r: SendResult, origin: Origin) {
    this.delivery.message(r.message, r.recipients, origin.socketId);
  }

  /** Marks everything up to `seq` read; the read position only moves forward. */
  async read(userId: string, input: unknown, origin: Origin = {}): Promise<{ conversation_id: string; seq: number }> {
    const { conversation_id, seq } = parse(ReadSchema, input);
    const access = await this.requireLive(conversation_id, userId);
    const r = await repo.advanceReadPosition(this.deps.db, conversation_id, userId, seq);
    if (r.advanced) this.delivery.read(conversation_id, userId, r.seq, access.peer_ids, origin.socketId);
    return { conversation_id, seq: r.seq };
  }

  /** 404 for a conversation the user is not in (or that does not exist), 403 when it is not live. */
  async requireLive(conversationId: string, userId: string): Promise<repo.ConversationAccess> {
    const access = await repo.conversationAccess(this.deps.db, conversationId, userId);
    if (!access) throw AppError.notFound('Conversation not found');
    if (!access.live) throw AppError.forbidden('This conversation is closed');
    return access;
  }

  /** The original of a blurred photo: a signed URL, for a member of the live conversation. */
  async reveal(userId: string, input: unknown): Promise<{ url: string }> {
    const { conversation_id, seq } = parse(RevealSchema, input);
    await this.requireLive(conversation_id, userId);
    return this.attachments.reveal(userId, conversation_id, seq);
  }

  async conversations(userId: string) {
    const rows = await repo.listConversations(this.deps.db, userId, MAX_CONVERSATIONS);
    const peers = await loadPublicProfiles(this.deps.db, this.deps.config, rows.map((r) => r.peer_id), { userId }, { includeHidden: true });
    // A peer without a public view (banned, deleted, blocked) takes the conversation with them.
    const shown = rows.filter((r) => peers.has(r.peer_id));
    const last = await this.attachments.show(shown.map((r) => (r.last ? repo.toMessage(r.last) : null)));
    return shown.map((r, i) => ({
        conversation_id: r.conversation_id,
        match_id: r.match_id,
        peer: peers.get(r.peer_id)!,
        last_message: last[i],
        unread_count: r.unread_count,
        last_read_seq: r.last_read_seq,
        created_at: r.created_at.toISOString(),
      }));
  }

  async messages(userId: string, conversationId: string, query: unknown) {
    const q = parse(MessagesQuerySchema, query);
    // The cursor is read before the page: a change landing in between is fetched again next time, never missed.
    const access = await this.requireLive(conversationId, userId);
    const page = await repo.listMessages(this.deps.db, conversationId, userId, {
      beforeSeq: q.before_seq,
      afterSeq: q.after_seq,
      eventsAfter: q.events_after,
      limit: q.limit,
    });
    return { messages: await this.attachments.show(page.messages), has_more: page.hasMore, change_seq: access.last_change_seq };
  }

  /** The peers of a live conversation, for typing indicators. */
  async peersOf(conversationId: string, userId: string): Promise<string[]> {
    return (await this.requireLive(conversationId, userId)).peer_ids;
  }

  matchedUserIds(userId: string) {
    return repo.matchedUserIds(this.deps.db, userId);
  }

  filterMatched(userId: string, candidates: string[]) {
    return repo.filterMatched(this.deps.db, userId, candidates);
  }
}
