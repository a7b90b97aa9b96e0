// Uploaded media and profile photos.
import { z } from 'zod';
import { Id, PhotoUrls, shape, Timestamp } from './common.js';
import { MediaStatus, PublicVideo } from './profiles.js';

export const MEDIA_KINDS = ['image', 'video', 'voice'] as const;
export const MediaKind = z.enum(MEDIA_KINDS);
export type MediaKind = z.infer<typeof MediaKind>;

export const VoiceNote = shape(
  'VoiceNote',
  z.object({ url: z.string(), duration_s: z.number(), waveform: z.array(z.number().min(0).max(1)) }),
  'An approved voice note: Opus in WebM, its length, and about 64 peaks (0..1, the loudest is 1) to draw.',
);
export type VoiceNote = z.infer<typeof VoiceNote>;

export const Media = shape(
  'Media',
  z.object({
    id: Id,
    owner_id: Id,
    status: MediaStatus,
    mime: z.string(),
    size: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    position: z.number().int().nullable(),
    urls: PhotoUrls,
    kind: MediaKind,
    /** Clips and voice notes: their length in seconds (from the upload's header, then as transcoded). */
    duration_s: z.number().nullable(),
    /** A clip's renditions, once approved (else null; always null for other kinds). */
    video: PublicVideo.nullable(),
    /** A voice note once approved (else null). */
    voice: VoiceNote.nullable(),
    /** Whether this clip is its owner's profile clip. */
    profile_video: z.boolean(),
    created_at: Timestamp,
    moderated_at: Timestamp.nullable(),
  }),
);
export type Media = z.infer<typeof Media>;
export const MediaList = shape('MediaList', z.object({ media: z.array(Media) }));
export type MediaList = z.infer<typeof MediaList>;

export const UploadAccepted = shape(
  'UploadAccepted',
  z.object({
    id: Id,
    status: MediaStatus,
    mime: z.string(),
    size: z.number().int(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    kind: MediaKind,
    duration_s: z.number().nullable(),
  }),
  'Stored and queued for moderation; media:moderated tells the outcome.',
);
export type UploadAccepted = z.infer<typeof UploadAccepted>;

export const Photo = shape('Photo', z.object({ id: Id, status: MediaStatus, position: z.number().int().min(0), urls: PhotoUrls }));
export type Photo = z.infer<typeof Photo>;
export const PhotoList = shape('PhotoList', z.object({ photos: z.array(Photo) }));
export type PhotoList = z.infer<typeof PhotoList>;
export const PhotoAccepted = shape('PhotoAccepted', z.object({ id: Id, status: MediaStatus, position: z.number().int().nullable() }));
export type PhotoAccepted = z.infer<typeof PhotoAccepted>;

export const ProfileVideo = shape(
  'ProfileVideo',
  z.object({ id: Id, status: MediaStatus, duration_s: z.number().nullable(), video: PublicVideo.nullable() }),
  "The caller's profile clip: its moderation state and, once approved, its renditions.",
);
export type ProfileVideo = z.infer<typeof ProfileVideo>;
