// HTTP of the media service: parse, call the service, shape the answer.
// Serves /media/* (upload, read, delete, list, files) and the photo routes of
// /profiles/{user_id}/photos.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AppError } from '../../shared/errors.js';
import { caller, requireAuth } from '../../shared/http/auth.js';
import type { ServiceDeps } from '../../shared/platform.js';
import { parse } from '../../shared/validation.js';
import type { MediaService } from './service.js';
import { AttachPhotoBody, AttachVideoBody, MovePhotoBody, Uuid } from './schemas.js';
import { isMultipart, multipartUpload, readableRefusals, uploadedField, uploadedFile } from './upload.js';
import { parseRange } from './ranges.js';
import { parseChatFile } from './chat-files.js';
import type { Media, MediaList, PhotoAccepted, PhotoList, ProfileVideo, UploadAccepted } from '../../shared/contract/index.js';

const IMMUTABLE = 'public, max-age=31536000, immutable';

export interface RouteOptions {
  /** Where multipart uploads are spooled (default: the OS temp directory). */
  uploadDir?: string;
}

/** A path id: anything but a UUID cannot exist, so it is a 404 (and never reaches SQL). */
function idParam(ctx: Context, name: string, what: string): string {
  const v = ctx.params[name];
  if (!Uuid.safeParse(v).success) throw AppError.notFound(`No such ${what}`);
  return v;
}

/** `{user_id}` of a photo route; `me` is the caller. */
function userParam(ctx: Context): string {
  if (ctx.params.user_id === 'me') return caller(ctx).userId;
  return idParam(ctx, 'user_id', 'profile');
}

function ownerOnly(ctx: Context): string {
  const userId = userParam(ctx);
  if (userId !== caller(ctx).userId) throw AppError.forbidden("Only the owner can change a profile's photos and clip");
  return userId;
}

/** The path under which MEDIA_PUBLIC_URL points at this service (its path when it is a full URL). */
export function filesPath(publicUrl: string): string {
  const p = /^[a-z][a-z0-9+.-]*:\/\//i.test(publicUrl) ? new URL(publicUrl).pathname : publicUrl;
  return p.endsWith('/') ? p : `${p}/`;
}

function etagMatches(header: string, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}

export function mediaRoutes(deps: ServiceDeps, service: MediaService, opts: RouteOptions = {}): Router {
  const router = new Router();
  const auth = requireAuth(deps);
  const upload = multipartUpload({ maxBytes: deps.config.media.maxBytes, uploadDir: opts.uploadDir });
  // POST /media/upload also takes clips, up to their own limit (decided by the file's first bytes).
  const anyUpload = multipartUpload({ maxBytes: deps.config.media.maxBytes, videoMaxBytes: deps.config.media.av.maxVideoBytes, uploadDir: opts.uploadDir });
  const refusals = readableRefusals({ drainMaxBytes: deps.config.uploads.drainMaxBytes });

  // Files first: its path may sit under /media/, beside /media/{id}.
  router.get(`${filesPath(deps.config.media.publicUrl)}{*key}`, async (ctx) => {
    const key = typeof ctx.params.key === 'string' ? ctx.params.key : '';
    // chat/{message_id}/{file}: a chat attachment, by signed URL only (api/media/chat-files.ts).
    const chat = parseChatFile(deps.config, key, ctx.query);
    if (chat === null) throw AppError.notFound('No such file');
    const served = chat ? await service.servedChatFile(chat) : await service.servedVariant(key);
    if (!served) throw AppError.notFound('No such file');
    ctx.set('ETag', served.etag);
    // A chat file is revalidated on every use: the live check runs before any 304.
    ctx.set('Cache-Control', chat ? 'private, max-age=0, must-revalidate' : IMMUTABLE);
    if (etagMatches(ctx.get('if-none-match'), served.etag)) {
      ctx.status = 304;
      return;
    }
    ctx.set('X-Content-Type-Options', 'nosniff');
    // Clips and voice notes answer range requests (players seek and stream with them).
    if (served.size !== undefined) {
      ctx.set('Accept-Ranges', 'bytes');
      const range = parseRange(ctx.get('range'), served.size, ctx.get('if-range'), served.etag);
      if (range === 'unsatisfiable') {
        ctx.set('Content-Range', `bytes */${served.size}`);
        throw new AppError(416, 'range_not_satisfiable', `The file has ${served.size} bytes`, { size: served.size });
      }
      const file = await served.open(range ?? undefined);
      if (!file) throw AppError.notFound('No such file');
      ctx.type = served.contentType;
      if (range) {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${served.size}`);
        ctx.length = range.end - range.start + 1;
      } else ctx.length = served.size;
      ctx.body = file.body;
      return;
    }
    const file = await served.open();
    if (!file) throw AppError.notFound('No such file');
    ctx.type = served.contentType;
    if (file.size !== undefined) ctx.length = file.size;
    ctx.body = file.body;
  });

  // The rate and the quota are checked before a byte of the upload is read.
  const admitUpload = async (ctx: Context, next: Next) => {
    await service.admitUpload(caller(ctx).userId, { asPhoto: false });
    await next();
  };
  router.post('/media/upload', refusals, auth, admitUpload, anyUpload, async (ctx) => {
    const row = await service.upload(caller(ctx).userId, uploadedFile(ctx), { kind: uploadedField(ctx, 'kind') });
    ctx.status = 202;
    ctx.body = {
      id: row.id,
      status: row.status,
      mime: row.mime,
      size: row.size,
      width: row.width,
      height: row.height,
      kind: row.kind,
      duration_s: row.duration_s,
    } satisfies UploadAccepted;
  });

  router.get('/media/user/:user_id', auth, async (ctx) => {
    const rows = await service.listByUser(caller(ctx).userId, idParam(ctx, 'user_id', 'user'));
    ctx.body = { media: rows.map((r) => service.mediaView(r)) } satisfies MediaList;
  });

  router.get('/media/:id', auth, async (ctx) => {
    ctx.body = service.mediaView(await service.get(caller(ctx).userId, idParam(ctx, 'id', 'media'))) satisfies Media;
  });

  router.get('/media/:id/original', auth, async (ctx) => {
    const { row, file } = await service.openOriginal(caller(ctx).userId, idParam(ctx, 'id', 'media'));
    const etag = `"${row.sha256}"`;
    ctx.set('ETag', etag);
    ctx.set('Cache-Control', 'private, max-age=0, must-revalidate');
    if (etagMatches(ctx.get('if-none-match'), etag)) {
      file.body.destroy();
      ctx.status = 304;
      return;
    }
    ctx.type = row.mime;
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.length = row.size;
    ctx.body = file.body;
  });

  router.delete('/media/:id', auth, async (ctx) => {
    await service.remove(caller(ctx).userId, idParam(ctx, 'id', 'media'));
    ctx.status = 204;
  });

  // --- /profiles/{user_id}/photos -------------------------------------------

  router.get('/profiles/:user_id/photos', auth, async (ctx) => {
    const rows = await service.photos(caller(ctx).userId, userParam(ctx));
    ctx.body = { photos: rows.map((r) => service.photoView(r)) } satisfies PhotoList;
  });

  // Ownership, the upload rate and the photo limit are checked before a byte of an upload is read.
  const photoUploadGuard = async (ctx: Context, next: Next) => {
    const userId = ownerOnly(ctx);
    if (isMultipart(ctx)) await service.admitUpload(userId, { asPhoto: true });
    await next();
  };
  router.post('/profiles/:user_id/photos', refusals, auth, photoUploadGuard, upload, async (ctx) => {
    const userId = ownerOnly(ctx);
    const row = isMultipart(ctx)
      ? await service.upload(userId, uploadedFile(ctx), { asPhoto: true })
      : await service.attachPhoto(userId, parse(AttachPhotoBody, ctx.request.body ?? {}).media_id);
    ctx.status = 202;
    ctx.body = { id: row.id, status: row.status, position: row.position } satisfies PhotoAccepted;
  });

  router.put('/profiles/:user_id/photos/:id', auth, async (ctx) => {
    const userId = ownerOnly(ctx);
    const { position } = parse(MovePhotoBody, ctx.request.body ?? {});
    const rows = await service.movePhoto(userId, idParam(ctx, 'id', 'photo'), position);
    ctx.body = { photos: rows.map((r) => service.photoView(r)) } satisfies PhotoList;
  });

  router.delete('/profiles/:user_id/photos/:id', auth, async (ctx) => {
    const userId = ownerOnly(ctx);
    await service.removePhoto(userId, idParam(ctx, 'id', 'photo'));
    ctx.status = 204;
  });

  // --- /profiles/{user_id}/video ------------------------------------------------

  router.post('/profiles/:user_id/video', auth, async (ctx) => {
    const userId = ownerOnly(ctx);
    const row = await service.setProfileVideo(userId, parse(AttachVideoBody, ctx.request.body ?? {}).media_id);
    ctx.body = service.profileVideoView(row) satisfies ProfileVideo;
  });

  router.delete('/profiles/:user_id/video', auth, async (ctx) => {
    await service.removeProfileVideo(ownerOnly(ctx));
    ctx.status = 204;
  });

  return router;
}
