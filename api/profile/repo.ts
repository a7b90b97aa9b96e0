// The profile service's SQL: the profiles table (which it owns and alone
// writes) and read-only looks at the caller's own photo rows in media.
import type { Knex } from 'knex';
import type { StoredVariants } from '../../shared/media-urls.js';
import type { Point } from '../../shared/public-profile.js';
import type { ProfileRow } from '../../shared/profile-row.js';
import type { MediaStatus } from '../../shared/contract/profiles.js';

export type { ProfileRow };

/** Columns a write may set (everything but the key, the generated coarse point and the timestamps). */
export type ProfileColumns = Partial<Omit<ProfileRow, 'user_id' | 'coarse_lat' | 'coarse_lon' | 'created_at' | 'updated_at'>>;

export interface OwnPhotoRow {
  id: string;
  status: MediaStatus;
  position: number;
  variants: StoredVariants | null;
  created_at: Date;
}

// jsonb goes in as text: pg would turn a JS array into a PostgreSQL array literal.
function toDb(cols: ProfileColumns): Record<string, unknown> {
  return cols.settings === undefined ? { ...cols } : { ...cols, settings: JSON.stringify(cols.settings) };
}

export async function findProfile(db: Knex, userId: string, opts: { forUpdate?: boolean } = {}): Promise<ProfileRow | undefined> {
  const q = db<ProfileRow>('profiles').where('user_id', userId).first();
  if (opts.forUpdate) q.forUpdate();
  return q;
}

/** Undefined when the user already has a profile (the primary key says so). */
export async function insertProfile(db: Knex, userId: string, cols: ProfileColumns): Promise<ProfileRow | undefined> {
  const rows = await db('profiles')
    .insert({ user_id: userId, ...toDb(cols) })
    .onConflict('user_id')
    .ignore()
    .returning('*');
  return rows[0] as ProfileRow | undefined;
}

export async function updateProfile(db: Knex, userId: string, cols: ProfileColumns): Promise<ProfileRow> {
  const [row] = await db('profiles')
    .where('user_id', userId)
    .update({ ...toDb(cols), updated_at: db.fn.now() })
    .returning('*');
  return row as ProfileRow;
}

export async function deleteProfile(db: Knex, userId: string): Promise<boolean> {
  const n = await db('profiles').where('user_id', userId).delete();
  return n > 0;
}

/** The owner's profile photos of every status, in profile order. */
export async function ownPhotos(db: Knex, userId: string): Promise<OwnPhotoRow[]> {
  return db('media')
    .select('id', 'status', 'position', 'variants', 'created_at')
    .where('owner_id', userId)
    .whereNotNull('position')
    .orderBy('position');
}

/**
 * The coarse point of the viewer's own profile (the centre of their cell of
 * about 1 km, which PostgreSQL derives from lat/lon), if any: distances shown
 * to others are measured from it, never from the exact location.
 */
export async function coarseLocationOf(db: Knex, userId: string): Promise<Point | null> {
  const row = await db('profiles').where('user_id', userId).first('coarse_lat', 'coarse_lon');
  return row && row.coarse_lat !== null && row.coarse_lon !== null ? { lat: row.coarse_lat, lon: row.coarse_lon } : null;
}
