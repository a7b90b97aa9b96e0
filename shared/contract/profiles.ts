// The profile as others see it (public) and as its owner sees it.
import { z } from 'zod';
import { Id, PhotoUrls, shape, Timestamp } from './common.js';

export const GENDERS = ['man', 'woman', 'nonbinary'] as const;
export const VISIBILITIES = ['visible', 'hidden', 'paused'] as const;
export const GOALS = ['relationship', 'friendship', 'casual', 'unsure'] as const;
export const EDUCATION = ['high_school', 'vocational', 'bachelor', 'master', 'doctorate', 'other'] as const;
export const CHILDREN = ['have', 'want', 'dont_want', 'open'] as const;
export const SMOKING = ['never', 'socially', 'regularly', 'quitting'] as const;
export const DRINKING = ['never', 'socially', 'regularly', 'sober'] as const;
export const MEDIA_STATUSES = ['pending', 'approved', 'rejected', 'review'] as const;

export const Gender = z.enum(GENDERS);
export type Gender = z.infer<typeof Gender>;
export const Visibility = z.enum(VISIBILITIES);
export type Visibility = z.infer<typeof Visibility>;
export const MediaStatus = z.enum(MEDIA_STATUSES);
export type MediaStatus = z.infer<typeof MediaStatus>;

export const PublicPhoto = shape('PublicPhoto', z.object({ id: Id, position: z.number().int().min(0), urls: PhotoUrls }), 'An approved photo of a profile.');
export type PublicPhoto = z.infer<typeof PublicPhoto>;

export const PublicVideo = shape(
  'PublicVideo',
  z.object({
    url_720: z.string(),
    url_480: z.string(),
    poster_url: z.string(),
    duration_s: z.number(),
  }),
  'An approved profile clip: H.264 MP4 with the short side 720 and 480 px (a smaller source keeps its own size under both names: never upscaled), a WebP poster, the length in seconds. Served with range requests.',
);
export type PublicVideo = z.infer<typeof PublicVideo>;

/** What every view of a profile shows as its owner wrote it: who they are and what they tell. */
const ProfileBasics = z.object({
  user_id: Id,
  display_name: z.string(),
  gender: Gender,
  bio: z.string(),
  interests: z.array(z.string()),
});

export const PublicProfile = shape(
  'PublicProfile',
  ProfileBasics.extend({
    /** null when the owner hides their age. */
    age: z.number().int().nullable(),
    photos: z.array(PublicPhoto),
    /** The profile clip once approved; null when there is none (or it is not approved yet). */
    video: PublicVideo.nullable(),
    /** Whole km between the two users' coarse points, at least 1; null where it is not shown. */
    distance_km: z.number().int().min(1).nullable(),
  }),
  'A profile as other users see it: never the birthdate, the exact location, the settings or the Telegram id.',
);
export type PublicProfile = z.infer<typeof PublicProfile>;

export const OwnPhoto = shape(
  'OwnPhoto',
  z.object({ id: Id, status: MediaStatus, position: z.number().int().min(0), urls: PhotoUrls, created_at: Timestamp }),
  'A photo of the caller\'s own profile, whatever its moderation state (URLs only once approved).',
);
export type OwnPhoto = z.infer<typeof OwnPhoto>;

export const ProfileSettings = z.object({
  show_distance: z.boolean(),
  show_age: z.boolean(),
  notifications: z.union([z.boolean(), z.record(z.string(), z.boolean())]),
  quiet_hours: z.object({ start: z.string(), end: z.string() }).nullable(),
  timezone: z.string().nullable(),
});
export type ProfileSettings = z.infer<typeof ProfileSettings>;

export const OwnerProfile = shape(
  'OwnerProfile',
  ProfileBasics.extend({
    birthdate: z.iso.date(),
    age: z.number().int(),
    looking_for: z.array(Gender),
    age_min: z.number().int(),
    age_max: z.number().int(),
    max_distance_km: z.number().int(),
    location: z.object({ lat: z.number(), lon: z.number() }).nullable(),
    visibility: Visibility,
    settings: ProfileSettings,
    goal: z.enum(GOALS).nullable(),
    goals: z.array(z.enum(GOALS)).nullable(),
    height_cm: z.number().int().nullable(),
    education: z.enum(EDUCATION).nullable(),
    children: z.enum(CHILDREN).nullable(),
    smoking: z.enum(SMOKING).nullable(),
    drinking: z.enum(DRINKING).nullable(),
    photos: z.array(OwnPhoto),
    created_at: Timestamp,
    updated_at: Timestamp,
  }),
  'Everything about a profile, as only its owner sees it.',
);
export type OwnerProfile = z.infer<typeof OwnerProfile>;

/** GET /profiles/{user_id}: the owner's view for oneself, the public view for anyone else. */
export const ProfileView = shape('ProfileView', z.union([OwnerProfile, PublicProfile]));
export type ProfileView = z.infer<typeof ProfileView>;
