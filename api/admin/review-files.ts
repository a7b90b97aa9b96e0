// The files of a media item an admin may look at, whatever its status, and
// their admin route (GET /admin/media/{id}/{variant}). Served by the admin API
// only, since the public file route serves approved media alone.

/** By media kind: the name in the route → the entry in media.variants, and its type. */
export const REVIEW_FILES: Record<string, Record<string, readonly [string, string]>> = {
  image: { thumb: ['thumb', 'image/webp'], medium: ['medium', 'image/webp'], large: ['large', 'image/webp'] },
  video: { poster: ['poster', 'image/webp'], '720': ['v720', 'video/mp4'], '480': ['v480', 'video/mp4'] },
  voice: { voice: ['voice', 'audio/webm'] },
};

/** The admin route of one file of a media item. */
export const reviewPath = (mediaId: string, variant: string) => `/admin/media/${mediaId}/${variant}`;

/** Whether a media item of this kind has the file named `variant` in the route stored. */
export function hasReviewFile(kind: string, variants: Record<string, unknown> | null | undefined, variant: string): boolean {
  const stored = REVIEW_FILES[kind]?.[variant]?.[0];
  return stored !== undefined && Boolean(variants?.[stored]);
}
