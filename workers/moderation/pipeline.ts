// The image half of moderation: decode once (auto-oriented, pixel-limited,
// converted to sRGB, all metadata dropped), then the WebP variants and the
// classifier's input from those pixels. The classifier scores its input on
// this thread while the variants encode on libuv's, so on an idle core its
// time hides behind theirs (on a busy machine the CPU of both counts, which
// decoding once keeps low). Variants are never upscaled: an image narrower
// than a variant's width keeps its own width (so small images have fewer
// distinct files; identical bytes share one content-addressed key).
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { VARIANT_WIDTHS, type VariantName } from '../../shared/media-urls.js';
import { NSFW_INPUT_SIZE, nsfwScore, type NsfwClassifier, type NsfwScores, type RgbImage } from './nsfw.js';

export interface Variant {
  name: VariantName;
  data: Buffer;
  width: number;
  height: number;
  sha256: string;
}

export interface ProcessedImage<S = never> {
  /** Of the original, as displayed. */
  width: number;
  height: number;
  variants: Variant[];
  /** NSFW_INPUT_SIZE² RGB for the classifier (made only when asked). */
  classifierInput?: RgbImage;
  /** What `score` made of the classifier's input; its failure is the caller's to handle, not the image's. */
  scores?: Promise<S>;
}

export interface ProcessOptions<S> {
  maxPixels: number;
  /** Make the classifier's input. */
  classify: boolean;
  /** Scores the classifier's input while the variants are encoded. */
  score?: (input: RgbImage) => Promise<S>;
}

export type ModerationStatus = 'approved' | 'review' | 'rejected';

export interface Thresholds {
  approveBelow: number;
  rejectAbove: number;
}

// effort 2: about twice as fast to encode as libwebp's default 4, for files ~6% larger.
const WEBP = { quality: 82, effort: 2 } as const;
const LARGEST = Math.max(...Object.values(VARIANT_WIDTHS));

export async function processImage<S = never>(input: Buffer, opts: ProcessOptions<S>): Promise<ProcessedImage<S>> {
  const decoder = { limitInputPixels: opts.maxPixels, failOn: 'error' as const };
  const meta = await sharp(input, decoder).metadata();
  if (!meta.width || !meta.height) throw new Error('image without dimensions');
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = rotated ? meta.height : meta.width;
  const height = rotated ? meta.width : meta.height;

  // One decode, straight to the largest variant's size (JPEG shrinks on load).
  const { data, info } = await sharp(input, decoder)
    .rotate()
    .resize({ width: LARGEST, withoutEnlargement: true })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const pixels = () => sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });

  const toClassify = opts.classify
    ? pixels().flatten({ background: '#ffffff' }).resize(NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true })
    : undefined;
  const encoding = Promise.all(
    (Object.entries(VARIANT_WIDTHS) as [VariantName, number][]).map(async ([name, w]) => {
      const out = await pixels()
        .resize({ width: Math.min(w, info.width) })
        .webp(WEBP)
        .toBuffer({ resolveWithObject: true });
      return { name, data: out.data, width: out.info.width, height: out.info.height, sha256: createHash('sha256').update(out.data).digest('hex') };
    }),
  );
  encoding.catch(() => {}); // awaited below, unless the classifier's input failed first (then that is the image's error)

  let classifierInput: RgbImage | undefined;
  let scores: Promise<S> | undefined;
  if (toClassify) {
    const rgb = await toClassify;
    classifierInput = { data: new Uint8Array(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length), width: rgb.info.width, height: rgb.info.height };
    scores = opts.score?.(classifierInput);
    scores?.catch(() => {}); // awaited by the caller; never unhandled if an encode fails
  }
  return { width, height, variants: await encoding, classifierInput, scores };
}

/** approved below `approveBelow`, rejected above `rejectAbove`, in between held for review. No score (NSFW off): approved. */
export function decide(score: number | null, t: Thresholds): ModerationStatus {
  if (score === null) return 'approved';
  if (score > t.rejectAbove) return 'rejected';
  if (score < t.approveBelow) return 'approved';
  return 'review';
}

/**
 * A clip's frames, scored one by one: the frame with the highest score
 * decides, under the same thresholds as a photo (one frame is enough to hold
 * or reject the clip). Its scores are the ones kept.
 */
export async function scoreFrames(
  clf: Pick<NsfwClassifier, 'classify'>,
  frames: RgbImage[],
  t: Thresholds,
): Promise<{ status: ModerationStatus; scores: NsfwScores; score: number }> {
  if (!frames.length) throw new Error('no frames to score');
  let worst: { scores: NsfwScores; score: number } | null = null;
  for (const frame of frames) {
    const scores = await clf.classify(frame);
    const score = nsfwScore(scores);
    if (!worst || score > worst.score) worst = { scores, score };
  }
  return { status: decide(worst!.score, t), ...worst! };
}
