// What members do to a stored message: react, edit, unsend (or delete for
// themselves). Shared by the socket events and the REST fallback, like sends.
// None of them takes a message seq (the message stream stays gapless): each
// change takes the conversation's next change cursor instead, so a client that
// was away catches up with "changed after my cursor" (GET …?events_after=).
// Each is one transaction; the ack and the live event follow its commit.
// A retry applies once: setting what is already set changes nothing and
// announces nothing, and an optional client_id names a retried edit or reaction.
import type { Knex } from 'knex';
import type { ServiceDeps } from '../../shared/platform.js';
import { AppError } from '../../shared/errors.js';
import { parse } from '../../shared/validation.js';
import type { ReactionSet, MessageDeleted } from '../../shared/contract/index.js';
import { EDIT_WINDOW_MS, type ChatMessage } from '../events.js';
import type { Delivery } from '../delivery.js';
import { DeleteSchema, EditSchema, ReactSchema, ReportSchema } from './schemas.js';
import * as repo from './repo.js';
import * as abuseRepo from '../abuse/repo.js';
import { isOffensive, needsConfirmation } from '../abuse/offensive.js';
import type { Origin } from './service.js';
import type { ChatAttachments } from './attachments.js';

/** reports.priority: profile reports are 0; the admin queue ranks by it first. */
const MESSAGE_REPORT_PRIORITY = { message: 1, flagged: 2 } as const;

type RequireLive = (conversationId: string, userId: string) => Promise<repo.ConversationAccess>;

export class MessageActions {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly delivery: Delivery,
    private readonly requireLive: RequireLive,
    private readonly attachments: ChatAttachments,
  ) {}

  /** One reaction per user per message; `emoji: null` removes it. */
  async react(userId: string, input: unknown, origin: Origin = {}): Promise<ReactionSet> {
    const { conversation_id, seq, emoji, client_id } = parse(ReactSchema, input);
    const access = await this.requireLive(conversation_id, userId);
    const r = await this.deps.db.transaction(async (trx) => {
      const m = await this.target(trx, conversation_id, seq);
      const current = (await repo.reactionOf(trx, m.id, userId)) ?? null;
      const retried = client_id !== undefined && !(await repo.claimActionKey(trx, userId, client_id));
      if (retried || current === emoji) return { m, emoji: current, change: m.change_seq, changed: false };
      await repo.setReaction(trx, m.id, userId, emoji);
      return { m, emoji, change: await repo.stampChange(trx, conversation_id, m.id), changed: true };
    });
    const set: ReactionSet = {
      conversation_id,
      seq,
      emoji: r.emoji as ReactionSet['emoji'],
      reactions: await repo.reactionCounts(this.deps.db, r.m.id),
      change_seq: r.change,
    };
    if (r.changed) this.delivery.reaction({ ...set, user_id: userId }, access.peer_ids, origin.socketId);
    return set;
  }

  /** The sender rewrites a text message within EDIT_WINDOW_MS. */
  async edit(userId: string, input: unknown, origin: Origin = {}): Promise<{ message: ChatMessage }> {
    const { conversation_id, seq, body, client_id, confirm } = parse(EditSchema, input);
    const flagged = isOffensive(body);
    if (flagged && !confirm) throw needsConfirmation();
    const access = await this.requireLive(conversation_id, userId);
    const changed = await this.deps.db.transaction(async (trx) => {
      const m = await this.target(trx, conversation_id, seq);
      if (m.sender_id !== userId) throw AppError.forbidden('Only the sender may edit a message');
      if (client_id !== undefined && !(await repo.claimActionKey(trx, userId, client_id))) return false;
      if (m.body === body) return false;
      if (Date.now() - m.created_at.getTime() > EDIT_WINDOW_MS) throw AppError.forbidden(`A message can be edited for ${EDIT_WINDOW_MS / 60_000} minutes after it is sent`);
      await repo.editMessage(trx, m.id, body, flagged);
      await repo.stampChange(trx, conversation_id, m.id);
      return true;
    });
    const [message] = await this.attachments.show([(await repo.viewMessage(this.deps.db, conversation_id, seq, userId))!]);
    if (changed) this.delivery.edited(forEveryone(message), access.peer_ids, origin.socketId);
    return { message };
  }

  /**
   * scope `everyone`: the sender unsends it while no peer has read it (body
   * removed from storage, the placeholder keeps its seq); `me`: any member
   * hides it from their own history.
   */
  async delete(userId: string, input: unknown, origin: Origin = {}): Promise<MessageDeleted> {
    const { conversation_id, seq, scope } = parse(DeleteSchema, input);
    const access = await this.requireLive(conversation_id, userId);
    const r = await this.deps.db.transaction(async (trx) => {
      const m = await repo.lockMessage(trx, conversation_id, seq);
      if (!m) throw AppError.notFound('Message not found');
      if (scope === 'me') {
        if (!(await repo.hideMessage(trx, m.id, userId))) return { change: m.change_seq, changed: false };
      } else {
        if (m.sender_id !== userId) throw AppError.forbidden('Only the sender may unsend a message');
        if (m.deleted_at) return { change: m.change_seq, changed: false };
        if (await repo.readByPeer(trx, conversation_id, userId, seq)) {
          throw AppError.conflict('The message was read: it can only be deleted for yourself now (scope: me)');
        }
        await repo.unsendMessage(trx, m.id);
      }
      return { change: await repo.stampChange(trx, conversation_id, m.id), changed: true };
    });
    const out: MessageDeleted = { conversation_id, seq, scope, change_seq: r.change };
    if (r.changed) this.delivery.deleted(out, scope === 'everyone' ? access.peer_ids : [], userId, origin.socketId);
    return out;
  }

  /**
   * "Does this bother you?": a member reports a peer's message. The report
   * keeps the message as evidence, its photo or voice note included (an
   * unsend later does not erase it: the expiry sweep keeps the media while
   * the report is open), and enters the admin queue ahead of profile reports,
   * further ahead when the filter had flagged the text or the photo arrived
   * blurred. Open to members of a closed conversation too (a block closes
   * it). One report per reporter and message.
   */
  async report(userId: string, input: unknown): Promise<{ report_id: string; duplicate: boolean }> {
    const { conversation_id, seq, reason, details } = parse(ReportSchema, input);
    const access = await repo.conversationAccess(this.deps.db, conversation_id, userId);
    if (!access) throw AppError.notFound('Conversation not found');
    const m = await repo.viewMessage(this.deps.db, conversation_id, seq, userId);
    if (!m) throw AppError.notFound('Message not found');
    if (m.sender_id === userId) throw AppError.forbidden('You cannot report your own message');
    if (m.deleted) throw AppError.conflict('The message was deleted');
    const attachment = await this.attachments.evidenceOf(m);
    const r = await abuseRepo.reportMessage(this.deps.db, {
      reporterId: userId,
      targetId: m.sender_id,
      messageId: m.id,
      reason,
      details: details ?? null,
      evidence: { conversation_id, seq, body: m.body, created_at: m.created_at, edited_at: m.edited_at ?? null, flagged: m.flagged === true, ...(attachment ? { attachment } : {}) },
      evidenceMediaId: attachment?.media_id ?? null,
      priority: m.flagged || attachment?.blurred ? MESSAGE_REPORT_PRIORITY.flagged : MESSAGE_REPORT_PRIORITY.message,
    });
    return { report_id: r.id, duplicate: r.duplicate };
  }

  /** The message at `seq`, locked; a deleted one cannot be reacted to or edited. */
  private async target(trx: Knex, conversationId: string, seq: number): Promise<repo.LockedMessage> {
    const m = await repo.lockMessage(trx, conversationId, seq);
    if (!m) throw AppError.notFound('Message not found');
    if (m.deleted_at) throw AppError.conflict('The message was deleted');
    return m;
  }
}

/** The caller's own reaction is theirs alone: not in what the peers get. */
function forEveryone(m: ChatMessage): ChatMessage {
  const { my_reaction: _mine, ...rest } = m;
  return rest;
}
