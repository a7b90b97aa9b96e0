// The moderation worker's SQL on the media table (which it shares with the
// media service: same content and owner locks, see shared/storage/keys.ts).
import type { Knex } from 'knex';
import type { StoredVariants } from '../../shared/media-urls.js';
import { mediaFiles, mediaLocks } from '../../shared/storage/keys.js';
import type { NsfwScores } from './nsfw.js';
import type { ModerationStatus } from './pipeline.js';

/** What deleting a media row and its files needs of it. */
type DeletableMedia = Pick<MediaJobRow, 'id' | 'sha256' | 'original_key' | 'variants'>;

export interface MediaJobRow {
  id: string;
  owner_id: string;
  status: 'pending' | ModerationStatus;
  sha256: string;
  original_key: string;
  variants: StoredVariants | null;
  nsfw_score: number | null;
  kind: 'image' | 'video' | 'voice';
}

const COLUMNS = ['id', 'owner_id', 'status', 'sha256', 'original_key', 'variants', 'nsfw_score', 'kind'];

export async function findMedia(db: Knex, id: string): Promise<MediaJobRow | undefined> {
  return db('media').where('id', id).first(COLUMNS);
}

export interface Outcome {
  status: ModerationStatus;
  width: number | null;
  height: number | null;
  variants: StoredVariants | null;
  nsfw_scores: NsfwScores | null;
  nsfw_score: number | null;
  reject_reason: string | null;
  /** Clips and voice notes: their length, and a voice note's waveform. */
  duration_s?: number;
  waveform?: number[];
}

/**
 * Records the outcome if the media is still pending, and runs `announce` in
 * the same transaction; undefined when another job (or a delete) came first.
 */
export async function finishModeration(
  db: Knex,
  id: string,
  o: Outcome,
  announce: (trx: Knex.Transaction, row: MediaJobRow) => Promise<void>,
): Promise<MediaJobRow | undefined> {
  return db.transaction(async (trx) => {
    const [row] = (await trx('media')
      .where({ id, status: 'pending' })
      .update({
        status: o.status,
        ...(o.width !== null ? { width: o.width, height: o.height } : {}),
        variants: o.variants === null ? null : JSON.stringify(o.variants),
        nsfw_scores: o.nsfw_scores === null ? null : JSON.stringify(o.nsfw_scores),
        nsfw_score: o.nsfw_score,
        reject_reason: o.reject_reason,
        ...(o.duration_s !== undefined ? { duration_s: o.duration_s } : {}),
        ...(o.waveform !== undefined ? { waveform: JSON.stringify(o.waveform) } : {}),
        moderated_at: trx.fn.now(),
      })
      .returning(COLUMNS)) as MediaJobRow[];
    if (row) await announce(trx, row);
    return row;
  });
}

async function lock(trx: Knex.Transaction, name: string) {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [name]);
}

/** Files among `keys` (all made from content `sha256`) that no media row uses any more. */
export async function unusedFiles(trx: Knex.Transaction, sha256: string, keys: string[]): Promise<string[]> {
  const rows = await trx('media').select('sha256', 'original_key', 'variants').where('sha256', sha256);
  const inUse = new Set(rows.flatMap((r) => mediaFiles(r)));
  return keys.filter((k) => !inUse.has(k));
}

/**
 * Runs `work` holding the content lock of `sha256`: what it finds unused stays
 * unused until it is done (an upload of the same bytes waits for the lock).
 */
export async function withContentLock<T>(db: Knex, sha256: string, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (trx: Knex.Transaction) => {
    await lock(trx, mediaLocks.content(sha256));
    return work(trx);
  });
}

/**
 * Deletes a user's media created up to `before` and hands the files no other
 * row uses to `removeFiles`, inside the same locks (owner, then each content
 * hash in sorted order, so two purges never deadlock).
 */
export async function purgeOwner(db: Knex, ownerId: string, before: Date, removeFiles: (keys: string[]) => Promise<void>): Promise<number> {
  return db.transaction(async (trx: Knex.Transaction) => {
    await lock(trx, mediaLocks.owner(ownerId));
    const rows: DeletableMedia[] = await trx('media')
      .select('id', 'sha256', 'original_key', 'variants')
      .where('owner_id', ownerId)
      .andWhere('created_at', '<=', before)
      .forUpdate();
    if (!rows.length) return 0;
    const hashes = [...new Set(rows.map((r) => r.sha256))].sort();
    for (const sha of hashes) await lock(trx, mediaLocks.content(sha));
    return deleteMedia(trx, rows, hashes, removeFiles);
  });
}

/**
 * Deletes these media rows (their content locks held by the caller) and then
 * the files no other row still uses; resolves with the number of rows deleted.
 */
async function deleteMedia(
  trx: Knex.Transaction,
  rows: DeletableMedia[],
  hashes: string[],
  removeFiles: (keys: string[]) => Promise<void>,
): Promise<number> {
  await trx('media')
    .whereIn(
      'id',
      rows.map((r) => r.id),
    )
    .delete();
  const unused: string[] = [];
  for (const sha of hashes) {
    const keys = [...new Set(rows.filter((r) => r.sha256 === sha).flatMap((r) => mediaFiles(r)))];
    unused.push(...(await unusedFiles(trx, sha, keys)));
  }
  await removeFiles(unused);
  return rows.length;
}

async function tryLock(trx: Knex.Transaction, name: string): Promise<boolean> {
  const { rows } = await trx.raw('SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0)) AS ok', [name]);
  return rows[0].ok === true;
}

/**
 * One batch of the expiry sweep: deletes up to `limit` media attached to
 * nothing (not a profile photo: position IS NULL, nor the profile clip), first
 * those released by an unsend (released_at, media_released_idx; a message that
 * carries the media again, or an open report that holds it as evidence, keeps
 * it), then those uploaded more than `ttlS` ago
 * and never sent in chat, oldest first (media_unattached_created_at_idx), and
 * hands the files no other row uses to `removeFiles` while their content locks
 * are held. Resolves with the number of rows deleted.
 *
 * Several workers sweep at once: rows another sweep or a request holds are
 * skipped (SKIP LOCKED). Content locks are only tried: this transaction
 * already holds row locks, and the media service's delete takes the content
 * lock before the row lock, so waiting here could deadlock. Media whose
 * content is busy waits for the next pass.
 */
export async function expireUnattached(db: Knex, ttlS: number, limit: number, removeFiles: (keys: string[]) => Promise<void>): Promise<number> {
  return db.transaction(async (trx: Knex.Transaction) => {
    const unattached = () => trx('media').select('id', 'sha256', 'original_key', 'variants').whereNull('position').where('profile_video', false);
    const released: DeletableMedia[] = await unattached()
      .whereNotNull('released_at')
      .whereNotExists((q) => q.select(trx.raw('1')).from('messages').whereRaw('messages.attachment_media_id = media.id'))
      .whereNotExists((q) => q.select(trx.raw('1')).from('reports').whereRaw('reports.evidence_media_id = media.id').where('reports.status', 'open'))
      .orderBy('released_at')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    const old: DeletableMedia[] =
      released.length < limit
        ? await unattached()
            .where('in_chat', false)
            .where('created_at', '<', trx.raw('now() - make_interval(secs => ?)', [ttlS]))
            .orderBy('created_at')
            .limit(limit - released.length)
            .forUpdate()
            .skipLocked()
        : [];
    const rows = [...released, ...old];
    const hashes: string[] = [];
    for (const sha of [...new Set(rows.map((r) => r.sha256))].sort()) if (await tryLock(trx, mediaLocks.content(sha))) hashes.push(sha);
    const expired = rows.filter((r) => hashes.includes(r.sha256));
    if (!expired.length) return 0;
    return deleteMedia(trx, expired, hashes, removeFiles);
  });
}
