// Photos and voice notes in chat messages (issue 18). A send names a media item
// by id; it must be the sender's own, approved, and a photo or voice note
// (else one not_found for all of these). Sends with an attachment have their
// own limits per user and per conversation. Shown messages carry the
// attachment with signed, expiring URLs that the media file route honours
// only while the conversation is live (shared/chat-attachments.ts).
import type { ServiceDeps } from '../../shared/platform.js';
import { AppError } from '../../shared/errors.js';
import { findAttachableMedia, loadAttachments } from '../../shared/media-attachment.js';
import { signAttachmentUrl } from '../../shared/chat-attachments.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import type { MessageAttachment, ReportedAttachment } from '../../shared/contract/index.js';
import type { ChatMessage } from '../events.js';
import * as repo from './repo.js';

export class ChatAttachments {
  private readonly perUser: RateLimit;
  private readonly perConversation: RateLimit;

  constructor(private readonly deps: ServiceDeps) {
    const c = deps.config.chatAttachments;
    this.perUser = deps.limiter('chat-attach-user', c.perUserPer10Min, 600);
    this.perConversation = deps.limiter('chat-attach-conv', c.perConversationPer10Min, 600);
  }

  /** Checks a send's attachment (limits first, then the media); what the message will store. */
  async admit(userId: string, conversationId: string, mediaId: string): Promise<repo.AttachmentRef> {
    await this.perUser.consume(userId);
    await this.perConversation.consume(conversationId);
    const media = await findAttachableMedia(this.deps.db, this.deps.config, userId, mediaId);
    if (!media) throw AppError.notFound('Media not found');
    const blurred = media.kind === 'image' && media.nsfw_score !== null && media.nsfw_score > this.deps.config.chatAttachments.blurAbove;
    return { mediaId: media.media_id, blurred };
  }

  /** Fills in `attachment` of the messages that have one (one query for them all). */
  async show<T extends ChatMessage | null | undefined>(messages: T[]): Promise<T[]> {
    const refs = new Map<ChatMessage, repo.AttachmentRef>();
    for (const m of messages) {
      const ref = m ? repo.attachmentRefOf(m) : undefined;
      if (m && ref) refs.set(m, ref);
    }
    if (!refs.size) return messages;
    const media = await loadAttachments(this.deps.db, this.deps.config, [...refs.values()].map((r) => r.mediaId));
    for (const [m, ref] of refs) {
      const a = media.get(ref.mediaId);
      if (!a || (a.kind !== 'image' && a.kind !== 'voice')) continue;
      const blurred = a.kind === 'image' && ref.blurred;
      const view: MessageAttachment = { kind: a.kind, url: signAttachmentUrl(this.deps.config, m.id, blurred ? 'preview' : 'file') };
      if (a.duration_s !== null) view.duration_s = a.duration_s;
      if (a.waveform) view.waveform = a.waveform;
      if (a.width) view.width = a.width;
      if (a.height) view.height = a.height;
      if (blurred) view.blurred = true;
      m.attachment = view;
    }
    return messages;
  }

  /** What a report of message `m` keeps of its attachment (moderators open it by media id through the admin API). */
  async evidenceOf(m: ChatMessage): Promise<ReportedAttachment | undefined> {
    const ref = repo.attachmentRefOf(m);
    if (!ref) return undefined;
    const a = (await loadAttachments(this.deps.db, this.deps.config, [ref.mediaId])).get(ref.mediaId);
    if (!a || (a.kind !== 'image' && a.kind !== 'voice')) return undefined;
    return { media_id: ref.mediaId, kind: a.kind, blurred: a.kind === 'image' && ref.blurred };
  }

  /** The signed URL of the original of a (blurred) photo, for a member of the live conversation. */
  async reveal(userId: string, conversationId: string, seq: number): Promise<{ url: string }> {
    const m = await repo.viewMessage(this.deps.db, conversationId, seq, userId);
    const ref = m && repo.attachmentRefOf(m);
    if (!m || !ref) throw AppError.notFound('No attachment to reveal');
    return { url: signAttachmentUrl(this.deps.config, m.id, 'file') };
  }
}
