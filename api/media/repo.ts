// The media table: the media service's SQL. Rows that share a SHA-256 share
// their files (content addressing), so every write that adds or removes a
// reference takes a per-hash advisory lock; photo writes (the 6-photo limit,
// positions) take a per-owner lock, always before the hash lock.
import type { Knex } from 'knex';
import { blockBetween } from '../../shared/blocks.js';
import type { StoredVariants } from '../../shared/media-urls.js';
import { mediaFiles, mediaLocks } from '../../shared/storage/keys.js';
import type { MediaStatus } from '../../shared/contract/profiles.js';

export type { MediaStatus };

export interface MediaRow {
  id: string;
  owner_id: string;
  status: MediaStatus;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  sha256: string;
  original_key: string;
  variants: StoredVariants | null;
  nsfw_score: number | null;
  reject_reason: string | null;
  position: number | null;
  moderated_at: Date | null;
  created_at: Date;
  kind: 'image' | 'video' | 'voice';
  duration_s: number | null;
  waveform: number[] | null;
  profile_video: boolean;
}

const COLUMNS = [
  'id',
  'owner_id',
  'status',
  'mime',
  'size',
  'width',
  'height',
  'sha256',
  'original_key',
  'variants',
  'nsfw_score',
  'reject_reason',
  'position',
  'moderated_at',
  'created_at',
  'kind',
  'duration_s',
  'waveform',
  'profile_video',
];

export async function lockOwnerPhotos(trx: Knex.Transaction, ownerId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [mediaLocks.owner(ownerId)]);
}

export async function lockContent(trx: Knex.Transaction, sha256: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [mediaLocks.content(sha256)]);
}

export async function insertMedia(
  db: Knex,
  row: Pick<MediaRow, 'owner_id' | 'mime' | 'size' | 'width' | 'height' | 'sha256' | 'original_key' | 'position'> & Partial<Pick<MediaRow, 'kind' | 'duration_s'>>,
): Promise<MediaRow> {
  const [inserted] = await db('media').insert(row).returning(COLUMNS);
  return inserted as MediaRow;
}

export async function findMedia(db: Knex, id: string): Promise<MediaRow | undefined> {
  return db('media').where('id', id).first(COLUMNS);
}

export async function findMediaForUpdate(trx: Knex.Transaction, id: string): Promise<MediaRow | undefined> {
  return trx('media').where('id', id).forUpdate().first(COLUMNS);
}

export async function mediaOf(db: Knex, ownerId: string, opts: { approvedOnly: boolean }): Promise<MediaRow[]> {
  const q = db('media').select(COLUMNS).where('owner_id', ownerId).orderBy('created_at', 'desc').orderBy('id').limit(200);
  // Others never see media sent only in chat: its files are for the conversation's members (shared/chat-attachments.ts).
  if (opts.approvedOnly) q.andWhere('status', 'approved').andWhere((w) => w.whereNotNull('position').orWhere('profile_video', true).orWhere('in_chat', false));
  return q;
}

/** Sent in chat and neither a profile photo nor the profile clip: only its owner sees it as media. */
export async function chatOnly(db: Knex, id: string): Promise<boolean> {
  const row = await db('media').where({ id, in_chat: true, profile_video: false }).whereNull('position').first('id');
  return Boolean(row);
}

export async function photosOf(db: Knex, ownerId: string, opts: { approvedOnly: boolean }): Promise<MediaRow[]> {
  const q = db('media').select(COLUMNS).where('owner_id', ownerId).whereNotNull('position').orderBy('position');
  if (opts.approvedOnly) q.andWhere('status', 'approved');
  return q;
}

export async function photoCount(db: Knex, ownerId: string): Promise<number> {
  const row = await db('media').where('owner_id', ownerId).whereNotNull('position').count<{ n: number }[]>({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

/**
 * The owner's media attached to nothing (not a profile photo nor clip; messages carry
 * no attachments yet): how many, and when the oldest was uploaded. These are
 * the ones the moderation worker expires (workers/moderation/repo.ts).
 */
export async function unattachedOf(db: Knex, ownerId: string): Promise<{ count: number; oldest: Date | null }> {
  const row = await db('media').where({ owner_id: ownerId, profile_video: false, in_chat: false }).whereNull('position').first(db.raw('count(*)::int AS count'), db.raw('min(created_at) AS oldest'));
  return { count: Number(row?.count ?? 0), oldest: row?.oldest ?? null };
}

export async function setPosition(trx: Knex.Transaction, id: string, position: number): Promise<MediaRow> {
  const [row] = await trx('media').where('id', id).update({ position }).returning(COLUMNS);
  return row as MediaRow;
}

/**
 * Renumbers the owner's photos 0..n-1 in the given order. The unique
 * (owner_id, position) index is checked row by row, so positions pass
 * through negative values first to let any two photos swap.
 */
export async function writePositions(trx: Knex.Transaction, ownerId: string, orderedIds: string[]): Promise<void> {
  for (const [i, id] of orderedIds.entries()) await trx('media').where({ id, owner_id: ownerId }).update({ position: -1 - i });
  for (const [i, id] of orderedIds.entries()) await trx('media').where({ id, owner_id: ownerId }).update({ position: i });
}

export async function deleteMediaRow(trx: Knex.Transaction, id: string): Promise<void> {
  await trx('media').where('id', id).delete();
}

/** Files still referenced by other rows with this content hash. */
export async function keysInUse(trx: Knex.Transaction, sha256: string): Promise<Set<string>> {
  const rows: Pick<MediaRow, 'sha256' | 'original_key' | 'variants'>[] = await trx('media').select('sha256', 'original_key', 'variants').where('sha256', sha256);
  const keys = new Set<string>();
  for (const r of rows) for (const k of mediaFiles(r)) keys.add(k);
  return keys;
}

/** Approved rows made from this original: the only ones whose variants are served. */
export async function approvedByContent(db: Knex, sha256: string): Promise<Pick<MediaRow, 'variants'>[]> {
  return db('media').select('variants').where({ sha256, status: 'approved' });
}

/** The owner's profile clip, if any. */
export async function profileVideoOf(db: Knex, ownerId: string): Promise<MediaRow | undefined> {
  return db('media').where({ owner_id: ownerId, profile_video: true }).first(COLUMNS);
}

/** Makes `id` the owner's one profile clip (the one before, if any, is detached first). */
export async function setProfileVideo(trx: Knex.Transaction, ownerId: string, id: string): Promise<MediaRow> {
  await trx('media').where({ owner_id: ownerId, profile_video: true }).whereNot('id', id).update({ profile_video: false });
  const [row] = await trx('media').where('id', id).update({ profile_video: true }).returning(COLUMNS);
  return row as MediaRow;
}

/**
 * Whether `viewerId` may see `ownerId`'s media: the owner has a profile that
 * is not hidden, is not banned, and neither has blocked the other. The same
 * rule the public profile view follows (shared/public-profile.ts).
 */
export async function ownerVisibleTo(db: Knex, viewerId: string, ownerId: string): Promise<boolean> {
  const row = await db('profiles as p')
    .join('users as u', 'u.id', 'p.user_id')
    .where('p.user_id', ownerId)
    .whereNot('p.visibility', 'hidden')
    .whereNull('u.banned_at')
    .whereNotExists(blockBetween(db, viewerId, ownerId))
    .first(db.raw('1 as ok'));
  return Boolean(row);
}
