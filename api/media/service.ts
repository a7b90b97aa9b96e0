// The rules of media and profile photos: who sees what, the 6-photo limit and
// positions, content-addressed storage shared between identical uploads, and
// which files may be served. Routes parse and shape; repo.ts holds the SQL.
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import { variantUrls, videoUrls, voiceUrls, type StoredAvFiles, type VariantName } from '../../shared/media-urls.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import { fileTypeFromFile } from 'file-type';
import { mediaFiles, originalKey, parseAvKey, parseVariantKey, type ByteRange, type Storage, type StoredFile } from '../../shared/storage/index.js';
import * as repo from './repo.js';
import { servedChatFile, type ChatFileRequest } from './chat-files.js';
import { MAX_PHOTOS } from './schemas.js';
import { inspectImage } from './sniff.js';
import { bareMime, inspectClip, inspectVoice, VIDEO_CONTAINERS, VOICE_CONTAINERS, type MediaKind } from './sniff-av.js';
import { tooLarge, type UploadedFile } from './upload.js';
import type { Media, Photo, ProfileVideo } from '../../shared/contract/media.js';

// The answers' shapes are the contract's (shared/contract/media.ts).
export type MediaView = Media;
export type PhotoView = Photo;

export interface ServedFile {
  etag: string;
  contentType: string;
  /** Known for clips and voice notes (range requests need it before the file is opened). */
  size?: number;
  open(range?: ByteRange): Promise<StoredFile | null>;
}

const AV_TYPES: Record<string, string> = { mp4: 'video/mp4', webp: 'image/webp', webm: 'audio/webm' };

interface Inspected {
  kind: MediaKind;
  mime: string;
  ext: string;
  width: number | null;
  height: number | null;
  duration: number | null;
}

const NO_URLS: Record<VariantName, null> = { thumb: null, medium: null, large: null };

export class MediaService {
  private readonly uploadRate: RateLimit;

  constructor(private readonly deps: ServiceDeps & { storage: Storage }) {
    this.uploadRate = deps.limiter('uploads', deps.config.uploads.per10Min, 600);
  }

  private get db() {
    return this.deps.db;
  }

  /** Variant URLs only once approved: nothing else is ever served. */
  private urlsOf(row: repo.MediaRow) {
    return row.status === 'approved' && row.kind === 'image' ? variantUrls(this.deps.config, row.variants) : { ...NO_URLS };
  }

  mediaView(row: repo.MediaRow): MediaView {
    return {
      id: row.id,
      owner_id: row.owner_id,
      status: row.status,
      mime: row.mime,
      size: row.size,
      width: row.width,
      height: row.height,
      position: row.position,
      urls: this.urlsOf(row),
      kind: row.kind,
      duration_s: row.duration_s,
      video: row.kind === 'video' && row.status === 'approved' ? videoUrls(this.deps.config, row.variants as StoredAvFiles, row.duration_s) : null,
      voice: row.kind === 'voice' && row.status === 'approved' ? voiceUrls(this.deps.config, row.variants as StoredAvFiles, row.duration_s, row.waveform) : null,
      profile_video: row.profile_video,
      created_at: row.created_at.toISOString(),
      moderated_at: row.moderated_at ? row.moderated_at.toISOString() : null,
    };
  }

  photoView(row: repo.MediaRow): PhotoView {
    return { id: row.id, status: row.status, position: row.position ?? 0, urls: this.urlsOf(row) };
  }

  // --- upload -------------------------------------------------------------

  /**
   * Checks the file by content, records it as pending (as the owner's next
   * photo when `asPhoto`), stores the original and enqueues `media.uploaded`,
   * all in one transaction: the worker never hears of an upload whose file is
   * not stored, and a failed store leaves no row behind. The file is written
   * under the content lock, so a concurrent delete of another row with the same
   * content waits for this commit, sees this row and keeps the file.
   */
  async upload(ownerId: string, file: UploadedFile, opts: { asPhoto?: boolean; kind?: string } = {}): Promise<repo.MediaRow> {
    const image = await this.inspect(file, opts);
    const key = originalKey(file.sha256, image.ext);
    const row = await this.db.transaction(async (trx: Knex.Transaction) => {
      let position: number | null = null;
      // The owner lock makes the photo limit and the unattached quota exact under concurrent uploads.
      await repo.lockOwnerPhotos(trx, ownerId);
      if (opts.asPhoto) position = await this.nextPosition(trx, ownerId);
      else await this.assertUnattachedRoom(trx, ownerId);
      await repo.lockContent(trx, file.sha256);
      const inserted = await repo.insertMedia(trx, {
        owner_id: ownerId,
        mime: image.mime,
        size: file.size,
        width: image.width,
        height: image.height,
        sha256: file.sha256,
        original_key: key,
        position,
        kind: image.kind,
        duration_s: image.duration,
      });
      if (!(await this.deps.storage.exists(key))) await this.deps.storage.putFile(key, file.path, image.mime);
      await enqueue(trx, { type: 'media.uploaded', payload: { media_id: inserted.id, owner_id: ownerId, storage_key: key, mime: image.mime } });
      return inserted;
    });
    this.deps.logger.info({ media_id: row.id, owner_id: ownerId, size: file.size, mime: image.mime, kind: image.kind, photo: opts.asPhoto ?? false }, 'media uploaded');
    return row;
  }

  /**
   * What the upload is, by its bytes: an image, a video clip, or (asked for
   * with kind=voice, or an audio container) a voice note. Photo uploads take
   * images only. Only clips may exceed MEDIA_MAX_BYTES.
   */
  private async inspect(file: UploadedFile, opts: { asPhoto?: boolean; kind?: string }): Promise<Inspected> {
    const { media } = this.deps.config;
    if (opts.kind !== undefined && !['image', 'video', 'voice'].includes(opts.kind)) {
      throw AppError.validation([{ field: 'kind', message: 'must be image, video or voice' }]);
    }
    const type = opts.asPhoto || opts.kind === 'image' ? undefined : await fileTypeFromFile(file.path);
    const mime = type ? bareMime(type.mime) : '';
    const kind: MediaKind = opts.asPhoto ? 'image' : ((opts.kind as MediaKind | undefined) ?? (VIDEO_CONTAINERS[mime] ? 'video' : mime.startsWith('audio/') && VOICE_CONTAINERS[mime] ? 'voice' : 'image'));
    if (kind !== 'video' && file.size > media.maxBytes) throw tooLarge(media.maxBytes);
    const limits = {
      // Only the header is read here: small fixed limits.
      timeoutMs: 10_000,
      maxMemoryMb: 512,
      binary: media.av.ffmpegPath,
      maxVideoSeconds: media.av.maxVideoSeconds,
      maxVoiceSeconds: media.av.maxVoiceSeconds,
    };
    if (kind === 'video') {
      if (!VIDEO_CONTAINERS[mime]) throw unsupported('Video clips are accepted as MP4, MOV or WebM', type?.mime);
      return inspectClip(file.path, mime, limits);
    }
    if (kind === 'voice') {
      if (!VOICE_CONTAINERS[mime]) throw unsupported('Voice notes are accepted as Ogg/Opus, WebM/Opus or M4A/AAC', type?.mime);
      return inspectVoice(file.path, mime, limits);
    }
    const image = await inspectImage(file.path, { maxPixels: media.maxPixels });
    return { kind: 'image', ...image, duration: null };
  }

  // --- media --------------------------------------------------------------

  /** The owner sees any status; others approved media of a user they may see. */
  async get(viewerId: string, id: string): Promise<repo.MediaRow> {
    const row = await repo.findMedia(this.db, id);
    if (!row || !(await this.canSee(viewerId, row))) throw AppError.notFound('No such media');
    return row;
  }

  async listByUser(viewerId: string, userId: string): Promise<repo.MediaRow[]> {
    const own = viewerId === userId;
    if (!own && !(await repo.ownerVisibleTo(this.db, viewerId, userId))) throw AppError.notFound('No such user');
    return repo.mediaOf(this.db, userId, { approvedOnly: !own });
  }

  async remove(callerId: string, id: string): Promise<void> {
    const row = await repo.findMedia(this.db, id);
    if (!row || !(await this.canSee(callerId, row))) throw AppError.notFound('No such media');
    if (row.owner_id !== callerId) throw AppError.forbidden('Only the owner can delete this media');
    await this.destroy(id);
  }

  /** The owner's own original, whatever its status (never served publicly). */
  async openOriginal(callerId: string, id: string): Promise<{ row: repo.MediaRow; file: StoredFile }> {
    const row = await repo.findMedia(this.db, id);
    if (!row || row.owner_id !== callerId) throw AppError.notFound('No such media');
    const file = await this.deps.storage.open(row.original_key);
    if (!file) throw AppError.notFound('The original file is gone');
    return { row, file };
  }

  private async canSee(viewerId: string, row: repo.MediaRow): Promise<boolean> {
    if (row.owner_id === viewerId) return true;
    return row.status === 'approved' && !(await repo.chatOnly(this.db, row.id)) && (await repo.ownerVisibleTo(this.db, viewerId, row.owner_id));
  }

  /**
   * Deletes a row and every file no other row still uses. The files go while
   * the content lock is held, so an upload of the same bytes waits and then
   * writes them again. Photos left behind close up their positions.
   */
  async destroy(id: string): Promise<boolean> {
    const before = await repo.findMedia(this.db, id);
    if (!before) return false;
    return this.db.transaction(async (trx: Knex.Transaction) => {
      await repo.lockOwnerPhotos(trx, before.owner_id);
      await repo.lockContent(trx, before.sha256);
      const row = await repo.findMediaForUpdate(trx, id);
      if (!row) return false;
      await repo.deleteMediaRow(trx, id);
      if (row.position !== null) {
        const rest = await repo.photosOf(trx, row.owner_id, { approvedOnly: false });
        await repo.writePositions(
          trx,
          row.owner_id,
          rest.map((p) => p.id),
        );
      }
      const inUse = await repo.keysInUse(trx, row.sha256);
      const unused = mediaFiles(row).filter((k) => !inUse.has(k));
      await this.deps.storage.delete(unused);
      this.deps.logger.info({ media_id: id, owner_id: row.owner_id, files_removed: unused.length }, 'media deleted');
      return true;
    });
  }

  // --- profile photos -----------------------------------------------------

  async photos(viewerId: string, userId: string): Promise<repo.MediaRow[]> {
    const own = viewerId === userId;
    if (!own && !(await repo.ownerVisibleTo(this.db, viewerId, userId))) throw AppError.notFound('No such profile');
    return repo.photosOf(this.db, userId, { approvedOnly: !own });
  }

  /** Fails fast (before an upload is read) when the profile already has all its photos. */
  async assertPhotoRoom(userId: string): Promise<void> {
    if ((await repo.photoCount(this.db, userId)) >= MAX_PHOTOS) throw photoLimit();
  }

  /**
   * Before a byte of an upload is read: the per-user upload rate, then the
   * room it needs (a photo slot, or a place under the unattached quota).
   */
  async admitUpload(userId: string, opts: { asPhoto: boolean }): Promise<void> {
    await this.uploadRate.consume(userId);
    if (opts.asPhoto) await this.assertPhotoRoom(userId);
    else await this.assertUnattachedRoom(this.db, userId);
  }

  /**
   * Uploads attached to nothing are capped per user (they cost storage and
   * moderation and nobody sees them); they expire on their own, so the answer
   * says when the oldest goes.
   */
  private async assertUnattachedRoom(db: Knex, userId: string): Promise<void> {
    const { unattachedMax, unattachedTtlS } = this.deps.config.uploads;
    const { count, oldest } = await repo.unattachedOf(db, userId);
    if (count < unattachedMax) return;
    const retryAfterS = oldest ? (oldest.getTime() + unattachedTtlS * 1000 - Date.now()) / 1000 : unattachedTtlS;
    throw AppError.rateLimited(
      retryAfterS,
      'quota_exceeded',
      `At most ${unattachedMax} uploads may wait unattached; make one a profile photo or delete one, or wait for the oldest to expire`,
    );
  }

  /** Makes one of the caller's media their next photo; attaching it again is a no-op. */
  async attachPhoto(userId: string, mediaId: string): Promise<repo.MediaRow> {
    return this.db.transaction(async (trx: Knex.Transaction) => {
      await repo.lockOwnerPhotos(trx, userId);
      const row = await repo.findMediaForUpdate(trx, mediaId);
      if (!row || row.owner_id !== userId) throw AppError.notFound('No such media of yours');
      if (row.position !== null) return row;
      if (row.status === 'rejected') throw AppError.conflict('This image was rejected by moderation and cannot be a profile photo', { reason: 'media_rejected' });
      return repo.setPosition(trx, mediaId, await this.nextPosition(trx, userId));
    });
  }

  async removePhoto(userId: string, mediaId: string): Promise<void> {
    const row = await repo.findMedia(this.db, mediaId);
    if (!row || row.owner_id !== userId || row.position === null) throw AppError.notFound('No such photo');
    await this.destroy(mediaId);
  }

  /** Moves a photo to `position` (0 = first); the others keep their order around it. */
  async movePhoto(userId: string, mediaId: string, position: number): Promise<repo.MediaRow[]> {
    return this.db.transaction(async (trx: Knex.Transaction) => {
      await repo.lockOwnerPhotos(trx, userId);
      const photos = await repo.photosOf(trx, userId, { approvedOnly: false });
      const from = photos.findIndex((p) => p.id === mediaId);
      if (from < 0) throw AppError.notFound('No such photo');
      if (position > photos.length - 1) {
        throw AppError.validation([{ field: 'position', message: `must be between 0 and ${photos.length - 1} (this profile has ${photos.length} photos)` }]);
      }
      const order = photos.map((p) => p.id);
      order.splice(from, 1);
      order.splice(position, 0, mediaId);
      await repo.writePositions(trx, userId, order);
      return repo.photosOf(trx, userId, { approvedOnly: false });
    });
  }

  private async nextPosition(trx: Knex.Transaction, ownerId: string): Promise<number> {
    const n = await repo.photoCount(trx, ownerId);
    if (n >= MAX_PHOTOS) throw photoLimit();
    return n; // positions are kept 0..n-1
  }

  // --- files --------------------------------------------------------------

  /** A variant file, if it belongs to approved media; originals never qualify. */
  /** A chat attachment's file, for a verified signed URL (api/media/chat-files.ts). */
  servedChatFile(req: ChatFileRequest): Promise<ServedFile | null> {
    return servedChatFile(this.db, this.deps.storage, req);
  }

  async servedVariant(key: string): Promise<ServedFile | null> {
    const av = parseAvKey(key);
    if (av) return this.servedAvFile(key, av.originalSha256);
    const parsed = parseVariantKey(key);
    if (!parsed) return null;
    const rows = await repo.approvedByContent(this.db, parsed.originalSha256);
    const known = rows.some((r) => Object.values(r.variants ?? {}).some((v) => v?.key === key));
    if (!known) return null;
    return { etag: `"${parsed.sha256}"`, contentType: 'image/webp', open: () => this.deps.storage.open(key) };
  }

  /** A clip rendition, poster or voice note of approved media: its ETag is its own SHA-256. */
  private async servedAvFile(key: string, originalSha256: string): Promise<ServedFile | null> {
    const rows = await repo.approvedByContent(this.db, originalSha256);
    const file = rows.flatMap((r) => Object.values((r.variants ?? {}) as StoredAvFiles)).find((f) => f?.key === key);
    if (!file) return null;
    return {
      etag: `"${file.sha256}"`,
      contentType: AV_TYPES[key.slice(key.lastIndexOf('.') + 1)],
      size: file.size,
      open: (range) => this.deps.storage.open(key, range),
    };
  }

  // --- profile clip -------------------------------------------------------

  profileVideoView(row: repo.MediaRow): ProfileVideo {
    const view = this.mediaView(row);
    return { id: row.id, status: row.status, duration_s: row.duration_s, video: view.video };
  }

  /** Makes one of the owner's clips their profile clip (replacing the one before, which becomes an unattached upload). */
  async setProfileVideo(userId: string, mediaId: string): Promise<repo.MediaRow> {
    return this.db.transaction(async (trx: Knex.Transaction) => {
      await repo.lockOwnerPhotos(trx, userId);
      const row = await repo.findMediaForUpdate(trx, mediaId);
      if (!row || row.owner_id !== userId) throw AppError.notFound('No such media of yours');
      if (row.kind !== 'video') throw AppError.conflict('Only a video clip can be a profile clip', { reason: 'not_a_video' });
      if (row.status === 'rejected') throw AppError.conflict('This clip was rejected by moderation and cannot be a profile clip', { reason: 'media_rejected' });
      if (row.profile_video) return row;
      return repo.setProfileVideo(trx, userId, mediaId);
    });
  }

  /** Removes the owner's profile clip (the media and its files go); 404 when there is none. */
  async removeProfileVideo(userId: string): Promise<void> {
    const row = await repo.profileVideoOf(this.db, userId);
    if (!row) throw AppError.notFound('This profile has no clip');
    await this.destroy(row.id);
  }
}

function unsupported(message: string, detected: string | undefined) {
  return new AppError(415, 'unsupported_media_type', message, { detected: detected ?? 'unknown' });
}

function photoLimit() {
  return AppError.conflict(`A profile has at most ${MAX_PHOTOS} photos; delete one before adding another`, {
    reason: 'photo_limit',
    max_photos: MAX_PHOTOS,
  });
}
