// Uploaded media and profile photos.
import { z } from 'zod';
import { Id, PhotoUrls, shape, Timestamp } from './common.js';
import { MediaStatus } from './profiles.js';

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
    created_at: Timestamp,
    moderated_at: Timestamp.nullable(),
  }),
);
export type Media = z.infer<typeof Media>;
export const MediaList = shape('MediaList', z.object({ media: z.array(Media) }));
export type MediaList = z.infer<typeof MediaList>;

export const UploadAccepted = shape(
  'UploadAccepted',
  z.object({ id: Id, status: MediaStatus, mime: z.string(), size: z.number().int(), width: z.number().int().nullable(), height: z.number().int().nullable() }),
  'Stored and queued for moderation; media:moderated tells the outcome.',
);
export type UploadAccepted = z.infer<typeof UploadAccepted>;

export const Photo = shape('Photo', z.object({ id: Id, status: MediaStatus, position: z.number().int().min(0), urls: PhotoUrls }));
export type Photo = z.infer<typeof Photo>;
export const PhotoList = shape('PhotoList', z.object({ photos: z.array(Photo) }));
export type PhotoList = z.infer<typeof PhotoList>;
export const PhotoAccepted = shape('PhotoAccepted', z.object({ id: Id, status: MediaStatus, position: z.number().int().nullable() }));
export type PhotoAccepted = z.infer<typeof PhotoAccepted>;
