// The moderation worker: one consumer in the 'moderation' group on the media
// stream (`media.uploaded` → variants, NSFW score, decision, `media.moderated`)
// and the users stream (`profile.deleted` → the user's media and files go),
// plus the expiry sweep of uploads attached to nothing (expiry.ts).
//
// At-least-once delivery, so every step is idempotent: media that is no longer
// pending is left alone (its media.moderated was enqueued with its outcome, in
// the outbox, so there is nothing to re-announce); variants go to
// content-derived keys, so a redone job overwrites the same files; the outcome
// is written only while the row is still pending, so two runs of one job
// commit once. The media.uploaded of an upload is enqueued with its row, so no
// upload waits forever for an event that was lost.
import type { Logger } from '../../shared/logger.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { onEvents, type StopOptions } from '../../shared/bus/index.js';
import { STREAMS, type BusEvent } from '../../shared/events.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import type { StoredVariants } from '../../shared/media-urls.js';
import { createStorage, mediaFiles, variantKey, type Storage } from '../../shared/storage/index.js';
import { loadNsfwClassifier, nsfwScore, type NsfwBackend, type NsfwClassifier, type NsfwScores, type RgbImage } from './nsfw.js';
import { startExpiry, type ExpiryOptions } from './expiry.js';
import { decide, processImage, scoreFrames, type ModerationStatus } from './pipeline.js';
import * as repo from './repo.js';
import { AvRefused, processClip, processVoice, type AvOptions } from './video.js';

export const MODERATION_GROUP = 'moderation';

export interface ModerationWorkerOptions {
  storage?: Storage;
  /** TensorFlow.js backend for NSFW scoring (default: the best that loads). */
  nsfwBackend?: NsfwBackend | 'auto';
  /** Consumer name within the group (default: host-pid-random). */
  consumer?: string;
  /**
   * Load the NSFW model now rather than on the first job (the standalone
   * worker does; the all-in-one process keeps its start fast).
   */
  preloadModel?: boolean;
  /** Test hook: runs after the variants are stored, before the outcome is committed. */
  beforeCommit?(mediaId: string): Promise<void>;
  /** The expiry sweep of unattached uploads (expiry.ts): on unless `false`. */
  expiry?: false | ExpiryOptions;
}

export interface ModerationWorker {
  /** Resolves once the consumer reads (and, with `preloadModel`, the NSFW model is loaded). */
  ready: Promise<void>;
  /** Graceful: the job in hand is finished. `{abandon: true}` drops it like a crash would. */
  stop(opts?: StopOptions): Promise<void>;
}

export function startModerationWorker(deps: ServiceDeps, opts: ModerationWorkerOptions = {}): ModerationWorker {
  const logger = deps.logger.child({ component: 'moderation' });
  const storage = opts.storage ?? createStorage(deps.config);
  const { nsfw } = deps.config.media;

  let classifier: Promise<NsfwClassifier | null> | undefined;
  const getClassifier = () =>
    (classifier ??= nsfw.enabled
      ? loadNsfwClassifier(logger, { backend: opts.nsfwBackend }).catch((err) => {
          logger.error({ err }, 'NSFW model failed to load; images will be held for review');
          return null;
        })
      : Promise.resolve(null));

  const jobs = new ModerationJobs(deps, storage, logger, getClassifier, opts.beforeCommit);
  const consumer = deps.bus.consume({
    group: MODERATION_GROUP,
    consumer: opts.consumer,
    streams: [STREAMS.media, STREAMS.users],
    batchSize: 1, // CPU-heavy jobs: take one at a time, leave the rest to other instances
    handler: onEvents({
      'media.uploaded': (e) => jobs.moderate(e),
      'profile.deleted': (e) => jobs.purgeUser(e),
    }),
  });

  const expiry = opts.expiry === false ? undefined : startExpiry(deps, storage, logger, opts.expiry);

  return {
    ready: Promise.all([consumer.ready, opts.preloadModel ? getClassifier() : null]).then(() => undefined),
    async stop(stopOpts) {
      await Promise.all([consumer.stop(stopOpts), expiry?.stop()]);
      logger.info('moderation worker stopped');
    },
  };
}

class ModerationJobs {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly classifier: () => Promise<NsfwClassifier | null>,
    private readonly beforeCommit?: (mediaId: string) => Promise<void>,
  ) {}

  async moderate(event: BusEvent<'media.uploaded'>): Promise<void> {
    const { db, config } = this.deps;
    const log = this.logger.child({ media_id: event.payload.media_id, event_id: event.id, attempt: event.attempt });
    const row = await repo.findMedia(db, event.payload.media_id);
    if (!row) return log.debug('media gone before moderation; nothing to do');
    if (row.status !== 'pending') return log.debug({ status: row.status }, 'already moderated; nothing to do');
    const started = Date.now();

    const original = await this.storage.read(row.original_key);
    if (!original) return this.finish(row, log, rejected('original_missing'), started);
    if (row.kind !== 'image') return this.moderateAv(row, original, log, started);

    const useClassifier = config.media.nsfw.enabled;
    const clf = useClassifier ? await this.classifier() : null;
    let image;
    try {
      // The classifier scores while the variants encode (pipeline.ts).
      image = await processImage(original, { maxPixels: config.media.maxPixels, classify: useClassifier, score: clf ? (input) => clf.classify(input) : undefined });
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'image could not be decoded');
      return this.finish(row, log, rejected('undecodable'), started);
    }

    let scores: NsfwScores | null = null;
    let score: number | null = null;
    let status: ModerationStatus = 'approved';
    let reason: string | null = null;
    if (useClassifier) {
      if (image.scores) {
        scores = await image.scores;
        score = nsfwScore(scores);
        status = decide(score, config.media.nsfw);
        if (status === 'rejected') reason = 'nsfw';
      } else {
        status = 'review';
        reason = 'classifier_unavailable';
      }
    }

    // Rejected images get no variants: there is nothing anyone may be shown.
    let variants: StoredVariants | null = null;
    if (status !== 'rejected') {
      variants = {};
      for (const v of image.variants) {
        const key = variantKey(row.sha256, v.sha256);
        if (!(await this.storage.exists(key))) await this.storage.put(key, v.data, 'image/webp');
        variants[v.name] = { key, width: v.width, height: v.height };
      }
    }
    await this.beforeCommit?.(row.id);
    await this.finish(
      row,
      log,
      { status, width: image.width, height: image.height, variants, nsfw_scores: scores, nsfw_score: score, reject_reason: reason },
      started,
    );
  }

  /**
   * A clip or voice note: transcoded (video.ts), a clip's frames scored (the
   * highest decides, same thresholds as photos). What ffmpeg cannot make
   * within its limits is rejected, so it never holds up the queue.
   */
  private async moderateAv(row: repo.MediaJobRow, original: Buffer, log: Logger, started: number): Promise<void> {
    const { media } = this.deps.config;
    const opts: AvOptions = {
      limits: { timeoutMs: media.av.transcodeTimeoutS * 1000, maxMemoryMb: media.av.transcodeMaxMemoryMb, binary: media.av.ffmpegPath },
      maxSeconds: row.kind === 'video' ? media.av.maxVideoSeconds : media.av.maxVoiceSeconds,
      keepAudio: media.av.keepAudio,
      classify: media.nsfw.enabled,
    };
    let outcome: repo.Outcome;
    try {
      if (row.kind === 'voice') {
        const voice = await processVoice(original, row.sha256, this.storage, opts);
        // Voice notes have no pictures to score.
        outcome = {
          status: 'approved',
          width: null,
          height: null,
          variants: voice.files as StoredVariants,
          nsfw_scores: null,
          nsfw_score: null,
          reject_reason: null,
          duration_s: voice.duration,
          waveform: voice.waveform,
        };
      } else {
        const clip = await processClip(original, row.sha256, this.storage, opts);
        const scored = await this.scoreFrames(clip.frames);
        outcome = { ...scored, width: clip.width, height: clip.height, variants: clip.files as StoredVariants, duration_s: clip.duration };
      }
    } catch (err) {
      if (!(err instanceof AvRefused)) throw err;
      log.warn({ reason: err.reason, err: err.message }, 'clip or voice note refused');
      return this.finish(row, log, rejected(err.reason), started);
    }
    // Rejected clips keep no renditions: nothing may be shown of them.
    if (outcome.status === 'rejected' && outcome.variants) {
      await this.removeUnused(row.sha256, mediaFiles({ original_key: row.original_key, variants: outcome.variants }));
      outcome.variants = null;
    }
    await this.beforeCommit?.(row.id);
    await this.finish(row, log, outcome, started);
  }

  private async scoreFrames(frames: RgbImage[]): Promise<Pick<repo.Outcome, 'status' | 'nsfw_scores' | 'nsfw_score' | 'reject_reason'>> {
    const { nsfw } = this.deps.config.media;
    if (!nsfw.enabled) return { status: 'approved', nsfw_scores: null, nsfw_score: null, reject_reason: null };
    const clf = await this.classifier();
    if (!clf || !frames.length) return { status: 'review', nsfw_scores: null, nsfw_score: null, reject_reason: 'classifier_unavailable' };
    const { status, scores, score } = await scoreFrames(clf, frames, nsfw);
    return { status, nsfw_scores: scores, nsfw_score: score, reject_reason: status === 'rejected' ? 'nsfw' : null };
  }

  private async finish(row: repo.MediaJobRow, log: Logger, outcome: repo.Outcome, started: number) {
    const done = await repo.finishModeration(this.deps.db, row.id, outcome, (trx, r) =>
      enqueue(trx, { type: 'media.moderated', payload: { media_id: r.id, owner_id: r.owner_id, status: r.status as ModerationStatus, nsfw_score: r.nsfw_score } }),
    );
    if (!done) {
      // Someone else finished first (same files, nothing to do), or the media
      // was deleted meanwhile: then the variants just written are orphans.
      if (!(await repo.findMedia(this.deps.db, row.id)) && outcome.variants) await this.removeUnused(row.sha256, mediaFiles({ original_key: row.original_key, variants: outcome.variants }));
      return log.info('outcome already recorded elsewhere; dropped');
    }
    log.info({ status: done.status, nsfw_score: done.nsfw_score, reason: outcome.reject_reason, ms: Date.now() - started }, 'media moderated');
  }

  private async removeUnused(sha256: string, keys: string[]) {
    await repo.withContentLock(this.deps.db, sha256, async (trx) => {
      await this.storage.delete(await repo.unusedFiles(trx, sha256, keys));
    });
  }

  /** The profile is gone: so are its media and every file no one else shares. */
  async purgeUser(event: BusEvent<'profile.deleted'>): Promise<void> {
    const userId = event.payload.user_id;
    // Only what existed when the profile was deleted: a late redelivery must
    // not take photos of a profile made again since.
    const removed = await repo.purgeOwner(this.deps.db, userId, new Date(event.published_at), (keys) => this.storage.delete(keys));
    if (removed) this.logger.info({ user_id: userId, media_removed: removed, event_id: event.id }, 'media of a deleted profile removed');
  }
}

function rejected(reason: string): repo.Outcome {
  return { status: 'rejected', width: null, height: null, variants: null, nsfw_scores: null, nsfw_score: null, reject_reason: reason };
}
