// Public URLs of stored files: MEDIA_PUBLIC_URL + content-addressed key, so a
// CDN can front them. Used by media, profile, discovery and chat views.
import type { Config } from './config.js';

export type VariantName = 'thumb' | 'medium' | 'large';
export const VARIANT_WIDTHS: Record<VariantName, number> = { thumb: 320, medium: 720, large: 1280 };

export interface StoredVariant {
  key: string;
  width: number;
  height: number;
}
export type StoredVariants = Partial<Record<VariantName, StoredVariant>>;

export function fileUrl(config: Pick<Config, 'media'>, key: string): string {
  const base = config.media.publicUrl.endsWith('/') ? config.media.publicUrl : `${config.media.publicUrl}/`;
  return `${base}${key}`;
}

/** {thumb, medium, large} URLs; null for a variant not made yet. */
export function variantUrls(config: Pick<Config, 'media'>, variants: StoredVariants | null | undefined): Record<VariantName, string | null> {
  const v = variants ?? {};
  return {
    thumb: v.thumb ? fileUrl(config, v.thumb.key) : null,
    medium: v.medium ? fileUrl(config, v.medium.key) : null,
    large: v.large ? fileUrl(config, v.large.key) : null,
  };
}

/** A transcoded file of a clip or voice note: where, how big, and its hash (the ETag). */
export interface StoredAvFile {
  key: string;
  size: number;
  sha256: string;
  width?: number;
  height?: number;
}
/** The `variants` of a video clip (v720, v480, poster) or a voice note (voice). */
export type StoredAvFiles = Partial<Record<'v720' | 'v480' | 'poster' | 'voice', StoredAvFile>>;

export interface VideoUrls {
  url_720: string;
  url_480: string;
  poster_url: string;
  duration_s: number;
}

/** A clip's public shape, once it has all its renditions; null before. */
export function videoUrls(config: Pick<Config, 'media'>, files: StoredAvFiles | null | undefined, durationS: number | null): VideoUrls | null {
  if (!files?.v720 || !files.v480 || !files.poster) return null;
  return { url_720: fileUrl(config, files.v720.key), url_480: fileUrl(config, files.v480.key), poster_url: fileUrl(config, files.poster.key), duration_s: durationS ?? 0 };
}

export interface VoiceUrls {
  url: string;
  duration_s: number;
  waveform: number[];
}

export function voiceUrls(config: Pick<Config, 'media'>, files: StoredAvFiles | null | undefined, durationS: number | null, waveform: number[] | null): VoiceUrls | null {
  if (!files?.voice) return null;
  return { url: fileUrl(config, files.voice.key), duration_s: durationS ?? 0, waveform: waveform ?? [] };
}
