// The zod schemas of the Profile contract (API.md § Profile). Every object is
// strict: an unknown field is a 400 naming that field, never silently dropped.
//
// Value sets the contract leaves to us ("short enums"), fixed here:
//   education: high_school | vocational | bachelor | master | doctorate | other
//   children:  have | want | dont_want | open          (has kids / wants / does not / open to it)
//   smoking:   never | socially | regularly | quitting
//   drinking:  never | socially | regularly | sober
// settings (every key optional; missing = the default in DEFAULT_SETTINGS):
//   show_distance, show_age: boolean
//   notifications: boolean (all on/off) or {<kind>: boolean} with at most 16 kinds,
//                  each a lowercase name like "messages" or "new_match"
//   quiet_hours:   {start: "HH:MM", end: "HH:MM"} or null
//   timezone:      an IANA zone name ("Europe/Berlin") or null
// A PUT replaces each field it names, except settings, which merge key by key
// into the stored ones; null clears an optional detail (goal, height_cm, …) or the location.
import { z } from 'zod';
import { ageOn } from '../../shared/public-profile.js';
import { charCount, isBlank } from '../../shared/validation.js';

import { CHILDREN, DRINKING, EDUCATION, GENDERS, GOALS, SMOKING, VISIBILITIES } from '../../shared/contract/profiles.js';

// The value sets are the contract's (shared/contract/profiles.ts): what a write accepts is what a read shows.
export { CHILDREN, DRINKING, EDUCATION, GENDERS, GOALS, SMOKING, VISIBILITIES };

export const MIN_AGE = 18;
export const MAX_AGE = 120;
export const MAX_INTERESTS = 10;
export const MAX_INTEREST_LENGTH = 32;
const MAX_NOTIFICATION_KINDS = 16;

export const DEFAULT_SETTINGS = {
  show_distance: true,
  show_age: true,
  notifications: true as boolean | Record<string, boolean>,
  quiet_hours: null as { start: string; end: string } | null,
  timezone: null as string | null,
};

// C0 controls and DEL; single-line texts allow none, the bio allows \n, \r and \t.
const CONTROL = /[\u0000-\u001f\u007f]/;
const CONTROL_BUT_WHITESPACE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The message of a wrong-type issue; a missing field says so instead. */
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : what);

const oneOf = <T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: expected(`must be one of: ${values.join(', ')}`) });

const int = (min: number, max: number) =>
  z
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

const singleLine = (max: number) =>
  z
    .string({ error: expected('must be a string') })
    .trim()
    .min(1, 'must not be empty')
    .refine((s) => charCount(s) <= max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => s === '' || !isBlank(s), 'must have a visible character (not only zero-width or direction marks)');

/** The same set once: keeps the first spelling of case-insensitive duplicates. */
function dedupe<T extends string>(values: T[]): T[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const k = v.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function isRealDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export const birthdateSchema = z.string({ error: expected('must be a date string YYYY-MM-DD') }).superRefine((s, ctx) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return void ctx.addIssue({ code: 'custom', message: 'must be a date as YYYY-MM-DD' });
  if (!isRealDate(s)) return void ctx.addIssue({ code: 'custom', message: 'is not a real calendar date' });
  const age = ageOn(s);
  if (age < MIN_AGE) return void ctx.addIssue({ code: 'custom', message: `you must be at least ${MIN_AGE} years old` });
  if (age > MAX_AGE) ctx.addIssue({ code: 'custom', message: `must be a birthdate of someone at most ${MAX_AGE} years old` });
});

const locationSchema = z
  .object({
    lat: z.number({ error: 'must be a number' }).min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
    lon: z.number({ error: 'must be a number' }).min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
  }, { error: 'must be an object {lat, lon}' })
  .strict();

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const hhmm = z.string({ error: 'must be a time HH:MM' }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (00:00–23:59)');

const notificationsSchema = z.union(
  [
    z.boolean(),
    z
      .record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'notification kinds are lowercase names of at most 32 characters'), z.boolean({ error: 'must be a boolean' }))
      .refine((o) => Object.keys(o).length <= MAX_NOTIFICATION_KINDS, `at most ${MAX_NOTIFICATION_KINDS} notification kinds`),
  ],
  { error: 'must be a boolean or an object of booleans' },
);

export const settingsSchema = z
  .object(
    {
      show_distance: z.boolean({ error: 'must be a boolean' }),
      show_age: z.boolean({ error: 'must be a boolean' }),
      notifications: notificationsSchema,
      quiet_hours: z.object({ start: hhmm, end: hhmm }, { error: 'must be an object {start, end} or null' }).strict().nullable(),
      timezone: z
        .string({ error: 'must be a time zone name or null' })
        .max(64, 'must be at most 64 characters')
        .refine(isTimeZone, 'must be an IANA time zone name such as Europe/Berlin')
        .nullable(),
    },
    { error: 'must be an object' },
  )
  .partial()
  .strict();
export type Settings = z.infer<typeof settingsSchema>;

/** The fields every profile write may carry; the required ones are tightened in the create schema. */
const fields = {
  display_name: singleLine(64),
  birthdate: birthdateSchema,
  gender: oneOf(GENDERS),
  bio: z
    .string({ error: 'must be a string' })
    .refine((s) => charCount(s) <= 500, 'must be at most 500 characters')
    .refine((s) => !CONTROL_BUT_WHITESPACE.test(s), 'must not contain control characters'),
  interests: z
    .array(singleLine(MAX_INTEREST_LENGTH), { error: 'must be an array of strings' })
    .max(MAX_INTERESTS, `at most ${MAX_INTERESTS} interests`)
    .transform(dedupe),
  looking_for: z.array(oneOf(GENDERS), { error: 'must be an array of genders' }).max(GENDERS.length * 2, 'too many values').transform(dedupe),
  age_min: int(18, 100),
  age_max: int(18, 100),
  max_distance_km: int(1, 500),
  location: locationSchema.nullable(),
  visibility: oneOf(VISIBILITIES),
  settings: settingsSchema,
  goal: oneOf(GOALS).nullable(),
  goals: z.array(oneOf(GOALS), { error: 'must be an array of goals' }).max(GOALS.length * 2, 'too many values').transform(dedupe).nullable(),
  height_cm: int(120, 230).nullable(),
  education: oneOf(EDUCATION).nullable(),
  children: oneOf(CHILDREN).nullable(),
  smoking: oneOf(SMOKING).nullable(),
  drinking: oneOf(DRINKING).nullable(),
};

export const updateProfileSchema = z.object(fields, { error: 'body must be a JSON object' }).partial().strict();
export type ProfilePatch = z.infer<typeof updateProfileSchema>;

export const createProfileSchema = z
  .object(
    {
      ...updateProfileSchema.shape,
      display_name: fields.display_name,
      birthdate: fields.birthdate,
      gender: fields.gender,
    },
    { error: 'body must be a JSON object' },
  )
  .strict();
export type ProfileInput = z.infer<typeof createProfileSchema>;

/** `me` or a user's UUID; anything else is a malformed path. */
export const userIdParam = z.union([z.literal('me'), z.guid({ error: 'must be a user id (UUID) or "me"' })], {
  error: 'must be a user id (UUID) or "me"',
});
/** The path parameters of /profiles/{user_id}. */
export const UserIdParams = z.object({ user_id: userIdParam });
