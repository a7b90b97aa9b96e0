// The image half of moderation: decode once (auto-oriented, pixel-limited,
// converted to sRGB, all metadata dropped), then the WebP variants and the
// classifier's input from those pixels. Variants are never upscaled: an image
// narrower than a variant's width keeps its own width (so small images have
// fewer distinct files; identical bytes share one content-addressed key).
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { VARIANT_WIDTHS, type VariantName } from '../../shared/media-urls.js';
import { NSFW_INPUT_SIZE, type RgbImage } from './nsfw.js';

export interface Variant {
  name: VariantName;
  data: Buffer;
  width: number;
  height: number;
  sha256: string;
}

export interface ProcessedImage {
  /** Of the original, as displayed. */
  width: number;
  height: number;
  variants: Variant[];
  /** NSFW_INPUT_SIZE² RGB for the classifier (made only when asked). */
  classifierInput?: RgbImage;
}

export type ModerationStatus = 'approved' | 'review' | 'rejected';

export interface Thresholds {
  approveBelow: number;
  rejectAbove: number;
}

// effort 2: about twice as fast to encode as libwebp's default 4, for files ~6% larger.
const WEBP = { quality: 82, effort: 2 } as const;
const LARGEST = Math.max(...Object.values(VARIANT_WIDTHS));

export async function processImage(input: Buffer, opts: { maxPixels: number; classify: boolean }): Promise<ProcessedImage> {
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

  const variants = await Promise.all(
    (Object.entries(VARIANT_WIDTHS) as [VariantName, number][]).map(async ([name, w]) => {
      const out = await pixels()
        .resize({ width: Math.min(w, info.width) })
        .webp(WEBP)
        .toBuffer({ resolveWithObject: true });
      return { name, data: out.data, width: out.info.width, height: out.info.height, sha256: createHash('sha256').update(out.data).digest('hex') };
    }),
  );

  let classifierInput: RgbImage | undefined;
  if (opts.classify) {
    const rgb = await pixels()
      .flatten({ background: '#ffffff' })
      .resize(NSFW_INPUT_SIZE, NSFW_INPUT_SIZE, { fit: 'fill' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    classifierInput = { data: new Uint8Array(rgb.data.buffer, rgb.data.byteOffset, rgb.data.length), width: rgb.info.width, height: rgb.info.height };
  }
  return { width, height, variants, classifierInput };
}

/** approved below `approveBelow`, rejected above `rejectAbove`, in between held for review. No score (NSFW off): approved. */
export function decide(score: number | null, t: Thresholds): ModerationStatus {
  if (score === null) return 'approved';
  if (score > t.rejectAbove) return 'rejected';
  if (score < t.approveBelow) return 'approved';
  return 'review';
}
