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
