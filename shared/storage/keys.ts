// Content-addressed keys of media files. Originals are named by the SHA-256 of
// their bytes; variants by the original's hash and their own, so the same
// upload always lands on the same keys and a redone job overwrites in place.
const KEY_RE = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;
const SHA_RE = /^[0-9a-f]{64}$/;
const VARIANT_KEY_RE = /^variants\/[0-9a-f]{2}\/([0-9a-f]{64})\/([0-9a-f]{64})\.webp$/;

/** Keys are made by our code, never taken raw from a request; still, nothing that could climb out of a root passes. */
export function isValidKey(key: string): boolean {
  return key.length <= 512 && KEY_RE.test(key) && !key.split('/').some((s) => s === '.' || s === '..');
}

export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new Error(`invalid storage key: ${JSON.stringify(key)}`);
}

export function originalKey(sha256: string, ext: string): string {
  if (!SHA_RE.test(sha256)) throw new Error('not a sha256');
  return `originals/${sha256.slice(0, 2)}/${sha256}.${ext}`;
}

export function variantKey(originalSha256: string, variantSha256: string): string {
  if (!SHA_RE.test(originalSha256) || !SHA_RE.test(variantSha256)) throw new Error('not a sha256');
  return `variants/${originalSha256.slice(0, 2)}/${originalSha256}/${variantSha256}.webp`;
}

/** The two hashes in a variant key, or null for anything else (originals included). */
export function parseVariantKey(key: string): { originalSha256: string; sha256: string } | null {
  const m = VARIANT_KEY_RE.exec(key);
  return m ? { originalSha256: m[1], sha256: m[2] } : null;
}

/**
 * Transcoded clips and voice notes, one file per rendition under the
 * original's hash: a redone job writes the same key again, so a worker killed
 * mid-transcode leaves nothing behind that the next run does not replace.
 */
export const AV_FILES = ['720.mp4', '480.mp4', 'poster.webp', 'voice.webm'] as const;
export type AvFile = (typeof AV_FILES)[number];
const AV_KEY_RE = /^av\/[0-9a-f]{2}\/([0-9a-f]{64})\/(720\.mp4|480\.mp4|poster\.webp|voice\.webm)$/;

export function avKey(originalSha256: string, file: AvFile): string {
  if (!SHA_RE.test(originalSha256)) throw new Error('not a sha256');
  return `av/${originalSha256.slice(0, 2)}/${originalSha256}/${file}`;
}

/** The original's hash and the rendition of an av/ key, or null for anything else. */
export function parseAvKey(key: string): { originalSha256: string; file: AvFile } | null {
  const m = AV_KEY_RE.exec(key);
  return m ? { originalSha256: m[1], file: m[2] as AvFile } : null;
}

/**
 * Advisory-lock names shared by the media service and the moderation worker:
 * a row that adds or drops a reference to content-addressed files holds the
 * content lock; photo writes (limit, positions) hold the owner lock, always
 * taken before any content lock.
 */
export const mediaLocks = {
  owner: (ownerId: string) => `media-owner:${ownerId}`,
  content: (sha256: string) => `media-sha:${sha256}`,
};

/** The storage key of the blurred preview of a photo sent in chat (made on first request, named by the original's hash). */
export function blurredPreviewKey(sha256: string): string {
  return `chat-blur/${sha256.slice(0, 2)}/${sha256}.webp`;
}

/**
 * Every stored file of a media row: the original and its variants, and, when
 * the row's content hash is given, the blurred preview a chat may have made of
 * it (a key that may not exist; deleting a missing key is a no-op).
 */
export function mediaFiles(row: { sha256?: string; original_key: string; variants: Partial<Record<string, { key: string } | undefined>> | null }): string[] {
  const keys = [row.original_key];
  for (const v of Object.values(row.variants ?? {})) if (v?.key) keys.push(v.key);
  if (row.sha256) keys.push(blurredPreviewKey(row.sha256));
  return [...new Set(keys)];
}
