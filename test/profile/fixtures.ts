// Profile test data: valid bodies and photo rows.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { birthdateYearsAgo } from '../helpers/profiles.js';


export function validProfile(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { display_name: 'Sam', birthdate: birthdateYearsAgo(25), gender: 'woman', ...fields };
}

/**
 * A media row as the media service and moderation worker leave it (they own
 * the table; the profile service only reads the owner's photos from it).
 */
export async function insertPhoto(db: Knex, ownerId: string, opts: { status: string; position: number | null }): Promise<string> {
  const sha = randomBytes(32).toString('hex');
  const variants =
    opts.status === 'approved'
      ? {
          thumb: { key: `${sha}-thumb.webp`, width: 320, height: 320 },
          medium: { key: `${sha}-medium.webp`, width: 720, height: 720 },
          large: { key: `${sha}-large.webp`, width: 1280, height: 1280 },
        }
      : null;
  const [row] = await db('media')
    .insert({
      owner_id: ownerId,
      status: opts.status,
      mime: 'image/jpeg',
      size: 1234,
      sha256: sha,
      original_key: `${sha}.jpg`,
      variants: variants ? JSON.stringify(variants) : null,
      position: opts.position,
    })
    .returning(['id']);
  return row.id as string;
}
