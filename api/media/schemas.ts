// Request shapes of the media and photo routes (the contract's § Media and the
// photo bullets of § Profile).
import { z } from 'zod';

/** A profile shows at most this many photos. */
export const MAX_PHOTOS = 6;

export const Uuid = z.string().uuid();

export const AttachPhotoBody = z.strictObject({
  media_id: z.string({ error: 'media_id is required (or send the image as multipart field `file`)' }).uuid(),
});

export const AttachVideoBody = z.strictObject({
  media_id: z.string({ error: 'media_id is required: upload the clip with POST /media/upload first' }).uuid(),
});

export const MovePhotoBody = z.strictObject({
  position: z
    .number({ error: 'position must be an integer' })
    .int()
    .min(0)
    .max(MAX_PHOTOS - 1),
});
