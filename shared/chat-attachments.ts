// The URLs of chat attachments (issue 18): a photo or voice note in a message is
// never served by its content-addressed key. Its URL names the message, the
// file (`file`, or `preview`: the blurred preview of a flagged photo) and an
// expiry, signed with HMAC-SHA256 under a key derived from the server's JWT
// secret. The media file route (api/media) checks the signature and the expiry,
// then, on every request, that the message still has its attachment and its
// conversation is still live (open, match not ended, no block either way): an
// unmatch, a block or an unsend cuts access at once, even to a URL handed out
// before. The realtime tier signs; the media service verifies.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import type { Config } from './config.js';
import { blockedEitherWaySql } from './blocks.js';
import { fileUrl, type StoredAvFiles, type StoredVariants } from './media-urls.js';
import type { AttachmentKind } from './media-attachment.js';

export type AttachmentFile = 'file' | 'preview';
export const ATTACHMENT_FILES: readonly AttachmentFile[] = ['file', 'preview'];

type SignConfig = Pick<Config, 'media' | 'jwt' | 'chatAttachments'>;

/** Domain-separated from the JWT signing key: a URL signature can never pass as anything else. */
function urlKey(config: Pick<Config, 'jwt'>): Buffer {
  return createHmac('sha256', config.jwt.secret).update('chat-attachment-url/v1').digest();
}

function signature(config: Pick<Config, 'jwt'>, messageId: string, file: AttachmentFile, exp: number): string {
  return createHmac('sha256', urlKey(config)).update(`${messageId}/${file}/${exp}`).digest('base64url');
}

/** The storage-relative path of an attachment file, under MEDIA_PUBLIC_URL. */
export const attachmentPath = (messageId: string, file: AttachmentFile) => `chat/${messageId}/${file}`;

/**
 * A signed URL of one file of a message's attachment, valid for
 * CHAT_ATTACHMENT_URL_TTL_S. The expiry is rounded up to a tenth of the TTL so
 * a page of history signed twice in a row gives the same URLs (browser caches).
 */
export function signAttachmentUrl(config: SignConfig, messageId: string, file: AttachmentFile, nowMs = Date.now()): string {
  const ttl = config.chatAttachments.urlTtlS;
  const step = Math.max(1, Math.floor(ttl / 10));
  const exp = Math.ceil((Math.floor(nowMs / 1000) + ttl) / step) * step;
  return `${fileUrl(config, attachmentPath(messageId, file))}?exp=${exp}&sig=${signature(config, messageId, file, exp)}`;
}

/** Whether `sig` signs (messageId, file, exp) and exp is still ahead. */
export function verifyAttachmentSignature(config: Pick<Config, 'jwt'>, messageId: string, file: AttachmentFile, exp: number, sig: string, nowMs = Date.now()): boolean {
  if (!Number.isSafeInteger(exp) || exp * 1000 <= nowMs) return false;
  const want = Buffer.from(signature(config, messageId, file, exp));
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface LiveAttachment {
  media_id: string;
  kind: AttachmentKind;
  variants: StoredVariants | StoredAvFiles | null;
  sha256: string;
  blurred: boolean;
}

/**
 * The attachment of message `messageId` while it may be served: the message is
 * not unsent, its media is approved, and its conversation is live.
 */
export async function liveAttachment(db: Knex, messageId: string): Promise<LiveAttachment | undefined> {
  const { rows } = await db.raw(
    `SELECT md.id AS media_id, md.kind, md.variants, md.sha256, x.attachment_blurred AS blurred
       FROM messages x
       JOIN media md ON md.id = x.attachment_media_id AND md.status = 'approved'
       JOIN conversations c ON c.id = x.conversation_id
       JOIN matches m ON m.id = c.match_id
      WHERE x.id = ? AND x.deleted_at IS NULL
        AND c.closed_at IS NULL AND m.ended_at IS NULL
        AND NOT ${blockedEitherWaySql('m.user_a', 'm.user_b')}`,
    [messageId],
  );
  return rows[0] as LiveAttachment | undefined;
}
