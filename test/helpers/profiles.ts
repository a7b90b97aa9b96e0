// Profiles made directly in the database, for tests of services other than
// profile (the profile service's own tests go through its HTTP routes), and
// birthdates relative to today so that ages hold whatever day the tests run.
import type { Knex } from 'knex';

/** YYYY-MM-DD of the day `years` years before today (UTC) plus `days`; Feb 29 falls back to Feb 28. */
export function birthdateYearsAgo(years: number, days = 0): string {
  const now = new Date();
  const y = now.getUTCFullYear() - years;
  let d = new Date(Date.UTC(y, now.getUTCMonth(), now.getUTCDate()));
  if (d.getUTCMonth() !== now.getUTCMonth()) d = new Date(Date.UTC(y, now.getUTCMonth(), now.getUTCDate() - 1));
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A birthdate half a year past the `age`th birthday: the age holds for months either way. */
export function birthdateForAge(age: number): string {
  return birthdateYearsAgo(age, -182);
}

/** Columns of a profile a test may set; the others take the defaults below or the schema's. */
export interface ProfileFields {
  display_name?: string;
  birthdate?: string;
  gender?: 'man' | 'woman' | 'nonbinary';
  looking_for?: string[];
  age_min?: number;
  age_max?: number;
  max_distance_km?: number;
  lat?: number | null;
  lon?: number | null;
  visibility?: 'visible' | 'hidden' | 'paused';
  bio?: string;
  interests?: string[];
  goal?: string | null;
  goals?: string[] | null;
  settings?: Record<string, unknown>;
}

/** A profile row for `userId`: a 30-year-old woman called Tester unless `fields` say otherwise. */
export async function createProfile(db: Knex, userId: string, fields: ProfileFields = {}): Promise<void> {
  const { settings, ...columns } = fields;
  // A field given as undefined takes the default, as if left out.
  const given = Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
  await db('profiles').insert({
    user_id: userId,
    display_name: 'Tester',
    birthdate: birthdateForAge(30),
    gender: 'woman',
    ...given,
    ...(settings && { settings: JSON.stringify(settings) }),
  });
}
