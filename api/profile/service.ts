// The profile rules: one profile per user, only the owner writes it, the
// owner sees everything and everyone else the shared public view, partial
// updates are checked against the merged result, a user may move their
// location only a few times an hour and a day, and a delete tells the other
// services (photos, files, matches) through `profile.deleted`.
import type { Knex } from 'knex';
import { AppError } from '../../shared/errors.js';
import { variantUrls } from '../../shared/media-urls.js';
import type { ServiceDeps } from '../../shared/platform.js';
import type { RateLimit } from '../../shared/rate-limit.js';
import { ageOn, loadPublicProfiles } from '../../shared/public-profile.js';
import { enqueue } from '../../shared/outbox/enqueue.js';
import * as repo from './repo.js';
import { DEFAULT_SETTINGS, type ProfileInput, type ProfilePatch } from './schemas.js';
import type { OwnerProfile, OwnPhoto, ProfileView } from '../../shared/contract/profiles.js';

// The answers' shapes are the contract's (shared/contract/profiles.ts).
export type { OwnerProfile, OwnPhoto };

/** The stored columns of a validated write; `location` becomes lat/lon, settings merge into the stored ones. */
function toColumns(input: ProfilePatch, storedSettings: Record<string, unknown> = {}): repo.ProfileColumns {
  const { location, settings, ...rest } = input;
  const cols: repo.ProfileColumns = { ...rest };
  if (location !== undefined) {
    cols.lat = location?.lat ?? null;
    cols.lon = location?.lon ?? null;
  }
  if (settings !== undefined) cols.settings = { ...storedSettings, ...settings };
  return cols;
}

/** Rules across fields, checked on what the row will hold after the write. */
function checkMerged(row: { age_min?: number; age_max?: number }) {
  const min = row.age_min ?? 18;
  const max = row.age_max ?? 100;
  if (min > max) {
    throw AppError.validation([
      { field: 'age_min', message: `must not be greater than age_max (${min} > ${max})` },
      { field: 'age_max', message: `must not be less than age_min (${max} < ${min})` },
    ]);
  }
}

/** Whether a write moves the stored location to another point (clearing it or setting the same point does not). */
function movesLocation(patch: ProfilePatch, current?: { lat: number | null; lon: number | null }): boolean {
  const to = patch.location;
  return !!to && (!current || current.lat !== to.lat || current.lon !== to.lon);
}

export class ProfileService {
  /** Hourly first: a refusal by it then spends none of the day's changes. */
  private readonly locationLimits: RateLimit[];

  constructor(private readonly deps: Pick<ServiceDeps, 'db' | 'config' | 'bus' | 'logger' | 'limiter'>) {
    const { limiter, config } = deps;
    this.locationLimits = [
      limiter('location-changes-hour', config.locationChanges.perHour, 3600),
      limiter('location-changes-day', config.locationChanges.perDay, 86_400),
    ];
  }

  /**
   * Counts one change of location; 429 once the hour's or the day's are used
   * up. Every move is a distance reading an attacker can take (issue 13 §2),
   * so this is what makes locating someone by moving cost many accounts.
   */
  private async countLocationChange(userId: string): Promise<void> {
    for (const limit of this.locationLimits) await limit.consume(userId);
  }

  async create(userId: string, input: ProfileInput): Promise<OwnerProfile> {
    const cols = toColumns(input);
    checkMerged(cols);
    const row = await this.deps.db.transaction(async (trx) => {
      let created: repo.ProfileRow | undefined;
      try {
        created = await repo.insertProfile(trx, userId, cols);
      } catch (err) {
        // The account behind a still-valid token is gone.
        if ((err as { code?: string }).code === '23503') throw AppError.unauthorized('User no longer exists');
        throw err;
      }
      if (!created) throw AppError.conflict('You already have a profile; change it with PUT /profiles/{user_id}');
      // A first location counts too, so deleting and re-creating the profile is no way around the limit.
      if (movesLocation(input)) await this.countLocationChange(userId);
      return created;
    });
    this.deps.logger.info({ user_id: userId }, 'profile created');
    return this.ownerView(row);
  }

  async own(userId: string): Promise<OwnerProfile> {
    const row = await repo.findProfile(this.deps.db, userId);
    if (!row) throw AppError.notFound('You have no profile yet; create it with POST /profiles');
    return this.ownerView(row);
  }

  /** The owner gets the owner view; anyone else the public view or 404 (hidden, banned, blocked, none). */
  async view(viewerId: string, userId: string): Promise<ProfileView> {
    if (viewerId === userId) return this.own(userId);
    const { db, config } = this.deps;
    const location = await repo.coarseLocationOf(db, viewerId);
    const view = (await loadPublicProfiles(db, config, [userId], { userId: viewerId, location })).get(userId);
    if (!view) throw AppError.notFound('Profile not found');
    return view;
  }

  async update(callerId: string, userId: string, patch: ProfilePatch): Promise<OwnerProfile> {
    if (callerId !== userId) throw AppError.forbidden('You can only change your own profile');
    const row = await this.deps.db.transaction(async (trx) => {
      // Locked so that two concurrent partial updates cannot together break a cross-field rule.
      const current = await repo.findProfile(trx, userId, { forUpdate: true });
      if (!current) throw AppError.notFound('You have no profile yet; create it with POST /profiles');
      const cols = toColumns(patch, current.settings ?? {});
      checkMerged({ ...current, ...cols });
      if (!Object.keys(cols).length) return current;
      // Inside the row lock: concurrent moves are counted one by one, and a refused one writes nothing.
      if (movesLocation(patch, current)) await this.countLocationChange(userId);
      return repo.updateProfile(trx, userId, cols);
    });
    return this.ownerView(row);
  }

  /**
   * Deletes the profile row and enqueues `profile.deleted` in the same
   * transaction (the outbox); the media and matching workers remove photos,
   * files and matches. No profile is ever gone without its clean-up announced,
   * and the delete does not wait for the bus.
   */
  async remove(callerId: string, userId: string): Promise<void> {
    if (callerId !== userId) throw AppError.forbidden('You can only delete your own profile');
    await this.deps.db.transaction(async (trx: Knex.Transaction) => {
      if (!(await repo.deleteProfile(trx, userId))) throw AppError.notFound('You have no profile');
      await enqueue(trx, { type: 'profile.deleted', payload: { user_id: userId } });
    });
    this.deps.logger.info({ user_id: userId }, 'profile deleted');
  }

  private async ownerView(row: repo.ProfileRow): Promise<OwnerProfile> {
    const photos = await repo.ownPhotos(this.deps.db, row.user_id);
    return {
      user_id: row.user_id,
      display_name: row.display_name,
      birthdate: row.birthdate,
      age: ageOn(row.birthdate),
      gender: row.gender,
      bio: row.bio,
      interests: row.interests ?? [],
      looking_for: row.looking_for ?? [],
      age_min: row.age_min,
      age_max: row.age_max,
      max_distance_km: row.max_distance_km,
      location: row.lat !== null && row.lon !== null ? { lat: row.lat, lon: row.lon } : null,
      visibility: row.visibility,
      settings: { ...DEFAULT_SETTINGS, ...(row.settings ?? {}) },
      goal: row.goal,
      goals: row.goals,
      height_cm: row.height_cm,
      education: row.education,
      children: row.children,
      smoking: row.smoking,
      drinking: row.drinking,
      photos: photos.map((p) => ({
        id: p.id,
        status: p.status,
        position: p.position,
        // Only approved variants are served, so only those get URLs (no links that 404).
        urls: variantUrls(this.deps.config, p.status === 'approved' ? p.variants : null),
        created_at: p.created_at.toISOString(),
      })),
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    };
  }
}
