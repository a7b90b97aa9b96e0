// A row of the profiles table, once: the profile service writes it
// (api/profile/repo.ts), discovery and the public read model select columns of
// it (Pick<ProfileRow, …>). Value sets are the contract's: gender and
// visibility have CHECK constraints, the rest only ever arrive through the
// profile service's zod schemas.
import type { CHILDREN, DRINKING, EDUCATION, Gender, GOALS, ProfileSettings, SMOKING, Visibility } from './contract/profiles.js';

type OneOf<T extends readonly string[]> = T[number];

export interface ProfileRow {
  user_id: string;
  display_name: string;
  /** YYYY-MM-DD (a DATE column read as text). */
  birthdate: string;
  gender: Gender;
  bio: string;
  interests: string[];
  looking_for: Gender[];
  age_min: number;
  age_max: number;
  max_distance_km: number;
  /** The exact point: only its owner ever sees it. */
  lat: number | null;
  lon: number | null;
  /** The centre of the owner's cell of about 1 km (generated columns): what others' distances use. */
  coarse_lat: number | null;
  coarse_lon: number | null;
  visibility: Visibility;
  /** As stored: the keys the owner has set (missing ones take the defaults). */
  settings: Partial<ProfileSettings> | null;
  goal: OneOf<typeof GOALS> | null;
  goals: OneOf<typeof GOALS>[] | null;
  height_cm: number | null;
  education: OneOf<typeof EDUCATION> | null;
  children: OneOf<typeof CHILDREN> | null;
  smoking: OneOf<typeof SMOKING> | null;
  drinking: OneOf<typeof DRINKING> | null;
  created_at: Date;
  updated_at: Date;
}
