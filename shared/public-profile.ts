// The public view of a profile, exactly as the contract shows it to other
// users: user_id, display_name, age, gender, bio, interests, approved photos
// and a distance when the owner allows it (null otherwise). Never birthdate,
// exact location, settings or the Telegram id. Profile, discovery and chat all
// show people this way, so the read model lives here; the profile service owns
// the tables and is the only writer.
//
// Distances are between coarse points (profiles.coarse_lat/coarse_lon, the
// centre of each user's cell of about 1 km: migrations/20261129100000_coarse_location.ts)
// and shown in whole km, at least 1, so no sequence of moves and reads locates
// anyone more finely than their cell. This read model never loads exact coordinates.
import type { Knex } from 'knex';
import { blockBetween } from './blocks.js';
import type { Config } from './config.js';
import { variantUrls, videoUrls, type StoredAvFiles, type StoredVariants } from './media-urls.js';

import type { PublicPhoto, PublicProfile, PublicVideo } from './contract/profiles.js';
import type { ProfileRow } from './profile-row.js';

// The shapes are the contract's (shared/contract/profiles.ts); this file builds them.
export type { PublicPhoto, PublicProfile };

export interface Point {
  lat: number;
  lon: number;
}

export function ageOn(birthdate: string, today = new Date()): number {
  const [y, m, d] = birthdate.split('-').map(Number);
  let age = today.getUTCFullYear() - y;
  const beforeBirthday = today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d);
  if (beforeBirthday) age--;
  return age;
}

/** Great-circle distance in km (haversine). */
export function distanceKm(a: Point, b: Point): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * The distance shown between two coarse points: whole km, at least 1. The
 * candidates query (api/discovery/repo.ts) filters and scores by its SQL twin.
 */
export function shownDistanceKm(a: Point, b: Point): number {
  return Math.max(1, Math.round(distanceKm(a, b)));
}

/** The columns the public view is made of. */
type PublicProfileRow = Pick<ProfileRow, 'user_id' | 'display_name' | 'birthdate' | 'gender' | 'bio' | 'interests' | 'coarse_lat' | 'coarse_lon' | 'settings'>;

/** `viewerCoarse` is the viewer's coarse point (never an exact one); without it no distance is shown. */
export function toPublicProfile(row: PublicProfileRow, photos: PublicPhoto[], viewerCoarse?: Point | null, video: PublicVideo | null = null): PublicProfile {
  const settings = row.settings ?? {};
  return {
    user_id: row.user_id,
    display_name: row.display_name,
    age: settings.show_age === false ? null : ageOn(row.birthdate),
    gender: row.gender,
    bio: row.bio,
    interests: row.interests ?? [],
    photos,
    video,
    distance_km:
      settings.show_distance !== false && viewerCoarse && row.coarse_lat !== null && row.coarse_lon !== null
        ? shownDistanceKm(viewerCoarse, { lat: row.coarse_lat, lon: row.coarse_lon })
        : null,
  };
}

/** Approved photos of these users, in profile order. */
export async function loadApprovedPhotos(db: Knex, config: Pick<Config, 'media'>, userIds: string[]): Promise<Map<string, PublicPhoto[]>> {
  const out = new Map<string, PublicPhoto[]>();
  if (!userIds.length) return out;
  const rows = await db('media')
    .select('id', 'owner_id', 'position', 'variants')
    .whereIn('owner_id', userIds)
    .andWhere('status', 'approved')
    .whereNotNull('position')
    .orderBy([{ column: 'owner_id' }, { column: 'position' }]);
  for (const r of rows as { id: string; owner_id: string; position: number; variants: StoredVariants | null }[]) {
    const list = out.get(r.owner_id) ?? [];
    list.push({ id: r.id, position: r.position, urls: variantUrls(config, r.variants) });
    out.set(r.owner_id, list);
  }
  return out;
}

/** The approved profile clip of each of these users that has one. */
export async function loadApprovedVideos(db: Knex, config: Pick<Config, 'media'>, userIds: string[]): Promise<Map<string, PublicVideo>> {
  const out = new Map<string, PublicVideo>();
  if (!userIds.length) return out;
  const rows = await db('media').select('owner_id', 'variants', 'duration_s').whereIn('owner_id', userIds).where({ profile_video: true, status: 'approved' });
  for (const r of rows as { owner_id: string; variants: StoredAvFiles | null; duration_s: number | null }[]) {
    const video = videoUrls(config, r.variants, r.duration_s);
    if (video) out.set(r.owner_id, video);
  }
  return out;
}

/**
 * Public views of these users as `viewer` sees them (`viewer.location`: the
 * viewer's coarse point, for distances). Users without a profile, with a
 * hidden profile, with a paused one (unless a live match of the viewer's),
 * banned, or blocked either way with the viewer are left out.
 */
export async function loadPublicProfiles(
  db: Knex,
  config: Pick<Config, 'media'>,
  userIds: string[],
  viewer: { userId: string; location?: Point | null },
  opts: { includeHidden?: boolean } = {},
): Promise<Map<string, PublicProfile>> {
  const out = new Map<string, PublicProfile>();
  const ids = [...new Set(userIds)];
  if (!ids.length) return out;
  const q = db('profiles as p')
    .join('users as u', 'u.id', 'p.user_id')
    .select('p.user_id', 'p.display_name', 'p.birthdate', 'p.gender', 'p.bio', 'p.interests', 'p.coarse_lat', 'p.coarse_lon', 'p.settings')
    .whereIn('p.user_id', ids)
    .whereNull('u.banned_at')
    .whereNotExists(blockBetween(db, viewer.userId, db.ref('p.user_id')));
  // Hidden: nobody else sees it (lists of one's own matches and conversations pass
  // includeHidden). Paused: out of discovery, but still seen by live matches.
  if (!opts.includeHidden) {
    q.where((v) =>
      v.where('p.visibility', 'visible').orWhere((paused) =>
        paused.where('p.visibility', 'paused').whereExists(
          db('matches as m')
            .whereNull('m.ended_at')
            .whereRaw('LEAST(m.user_a, m.user_b) = LEAST(?::uuid, p.user_id) AND GREATEST(m.user_a, m.user_b) = GREATEST(?::uuid, p.user_id)', [viewer.userId, viewer.userId])
            .select(db.raw('1')),
        ),
      ),
    );
  }
  const rows = (await q) as PublicProfileRow[];
  const shown = rows.map((r) => r.user_id);
  const [photos, videos] = await Promise.all([loadApprovedPhotos(db, config, shown), loadApprovedVideos(db, config, shown)]);
  for (const r of rows) out.set(r.user_id, toPublicProfile(r, photos.get(r.user_id) ?? [], viewer.location, videos.get(r.user_id) ?? null));
  return out;
}
