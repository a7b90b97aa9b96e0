// What a chat message may carry from the media service: an approved photo or
// voice note of the sender's own. The chat (realtime/chat) looks attachments
// up here and shows them in this shape; the media tables stay the media
// service's (api/media writes them, the moderation worker moderates them).
import type { Knex } from 'knex';
import type { Config } from './config.js';
import { fileUrl, variantUrls, voiceUrls, type StoredAvFiles, type StoredVariants } from './media-urls.js';

export type AttachmentKind = 'image' | 'voice' | 'video';

export interface MediaAttachment {
  media_id: string;
  /** `image` is a photo. */
  kind: AttachmentKind;
  /** The file to show or play: a photo's large variant (WebP), a voice note's Opus (WebM), a clip's 720p MP4. */
  url: string;
  width: number | null;
  height: number | null;
  duration_s: number | null;
  /** Voice notes: about 64 peaks, 0..1. */
  waveform: number[] | null;
  /** Clips: the WebP poster. */
  poster_url: string | null;
  /** The NSFW score of a photo (null when scoring is off): the chat decides whether it arrives blurred. */
  nsfw_score: number | null;
  /** The content hash of the original (to name a derived file such as a blurred preview). */
  sha256: string;
  /** The storage key of the original (a blurred preview is made from it). */
  original_key: string;
}

interface Row {
  id: string;
  kind: AttachmentKind;
  width: number | null;
  height: number | null;
  duration_s: number | null;
  waveform: number[] | null;
  variants: StoredVariants | StoredAvFiles | null;
  nsfw_score: number | null;
  sha256: string;
  original_key: string;
}

const COLUMNS = ['id', 'kind', 'width', 'height', 'duration_s', 'waveform', 'variants', 'nsfw_score', 'sha256', 'original_key'];

/**
 * The media item `mediaId` if `ownerId` owns it, it is approved, and it is of
 * one of `kinds` (default: photos and voice notes); undefined otherwise (the
 * caller answers one not_found for all of these, never telling them apart).
 */
export async function findAttachableMedia(
  db: Knex,
  config: Pick<Config, 'media'>,
  ownerId: string,
  mediaId: string,
  kinds: AttachmentKind[] = ['image', 'voice'],
): Promise<MediaAttachment | undefined> {
  const row: Row | undefined = await db('media').where({ id: mediaId, owner_id: ownerId, status: 'approved' }).whereIn('kind', kinds).first(COLUMNS);
  return row ? toAttachment(config, row) : undefined;
}

/**
 * Marks a media item as sent in a chat message, in the chat's own send
 * transaction: from then on it is attached, so the expiry sweep of unattached
 * uploads (MEDIA_UNATTACHED_TTL_S) and the unattached quota leave it alone
 * (a release by an earlier unsend is taken back).
 */
export async function markSentInChat(trx: Knex.Transaction, mediaId: string): Promise<void> {
  await trx.raw(markSentInChatSql('ARRAY[?::uuid]'), [mediaId]);
}

/** markSentInChat as a statement (or a CTE of the send's one statement) for the media ids that `idsSql` (a uuid[] expression) names. */
export function markSentInChatSql(idsSql: string): string {
  return `UPDATE media SET in_chat = true, released_at = NULL WHERE id = ANY(${idsSql}) AND (NOT in_chat OR released_at IS NOT NULL)`;
}

/**
 * The reverse, when a message gives its attachment up (unsend): once no
 * message carries the media any more it is released. It stays hidden from
 * others (in_chat is kept: what was sent privately never becomes public
 * media), and the moderation worker's next expiry sweep removes the row and
 * its files, the blurred preview included (workers/moderation/repo.ts
 * expireUnattached).
 */
export async function releaseFromChat(trx: Knex, mediaId: string): Promise<void> {
  await trx('media')
    .where('id', mediaId)
    .whereNotExists((q) => q.select(trx.raw('1')).from('messages').where('attachment_media_id', mediaId))
    .update({ released_at: trx.fn.now() });
}

/** Several media at once (a page of messages), by id; missing or unapproved ones are left out. */
export async function loadAttachments(db: Knex, config: Pick<Config, 'media'>, mediaIds: string[]): Promise<Map<string, MediaAttachment>> {
  const out = new Map<string, MediaAttachment>();
  const ids = [...new Set(mediaIds)];
  if (!ids.length) return out;
  const rows: Row[] = await db('media').whereIn('id', ids).where('status', 'approved').select(COLUMNS);
  for (const r of rows) {
    const a = toAttachment(config, r);
    if (a) out.set(r.id, a);
  }
  return out;
}

function toAttachment(config: Pick<Config, 'media'>, r: Row): MediaAttachment | undefined {
  const base = { media_id: r.id, kind: r.kind, width: r.width, height: r.height, duration_s: r.duration_s, nsfw_score: r.nsfw_score, sha256: r.sha256, original_key: r.original_key };
  if (r.kind === 'voice') {
    const voice = voiceUrls(config, r.variants as StoredAvFiles, r.duration_s, r.waveform);
    return voice ? { ...base, url: voice.url, waveform: voice.waveform, poster_url: null } : undefined;
  }
  if (r.kind === 'video') {
    const files = r.variants as StoredAvFiles | null;
    if (!files?.v720 || !files.poster) return undefined;
    return { ...base, url: fileUrl(config, files.v720.key), waveform: null, poster_url: fileUrl(config, files.poster.key) };
  }
  const urls = variantUrls(config, r.variants as StoredVariants);
  const url = urls.large ?? urls.medium ?? urls.thumb;
  return url ? { ...base, url, waveform: null, poster_url: null } : undefined;
}
