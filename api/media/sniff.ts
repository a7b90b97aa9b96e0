// What an uploaded file really is, decided by its bytes (never its name or the
// client's Content-Type): the magic number picks the format, sharp reads the
// header for the dimensions (so a pixel bomb is refused before anything is
// decoded), then a small decode proves the file is whole.
import { fileTypeFromFile } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../shared/errors.js';

/** Accepted formats and the extension their originals are stored with. */
const ACCEPTED: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
};
// HEIC is HEVC inside HEIF; libvips builds without an HEVC decoder (the
// prebuilt sharp binaries) parse the header but cannot decode the pixels.
const MAYBE_UNDECODABLE = new Set(['image/heic', 'image/heif']);

const PROBE_SIZE = 256;

export interface InspectedImage {
  mime: string;
  ext: string;
  /** As displayed (EXIF orientation applied). */
  width: number;
  height: number;
}

export async function inspectImage(filePath: string, limits: { maxPixels: number }): Promise<InspectedImage> {
  const type = await fileTypeFromFile(filePath);
  const ext = type ? ACCEPTED[type.mime] : undefined;
  if (!type || !ext) {
    throw new AppError(415, 'unsupported_media_type', 'Only JPEG, PNG, WebP, AVIF and HEIC images are accepted', {
      detected: type?.mime ?? 'unknown',
    });
  }
  const undecodable = () =>
    new AppError(415, 'unsupported_media_type', `This server cannot decode ${type.mime} images; send JPEG, PNG, WebP or AVIF`, {
      detected: type.mime,
    });

  let meta: Metadata;
  try {
    meta = await sharp(filePath, { limitInputPixels: false }).metadata();
  } catch {
    if (MAYBE_UNDECODABLE.has(type.mime)) throw undecodable();
    throw invalidImage('The image header cannot be read');
  }
  if (!meta.width || !meta.height) throw invalidImage('The image has no dimensions');
  if (meta.width * meta.height > limits.maxPixels) {
    throw new AppError(400, 'image_too_large', `The image has ${meta.width}×${meta.height} pixels; at most ${limits.maxPixels} pixels are accepted`, {
      width: meta.width,
      height: meta.height,
      max_pixels: limits.maxPixels,
    });
  }
  try {
    // JPEG shrinks on load, so this is cheap even for large photos, and it
    // still reads every byte: truncated or corrupt data fails here.
    await sharp(filePath, { limitInputPixels: limits.maxPixels, failOn: 'error', sequentialRead: true })
      .resize(PROBE_SIZE, PROBE_SIZE, { fit: 'inside' })
      .raw()
      .toBuffer();
  } catch {
    if (MAYBE_UNDECODABLE.has(type.mime)) throw undecodable();
    throw invalidImage('The image is corrupt or truncated');
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  return { mime: type.mime, ext, width: rotated ? meta.height : meta.width, height: rotated ? meta.width : meta.height };
}

function invalidImage(message: string) {
  return new AppError(400, 'invalid_image', message);
}
